/**
 * Read side of the WIM tables: the access patterns documented in docs/storage.md. Used by tools, tests and the
 * overload console API (functions/wim/api-routes.ts, through the ports in functions/wim/api-ports.ts); the ingest
 * path never reads through here.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { addCounters, emptyCounters, overLimitRates, type StationCountersValue } from '../../domain/overload/station-stats.ts';
import type { AccuracyClass, StationProfile } from '../../domain/overload/types.ts';
import type {
  OverLimitRecordStore,
  StationCounterReader,
  StationDirectory,
  StationHourCounters,
  StoredOverLimitRecord,
  StorePage,
  StorePosition,
  TimeRangeQuery,
} from '../../wim/api-ports.ts';

export interface WimTableNames {
  readonly wimReadings: string;
  readonly overLimitRecords: string;
  readonly stationCounters: string;
  readonly overloadAlerts: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextKey?: Record<string, unknown>;
}

export interface StationDay {
  readonly stationId: string;
  readonly localDate: string;
  readonly counters: StationCountersValue;
  readonly rates: ReturnType<typeof overLimitRates>;
  /** Hours (`YYYY-MM-DDTHH`) with at least one truck. */
  readonly hours: readonly string[];
  /** The counters of each of those hours. */
  readonly hourly: readonly StationHourCounters[];
}

const counterFields = Object.keys(emptyCounters()) as Array<keyof StationCountersValue>;

export class WimQueries implements StationCounterReader {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: WimTableNames,
  ) {}

  async reading(stationId: string, recordId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.ddb.send(new GetCommand({ TableName: this.tables.wimReadings, Key: { stationId, recordId } }));
    return result.Item;
  }

  /** A station's counters for one Asia/Shanghai date: the sum of its hourly items. */
  async stationDay(stationId: string, localDate: string): Promise<StationDay> {
    let counters = emptyCounters();
    const hours: string[] = [];
    const hourly: StationHourCounters[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tables.stationCounters,
          KeyConditionExpression: 'stationId = :s AND begins_with(localHour, :d)',
          ExpressionAttributeValues: { ':s': stationId, ':d': localDate },
          ProjectionExpression: ['localHour', ...counterFields].map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(['localHour', ...counterFields].map((f, i) => [`#p${i}`, f])),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        hours.push(String(item.localHour));
        const hour = emptyCounters();
        for (const field of counterFields) hour[field] = Number(item[field] ?? 0);
        counters = addCounters(counters, hour);
        hourly.push({ localHour: String(item.localHour), counters: hour });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { stationId, localDate, counters, rates: overLimitRates(counters), hours, hourly };
  }

  async hoursOfStationDay(stationId: string, localDate: string): Promise<StationHourCounters[]> {
    return [...(await this.stationDay(stationId, localDate)).hourly];
  }

  /** Over-limit records of a station between two UTC instants (ISO strings), newest first. */
  async overLimitByStation(
    stationId: string,
    fromUtc: string,
    toUtc: string,
    options: { limit?: number; startKey?: Record<string, unknown> } = {},
  ): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.overLimitRecords,
        KeyConditionExpression: 'stationId = :s AND measuredAtRecordId BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':s': stationId, ':from': fromUtc, ':to': `${toUtc}\uffff` },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** Over-limit records of one vehicle (normalised plate with colour, e.g. 琼A12345#yellow), newest first. */
  async overLimitByPlate(plateKey: string, options: { limit?: number; startKey?: Record<string, unknown> } = {}): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.overLimitRecords,
        IndexName: 'byPlate',
        KeyConditionExpression: 'plateKey = :p',
        ExpressionAttributeValues: { ':p': plateKey },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** An alert as published, with its state. */
  async alert(alertId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.ddb.send(new GetCommand({ TableName: this.tables.overloadAlerts, Key: { alertId } }));
    return result.Item;
  }

  async overLimitByAlertId(alertId: string): Promise<Record<string, unknown> | undefined> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.overLimitRecords,
        IndexName: 'byAlertId',
        KeyConditionExpression: 'alertId = :a',
        ExpressionAttributeValues: { ':a': alertId },
      }),
    );
    return page.Items?.[0];
  }
}

/**
 * Runs a query until it has `limit` items or is exhausted. A filter applies after DynamoDB's `Limit`, so one request
 * can return fewer items than asked while more match further on; each round asks only for what is still missing, so
 * the position returned is exactly after the last item returned.
 */
export async function queryUpTo(
  ddb: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit: number,
  after?: StorePosition,
): Promise<StorePage<Record<string, unknown>>> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined = after ? { ...after } : undefined;
  do {
    const page = await ddb.send(new QueryCommand({ ...input, Limit: limit - items.length, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return startKey ? { items, next: startKey } : { items };
}

const optionalString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

export function overLimitRecordFromItem(item: Record<string, unknown>): StoredOverLimitRecord {
  const plateKey = optionalString(item.plateKey);
  const alertId = optionalString(item.alertId);
  return {
    stationId: String(item.stationId),
    recordId: String(item.recordId),
    measuredAtUtc: String(item.measuredAtUtc),
    ...(plateKey ? { plateKey } : {}),
    grossWeightKg: Number(item.grossWeightKg),
    limitKg: Number(item.limitKg),
    overLimitKg: Number(item.overLimitKg),
    band: String(item.band),
    disposition: String(item.disposition),
    ...(alertId ? { alertId } : {}),
    judgementJson: String(item.judgementJson ?? 'null'),
    recordJson: String(item.recordJson ?? 'null'),
  };
}

/** OverLimitRecords for the console: a station's records by time, and the record behind an alert. */
export class DynamoDbOverLimitRecordStore implements OverLimitRecordStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordOfAlert(alertId: string): Promise<StoredOverLimitRecord | undefined> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byAlertId',
        KeyConditionExpression: 'alertId = :a',
        ExpressionAttributeValues: { ':a': alertId },
      }),
    );
    const item = page.Items?.[0];
    return item ? overLimitRecordFromItem(item) : undefined;
  }

  async recordsOfStation(stationId: string, query: TimeRangeQuery & { readonly minGrossWeightKg?: number }): Promise<StorePage<StoredOverLimitRecord>> {
    const heavyOnly = query.minGrossWeightKg !== undefined;
    const page = await queryUpTo(
      this.ddb,
      {
        TableName: this.tableName,
        // The sort key is `measuredAtUtc#recordId`: a record at exactly `toUtc` sorts after `toUtc` itself.
        KeyConditionExpression: 'stationId = :s AND measuredAtRecordId BETWEEN :from AND :to',
        ...(heavyOnly ? { FilterExpression: 'grossWeightKg >= :kg' } : {}),
        ExpressionAttributeValues: { ':s': stationId, ':from': query.fromUtc, ':to': `${query.toUtc}\uffff`, ...(heavyOnly ? { ':kg': query.minGrossWeightKg } : {}) },
        ScanIndexForward: false,
      },
      query.limit,
      query.after,
    );
    return { ...page, items: page.items.map(overLimitRecordFromItem) };
  }
}

/**
 * The stations of the WimConfig table. Each profile is its own partition (`station#<id>` / `profile`), so listing
 * them is a scan of the configuration table; it holds tens of stations and up to a few thousand permits, and the
 * result is cached for `cacheTtlMs` per execution environment, as the ingest function caches profiles.
 */
export class DynamoDbStationDirectory implements StationDirectory {
  private cached: { readonly stations: StationProfile[]; readonly expiresAtMs: number } | undefined;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { readonly cacheTtlMs?: number; readonly nowMs?: () => number } = {},
  ) {}

  async stations(): Promise<StationProfile[]> {
    const now = (this.options.nowMs ?? Date.now)();
    if (this.cached && this.cached.expiresAtMs > now) return this.cached.stations;
    const stations: StationProfile[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :p) AND sk = :profile',
          ExpressionAttributeValues: { ':p': 'station#', ':profile': 'profile' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) stations.push(stationFromConfigItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    this.cached = { stations, expiresAtMs: now + (this.options.cacheTtlMs ?? 30_000) };
    return stations;
  }
}

function stationFromConfigItem(item: Record<string, unknown>): StationProfile {
  const name = optionalString(item.name);
  const road = optionalString(item.road);
  return {
    stationId: String(item.stationId),
    accuracyClass: item.accuracyClass as AccuracyClass,
    ...(name ? { name } : {}),
    ...(road ? { road } : {}),
    ...(typeof item.lat === 'number' ? { lat: item.lat } : {}),
    ...(typeof item.lon === 'number' ? { lon: item.lon } : {}),
    registered: true,
  };
}
