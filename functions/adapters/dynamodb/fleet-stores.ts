/**
 * DynamoDB adapters of the fleet use cases. Everything written here is an idempotent overwrite keyed by what it
 * describes (device and time and seq, device and time and kind, violation id), written with BatchWriteItem; the
 * vehicle state is one item per device, read and written once per batch.
 */
import { BatchGetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GreenVehicleState } from '../../domain/green/accumulator.ts';
import type { VehicleRuleState } from '../../domain/supervision/engine.ts';
import type {
  ConnectionState,
  PositionStore,
  StoredPosition,
  VehicleEvent,
  VehicleEventStore,
  VehicleStateItem,
  VehicleStateStore,
  ViolationRecord,
  ViolationStore,
} from '../../fleet/ports.ts';
import { shanghaiDate } from '../../shared/local-time.ts';
import { batchWriteAll, chunk, isConditionalCheckFailed } from './document-client.ts';

const maxBatchGetKeys = 100;
const maxUnprocessedRounds = 8;

async function batchGetAll(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  await Promise.all(
    chunk(keys, maxBatchGetKeys).map(async (part) => {
      let pending: Array<Record<string, unknown>> = [...part];
      for (let round = 0; pending.length > 0; round++) {
        if (round >= maxUnprocessedRounds) throw new Error(`${pending.length} keys of ${tableName} stayed unprocessed`);
        const page = await ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: {
                Keys: pending,
                ...(projection ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names } : {}),
              },
            },
          }),
        );
        items.push(...(page.Responses?.[tableName] ?? []));
        pending = page.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
    }),
  );
  return items;
}

/** Fixed-width UTC time, sortable as a string. */
const utc = (ms: number) => new Date(ms).toISOString();

export class DynamoDbVehicleStateStore implements VehicleStateStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getMany(deviceIds: readonly string[]): Promise<Map<string, VehicleStateItem>> {
    const items = await batchGetAll(this.ddb, this.tableName, deviceIds.map((deviceId) => ({ deviceId })));
    return new Map(items.map((item) => [String(item.deviceId), fromItem(item)]));
  }

  async putMany(states: readonly VehicleStateItem[]): Promise<void> {
    await batchWriteAll(this.ddb, this.tableName, states.map(toItem), 8, ['deviceId']);
  }

  async putManyIfUnchanged(changes: ReadonlyArray<{ state: VehicleStateItem; readUpdatedAtMs: number }>): Promise<number> {
    const results = await Promise.all(
      changes.map(async ({ state, readUpdatedAtMs }) => {
        try {
          await this.ddb.send(
            new PutCommand({
              TableName: this.tableName,
              Item: toItem(state),
              ConditionExpression: 'updatedAtMs = :read',
              ExpressionAttributeValues: { ':read': readUpdatedAtMs },
            }),
          );
          return 1;
        } catch (error) {
          if (isConditionalCheckFailed(error)) return 0;
          throw error;
        }
      }),
    );
    return results.reduce((a: number, b) => a + b, 0);
  }

  async *scanAll(): AsyncIterable<VehicleStateItem> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) yield fromItem(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

/** The engine state is stored as JSON text: it is opaque to DynamoDB and marshals far faster as one string. */
function toItem(state: VehicleStateItem): Record<string, unknown> {
  return {
    deviceId: state.deviceId,
    registered: state.registered,
    updatedAtMs: state.updatedAtMs,
    lastReportMs: state.lastReportMs,
    lastPositionJson: state.lastPosition ? JSON.stringify(state.lastPosition) : undefined,
    connectionJson: state.connection ? JSON.stringify(state.connection) : undefined,
    engineJson: state.engine ? JSON.stringify(state.engine) : undefined,
    greenJson: state.green ? JSON.stringify(state.green) : undefined,
  };
}

function fromItem(item: Record<string, unknown>): VehicleStateItem {
  return {
    deviceId: String(item.deviceId),
    registered: item.registered === true,
    updatedAtMs: Number(item.updatedAtMs ?? 0),
    ...(typeof item.lastReportMs === 'number' ? { lastReportMs: item.lastReportMs } : {}),
    ...(typeof item.lastPositionJson === 'string' ? { lastPosition: JSON.parse(item.lastPositionJson) as VehicleStateItem['lastPosition'] } : {}),
    ...(typeof item.connectionJson === 'string' ? { connection: JSON.parse(item.connectionJson) as ConnectionState } : {}),
    ...(typeof item.engineJson === 'string' ? { engine: JSON.parse(item.engineJson) as VehicleRuleState } : {}),
    ...(typeof item.greenJson === 'string' ? { green: JSON.parse(item.greenJson) as GreenVehicleState } : {}),
  };
}

export class DynamoDbPositionStore implements PositionStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putMany(positions: readonly StoredPosition[], retentionDays: number): Promise<void> {
    await batchWriteAll(
      this.ddb,
      this.tableName,
      positions.map(({ report, registered, late, receivedAtMs }) => ({
        deviceId: report.deviceId,
        tsSeq: `${utc(report.tsMs)}#${String(report.seq).padStart(10, '0')}`,
        tsMs: report.tsMs,
        seq: report.seq,
        localDate: shanghaiDate(report.tsMs),
        lat: report.lat,
        lon: report.lon,
        speedKmh: report.speedKmh,
        headingDeg: report.headingDeg,
        odometerKm: report.odometerKm,
        ignition: report.ignition,
        alarmFlags: report.alarmFlags,
        driverId: report.driverId,
        registered,
        late,
        receivedAtMs,
        expiresAtEpochS: Math.floor(report.tsMs / 1000) + Math.round(retentionDays * 86_400),
      })),
      8,
      ['deviceId', 'tsSeq'],
    );
  }
}

export class DynamoDbVehicleEventStore implements VehicleEventStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putMany(events: readonly VehicleEvent[], retentionDays: number): Promise<void> {
    await batchWriteAll(
      this.ddb,
      this.tableName,
      events.map((event) => ({
        deviceId: event.deviceId,
        tsKind: `${utc(event.tsMs)}#${event.kind}#${event.eventId}`,
        tsMs: event.tsMs,
        kind: event.kind,
        eventId: event.eventId,
        detailsJson: JSON.stringify(event.details),
        expiresAtEpochS: Math.floor(event.tsMs / 1000) + Math.round(retentionDays * 86_400),
      })),
      8,
      ['deviceId', 'tsKind'],
    );
  }
}

export class DynamoDbViolationStore implements ViolationStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async knownAmong(violationIds: readonly string[]): Promise<ReadonlySet<string>> {
    const items = await batchGetAll(
      this.ddb,
      this.tableName,
      [...new Set(violationIds)].map((violationId) => ({ violationId })),
      { expression: '#id', names: { '#id': 'violationId' } },
    );
    return new Set(items.map((item) => String(item.violationId)));
  }

  async putMany(records: readonly ViolationRecord[]): Promise<void> {
    await batchWriteAll(
      this.ddb,
      this.tableName,
      records.map(({ violation, vehicle, publishedAt }) => ({
        violationId: violation.violationId,
        deviceId: violation.deviceId,
        type: violation.type,
        startUtc: utc(violation.startMs),
        startMs: violation.startMs,
        endMs: violation.endMs,
        localDate: shanghaiDate(violation.startMs),
        driverId: violation.driverId,
        operator: vehicle.operator,
        category: vehicle.category,
        city: vehicle.city,
        plate: vehicle.plate,
        plateColor: vehicle.plateColor,
        detailsJson: JSON.stringify(violation.details),
        basisJson: JSON.stringify(violation.basis),
        evidenceJson: JSON.stringify(violation.evidence),
        status: 'open',
        publishedAt,
      })),
      8,
      ['violationId'],
    );
  }
}
