/**
 * Read side of the VehicleState table for the console API (functions/fleet/api-ports.ts): every vehicle's latest
 * position for the map, a page of a Scan at a time with a projection (the rule engine's state, the bulk of an item,
 * stays behind), and one vehicle's whole state through the fleet's own store.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { LatestVehicleState, StoreKey, VehicleStateReader } from '../../fleet/api-ports.ts';
import type { VehicleStateItem } from '../../fleet/ports.ts';
import { DynamoDbVehicleStateStore } from './fleet-stores.ts';

const projected = ['deviceId', 'registered', 'lastPositionJson', 'connectionJson'] as const;

const jsonObject = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** As DynamoDbVehicleStateStore writes them; `headingDeg` is read when the ingest stores it with the position. */
const latestItem = z.object({
  deviceId: z.string(),
  registered: z.boolean().optional(),
  lastPositionJson: jsonObject(
    z.object({ lat: z.number(), lon: z.number(), speedKmh: z.number(), tsMs: z.number(), headingDeg: z.number().optional() }),
  ).optional(),
  connectionJson: jsonObject(
    z.object({
      connected: z.boolean(),
      atMs: z.number(),
      versionNumber: z.number(),
      disconnectReason: z.string().optional(),
      offlineConfirmedAtMs: z.number().optional(),
    }),
  ).optional(),
});

export class VehicleStateQueries implements VehicleStateReader {
  private readonly store: DynamoDbVehicleStateStore;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.store = new DynamoDbVehicleStateStore(ddb, tableName);
  }

  async scanLatest(options: { readonly limit: number; readonly startKey?: StoreKey }): Promise<{ items: LatestVehicleState[]; nextKey?: StoreKey }> {
    const page = await this.ddb.send(
      new ScanCommand({
        TableName: this.tableName,
        ProjectionExpression: projected.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(projected.map((name, i) => [`#a${i}`, name])),
        Limit: options.limit,
        ExclusiveStartKey: options.startKey ? { ...options.startKey } : undefined,
      }),
    );
    const items = (page.Items ?? []).map((item): LatestVehicleState => {
      const parsed = latestItem.safeParse(item);
      if (!parsed.success) throw new Error(`vehicle state ${String(item.deviceId)} is not readable: ${parsed.error.message}`);
      const { deviceId, registered, lastPositionJson, connectionJson } = parsed.data;
      return {
        deviceId,
        registered: registered === true,
        ...(lastPositionJson ? { lastPosition: withoutUndefined(lastPositionJson) } : {}),
        ...(connectionJson ? { connection: withoutUndefined(connectionJson) } : {}),
      };
    });
    const last = page.LastEvaluatedKey;
    return { items, ...(last ? { nextKey: { deviceId: String(last.deviceId) } } : {}) };
  }

  async getState(deviceId: string): Promise<VehicleStateItem | undefined> {
    return (await this.store.getMany([deviceId])).get(deviceId);
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
