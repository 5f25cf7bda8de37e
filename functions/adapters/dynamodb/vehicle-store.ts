/**
 * The vehicle registry in DynamoDB (`Vehicles`, infra/topology.ts): one item per device, keyed by `deviceId`, holding
 * the vehicle v1 fields plus `plateKey` (the normalised plate, for the `byPlate` index), `createdAt` and `updatedAt`
 * (ISO 8601 UTC). `byOperator` lists an operator's vehicles by device id. See docs/registry.md.
 *
 * The telemetry path asks for the vehicles of every batch with {@link DynamoDbVehicleStore.getMany}: one BatchGetItem
 * per 100 unknown devices, then served from a per-instance cache for `cacheTtlMs` (30 s by default), unknown devices
 * included. A registry change therefore reaches a running telemetry function within the cache TTL.
 *
 * Cursors are opaque to callers: base64url of `{ v: 1, k: <listing>, key: <LastEvaluatedKey> }`, checked on the way
 * back in so that a forged or foreign cursor is a {@link InvalidCursorError}, not a DynamoDB validation error.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { tables } from '../../../infra/topology.ts';
import { vehicleV1, type VehicleV1 } from '../../contracts/vehicle.v1.ts';
import { plateKey } from '../../domain/overload/plate.ts';
import {
  defaultPageLimit,
  InvalidCursorError,
  maxPageLimit,
  type PageRequest,
  type PutResult,
  type StoredVehicle,
  type VehiclePage,
  type VehicleRegistry,
} from '../../registry/ports.ts';
import { batchWriteAll, chunk, sleep } from './document-client.ts';

type VehiclesIndex = (typeof tables.vehicles.globalIndexes)[number]['indexName'];
const byPlateIndex: VehiclesIndex = 'byPlate';
const byOperatorIndex: VehiclesIndex = 'byOperator';

/** Vehicle fields besides the key, from the contract: what a replace sets or removes. */
const vehicleFields = Object.keys(vehicleV1.shape).filter((name) => name !== 'deviceId') as Array<Exclude<keyof VehicleV1, 'deviceId'>>;

const maxBatchGetKeys = 100;
const maxUnprocessedRounds = 8;
const maxFindByPlate = 100;

interface CacheEntry {
  readonly value: StoredVehicle | undefined;
  readonly expiresAtMs: number;
}

export interface VehicleStoreOptions {
  /** How long `getMany` may serve a vehicle (or its absence) from memory; 0 disables the cache. Default 30 000. */
  readonly cacheTtlMs?: number;
  /** Bound on cached devices; the cache is emptied when it would grow beyond it. Default 100 000. */
  readonly maxCacheEntries?: number;
  readonly nowMs?: () => number;
}

export class DynamoDbVehicleStore implements VehicleRegistry {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: VehicleStoreOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.maxCacheEntries = options.maxCacheEntries ?? 100_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async get(deviceId: string): Promise<StoredVehicle | undefined> {
    const { Item } = await this.ddb.send(new GetCommand({ TableName: this.tableName, Key: { deviceId } }));
    return Item ? vehicleFromItem(Item) : undefined;
  }

  async getMany(deviceIds: readonly string[]): Promise<Map<string, StoredVehicle>> {
    const now = this.nowMs();
    const result = new Map<string, StoredVehicle>();
    const missing: string[] = [];
    for (const id of new Set(deviceIds)) {
      const cached = this.cacheTtlMs > 0 ? this.cache.get(id) : undefined;
      if (cached && cached.expiresAtMs > now) {
        if (cached.value) result.set(id, cached.value);
      } else {
        missing.push(id);
      }
    }
    if (missing.length === 0) return result;
    const found = await this.batchGet(missing);
    if (this.cacheTtlMs > 0 && this.cache.size + missing.length > this.maxCacheEntries) this.cache.clear();
    for (const id of missing) {
      const item = found.get(id);
      const vehicle = item ? vehicleFromItem(item) : undefined;
      if (this.cacheTtlMs > 0) this.cache.set(id, { value: vehicle, expiresAtMs: now + this.cacheTtlMs });
      if (vehicle) result.set(id, vehicle);
    }
    return result;
  }

  /** One UpdateItem: SET the given fields, REMOVE the absent ones, keep `createdAt` (`if_not_exists`). */
  async put(vehicle: VehicleV1): Promise<PutResult> {
    const now = new Date(this.nowMs()).toISOString();
    const item = itemFields(vehicle);
    const names: Record<string, string> = { '#updatedAt': 'updatedAt', '#createdAt': 'createdAt' };
    const values: Record<string, unknown> = { ':now': now };
    const sets = ['#updatedAt = :now', '#createdAt = if_not_exists(#createdAt, :now)'];
    const removes: string[] = [];
    for (const [name, value] of Object.entries(item)) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    for (const name of [...vehicleFields, 'plateKey']) {
      if (!(name in item)) {
        names[`#${name}`] = name;
        removes.push(`#${name}`);
      }
    }
    const { Attributes } = await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { deviceId: vehicle.deviceId },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        // The old item tells created from replaced; the new one is known without reading it back.
        ReturnValues: 'ALL_OLD',
      }),
    );
    this.cache.delete(vehicle.deviceId);
    const createdAt = typeof Attributes?.createdAt === 'string' ? Attributes.createdAt : now;
    return { vehicle: vehicleFromItem({ deviceId: vehicle.deviceId, ...item, createdAt, updatedAt: now }), created: Attributes === undefined };
  }

  /**
   * BatchWriteItem cannot keep `createdAt` with `if_not_exists`, so the existing items' `createdAt` are read first
   * (BatchGetItem) and written back. A vehicle created by someone else between the read and the write gets the
   * import's time as `createdAt`: a few milliseconds off, acceptable for an administrative import.
   */
  async putMany(vehicles: readonly VehicleV1[]): Promise<void> {
    const ids = new Set<string>();
    for (const vehicle of vehicles) {
      if (ids.has(vehicle.deviceId)) throw new Error(`putMany: deviceId ${vehicle.deviceId} given twice`);
      ids.add(vehicle.deviceId);
    }
    if (vehicles.length === 0) return;
    const existing = await this.batchGet([...ids], { projection: ['deviceId', 'createdAt'] });
    const now = new Date(this.nowMs()).toISOString();
    const items = vehicles.map((vehicle) => {
      const createdAt = existing.get(vehicle.deviceId)?.createdAt;
      return { deviceId: vehicle.deviceId, ...itemFields(vehicle), createdAt: typeof createdAt === 'string' ? createdAt : now, updatedAt: now };
    });
    await batchWriteAll(this.ddb, this.tableName, items);
    for (const id of ids) this.cache.delete(id);
  }

  async list(page: PageRequest = {}): Promise<VehiclePage> {
    const startKey = decodeCursor(page.cursor, 'scan');
    const result = await this.ddb.send(
      new ScanCommand({ TableName: this.tableName, Limit: pageLimit(page.limit), ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    return toPage(result.Items, result.LastEvaluatedKey, 'scan');
  }

  async listByOperator(operator: string, page: PageRequest = {}): Promise<VehiclePage> {
    const startKey = decodeCursor(page.cursor, 'operator');
    if (startKey && startKey.operator !== operator) throw new InvalidCursorError('the cursor belongs to another operator');
    const result = await this.ddb.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byOperatorIndex,
        KeyConditionExpression: '#operator = :operator',
        ExpressionAttributeNames: { '#operator': 'operator' },
        ExpressionAttributeValues: { ':operator': operator },
        Limit: pageLimit(page.limit),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return toPage(result.Items, result.LastEvaluatedKey, 'operator');
  }

  async findByPlate(plate: string): Promise<StoredVehicle[]> {
    const key = plateKey(plate);
    if (key === '') return [];
    const vehicles: StoredVehicle[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: byPlateIndex,
          KeyConditionExpression: 'plateKey = :plateKey',
          ExpressionAttributeValues: { ':plateKey': key },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) vehicles.push(vehicleFromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && vehicles.length < maxFindByPlate);
    return vehicles.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  }

  private async batchGet(ids: readonly string[], options: { projection?: readonly string[] } = {}): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const projection = options.projection
      ? {
          ProjectionExpression: options.projection.map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(options.projection.map((name, i) => [`#p${i}`, name])),
        }
      : {};
    for (const idChunk of chunk(ids, maxBatchGetKeys)) {
      let keys: Array<Record<string, unknown>> = idChunk.map((deviceId) => ({ deviceId }));
      for (let round = 0; keys.length > 0; round++) {
        if (round >= maxUnprocessedRounds) throw new Error(`${keys.length} vehicle keys stayed unprocessed after ${maxUnprocessedRounds} BatchGetItem rounds`);
        if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
        const page = await this.ddb.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ...projection } } }));
        for (const item of page.Responses?.[this.tableName] ?? []) found.set(String(item.deviceId), item);
        keys = page.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }
}

/** The item's attributes besides the key: the vehicle's fields that are set, and the plate key. */
function itemFields(vehicle: VehicleV1): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of vehicleFields) {
    const value = vehicle[name];
    if (value !== undefined) fields[name] = value;
  }
  // A GSI key may not be an empty string: a plate of separators only (`··`) stays out of the byPlate index.
  const key = plateKey(vehicle.plate);
  if (key !== '') fields.plateKey = key;
  return fields;
}

/** A stored item back to a vehicle; an item that is not a valid vehicle v1 is an error, not silently skipped. */
export function vehicleFromItem(item: Record<string, unknown>): StoredVehicle {
  const parsed = vehicleV1.safeParse(item);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ');
    throw new Error(`registry item ${String(item.deviceId)} is not a valid vehicle v1: ${issues}`);
  }
  const createdAt = typeof item.createdAt === 'string' ? item.createdAt : '';
  const updatedAt = typeof item.updatedAt === 'string' ? item.updatedAt : createdAt;
  return { ...parsed.data, createdAt, updatedAt };
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultPageLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageLimit) throw new RangeError(`limit must be an integer from 1 to ${maxPageLimit}`);
  return limit;
}

type Listing = 'scan' | 'operator';

const cursorPayload = z.object({
  v: z.literal(1),
  k: z.enum(['scan', 'operator']),
  key: z.record(z.string(), z.string().min(1).max(1024)),
});

const cursorKeyNames: Record<Listing, readonly string[]> = { scan: ['deviceId'], operator: ['deviceId', 'operator'] };

function toPage(items: Array<Record<string, unknown>> | undefined, lastKey: Record<string, unknown> | undefined, listing: Listing): VehiclePage {
  const vehicles = (items ?? []).map(vehicleFromItem);
  return lastKey ? { vehicles, cursor: Buffer.from(JSON.stringify({ v: 1, k: listing, key: lastKey }), 'utf8').toString('base64url') } : { vehicles };
}

function decodeCursor(cursor: string | undefined, listing: Listing): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  if (cursor.length === 0 || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError('the cursor is not one this API issued');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not one this API issued');
  }
  const parsed = cursorPayload.safeParse(json);
  if (!parsed.success) throw new InvalidCursorError('the cursor is not one this API issued');
  const expected = cursorKeyNames[listing];
  const names = Object.keys(parsed.data.key).sort();
  if (parsed.data.k !== listing || names.length !== expected.length || !expected.every((name) => names.includes(name))) {
    throw new InvalidCursorError('the cursor belongs to another listing');
  }
  return parsed.data.key;
}
