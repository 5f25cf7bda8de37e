/**
 * Read side of the supervision tables: violations by vehicle, operator, category or type over a time range, and a
 * vehicle's track. The access patterns are documented in docs/storage.md. The raw `violations`/`track` serve tools
 * and tests; `listViolations`, `getViolation` and `trackPoints` are the console API's ports (functions/fleet/api-ports.ts):
 * stored items parsed into plain objects, listings resumable after any item.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { UtcRange } from '../../api/http.ts';
import { violationTypes } from '../../contracts/supervision-alert.v1.ts';
import type { PositionReport } from '../../domain/supervision/types.ts';
import {
  type StoredViolation,
  type StoreKey,
  type TrackPoint,
  type TrackReader,
  trackPointFields,
  type ViolationFilter,
  type ViolationFilterField,
  type ViolationPosition,
  type ViolationReader,
} from '../../fleet/api-ports.ts';
import type { Page } from './wim-queries.ts';

export type ViolationIndex = 'byVehicle' | 'byOperator' | 'byCategory' | 'byType';

const indexKey: Record<ViolationIndex, string> = {
  byVehicle: 'deviceId',
  byOperator: 'operator',
  byCategory: 'category',
  byType: 'type',
};

export interface TimeRange {
  /** ISO 8601 UTC, inclusive. */
  readonly fromUtc: string;
  /** ISO 8601 UTC, inclusive. */
  readonly toUtc: string;
}

export class ViolationQueries implements ViolationReader, TrackReader {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tables: { readonly violations: string; readonly positions: string },
  ) {}

  /** Violations whose episode started in the range, newest first. */
  async violations(
    index: ViolationIndex,
    value: string,
    range: TimeRange,
    options: { limit?: number; startKey?: Record<string, unknown> } = {},
  ): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.violations,
        IndexName: index,
        KeyConditionExpression: '#k = :v AND startUtc BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#k': indexKey[index] },
        ExpressionAttributeValues: { ':v': value, ':from': range.fromUtc, ':to': range.toUtc },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  /** A vehicle's positions in the range, oldest first. */
  async track(deviceId: string, range: TimeRange, options: { limit?: number; startKey?: Record<string, unknown> } = {}): Promise<Page<Record<string, unknown>>> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.positions,
        KeyConditionExpression: 'deviceId = :d AND tsSeq BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':d': deviceId, ':from': range.fromUtc, ':to': `${range.toUtc}\uffff` },
        Limit: options.limit ?? 1000,
        ExclusiveStartKey: options.startKey,
      }),
    );
    return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey } : {}) };
  }

  async listViolations(
    filter: ViolationFilter,
    range: UtcRange,
    options: { readonly limit: number; readonly after?: ViolationPosition },
  ): Promise<{ items: StoredViolation[]; more: boolean }> {
    const index = indexOfField[filter.field];
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.tables.violations,
        IndexName: index,
        KeyConditionExpression: '#k = :v AND startUtc BETWEEN :from AND :to',
        // The evidence is the bulk of an item and a listing does not show it.
        ProjectionExpression: listedAttributes.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: { '#k': indexKey[index], ...Object.fromEntries(listedAttributes.map((name, i) => [`#a${i}`, name])) },
        ExpressionAttributeValues: { ':v': filter.value, ':from': range.fromUtc, ':to': range.toUtc },
        ScanIndexForward: false,
        Limit: options.limit,
        // A GSI's LastEvaluatedKey is the table key plus the index key: rebuilt here from the position, so that a
        // merged listing can resume a partition after any item it showed, not only after the last one it read.
        ExclusiveStartKey: options.after
          ? { violationId: options.after.violationId, startUtc: options.after.startUtc, [indexKey[index]]: filter.value }
          : undefined,
      }),
    );
    return { items: (page.Items ?? []).map(violationFromItem), more: page.LastEvaluatedKey !== undefined };
  }

  async getViolation(violationId: string): Promise<StoredViolation | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.tables.violations, Key: { violationId } }));
    return Item ? violationFromItem(Item) : undefined;
  }

  async trackPoints(
    deviceId: string,
    range: UtcRange,
    options: { readonly limit: number; readonly startKey?: StoreKey },
  ): Promise<{ items: TrackPoint[]; nextKey?: StoreKey }> {
    const page = await this.track(deviceId, range, { limit: options.limit, ...(options.startKey ? { startKey: { ...options.startKey } } : {}) });
    return {
      items: page.items.map((item) => trackPointItem.parse(item)),
      ...(page.nextKey ? { nextKey: storeKey(page.nextKey) } : {}),
    };
  }
}

const indexOfField: Record<ViolationFilterField, ViolationIndex> = {
  deviceId: 'byVehicle',
  operator: 'byOperator',
  category: 'byCategory',
  type: 'byType',
};

const listedAttributes = [
  'violationId',
  'deviceId',
  'type',
  'startUtc',
  'startMs',
  'endMs',
  'driverId',
  'operator',
  'category',
  'city',
  'plate',
  'plateColor',
  'detailsJson',
  'basisJson',
  'status',
  'publishedAt',
] as const;

const jsonText = <S extends z.ZodType>(schema: S) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const positionReportSchema = z.object({
  deviceId: z.string(),
  seq: z.number(),
  tsMs: z.number(),
  lat: z.number(),
  lon: z.number(),
  speedKmh: z.number(),
  headingDeg: z.number(),
  odometerKm: z.number().optional(),
  ignition: z.boolean().optional(),
  alarmFlags: z.number().optional(),
  driverId: z.string().optional(),
});

/** A Violations item as DynamoDbViolationStore writes it (functions/adapters/dynamodb/fleet-stores.ts). */
const violationItem = z.object({
  violationId: z.string(),
  deviceId: z.string(),
  type: z.enum(violationTypes),
  startMs: z.number(),
  endMs: z.number().optional(),
  driverId: z.string().optional(),
  plate: z.string(),
  plateColor: z.string().optional(),
  category: z.string(),
  operator: z.string(),
  city: z.string(),
  detailsJson: jsonText(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  basisJson: jsonText(z.object({ ruleId: z.string(), source: z.string() })),
  evidenceJson: jsonText(z.array(positionReportSchema)).optional(),
  status: z.string().default('open'),
  publishedAt: z.string().optional(),
});

function violationFromItem(item: Record<string, unknown>): StoredViolation {
  const parsed = violationItem.safeParse(item);
  if (!parsed.success) throw new Error(`violation ${String(item.violationId)} is not a stored violation: ${parsed.error.message}`);
  const { detailsJson, basisJson, evidenceJson, ...rest } = parsed.data;
  return {
    ...rest,
    details: detailsJson,
    basis: basisJson,
    ...(evidenceJson === undefined ? {} : { evidence: evidenceJson as PositionReport[] }),
  };
}

/** A Positions item as DynamoDbPositionStore writes it. */
const trackPointItem = z
  .object({ ...trackPointFields, tsMs: z.number() })
  .transform((point): TrackPoint => Object.fromEntries(Object.entries(point).filter(([, value]) => value !== undefined)) as unknown as TrackPoint);

function storeKey(key: Record<string, unknown>): StoreKey {
  return Object.fromEntries(Object.entries(key).map(([name, value]) => [name, typeof value === 'number' ? value : String(value)]));
}
