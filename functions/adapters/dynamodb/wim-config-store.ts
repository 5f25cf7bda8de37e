/**
 * Station profiles and 大件运输 permits, in one table: `station#<id>` / `profile`, and all permits in one partition
 * `permits` / `<plate>#<permitId>`. Permits are few (hundreds to a few thousand in force) and looked up for every
 * over-limit truck, so the whole set is loaded at once and kept for the cache TTL instead of one query per plate.
 * A new permit or profile therefore takes effect within the cache TTL (30 s by default).
 */
import { BatchGetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccuracyClass, OverloadPermit, StationProfile } from '../../domain/overload/types.ts';
import { plateKey } from '../../domain/overload/plate.ts';
import type { WimConfigSource } from '../../wim/ports.ts';
import { chunk } from './document-client.ts';

const permitsPartition = 'permits';

interface CacheEntry<T> {
  readonly value: T;
  readonly expiresAtMs: number;
}

export interface WimConfigStoreOptions {
  readonly cacheTtlMs?: number;
  readonly nowMs?: () => number;
}

export class DynamoDbWimConfigStore implements WimConfigSource {
  private readonly stations = new Map<string, CacheEntry<StationProfile | undefined>>();
  private permits: CacheEntry<Map<string, OverloadPermit[]>> | undefined;
  private readonly cacheTtlMs: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: WimConfigStoreOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  async stationProfiles(stationIds: readonly string[]): Promise<Map<string, StationProfile>> {
    const now = this.nowMs();
    const result = new Map<string, StationProfile>();
    const missing: string[] = [];
    for (const id of stationIds) {
      const cached = this.stations.get(id);
      if (cached && cached.expiresAtMs > now) {
        if (cached.value) result.set(id, cached.value);
      } else {
        missing.push(id);
      }
    }
    for (const ids of chunk(missing, 100)) {
      let keys: Array<Record<string, string>> = ids.map((id) => ({ pk: `station#${id}`, sk: 'profile' }));
      const found = new Map<string, StationProfile>();
      for (let round = 0; keys.length > 0 && round < 5; round++) {
        const page = await this.ddb.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of page.Responses?.[this.tableName] ?? []) {
          const profile = stationFromItem(item);
          found.set(profile.stationId, profile);
        }
        keys = (page.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, string>> | undefined) ?? [];
      }
      if (keys.length > 0) throw new Error(`station profiles stayed unprocessed: ${keys.length}`);
      for (const id of ids) {
        const profile = found.get(id);
        this.stations.set(id, { value: profile, expiresAtMs: now + this.cacheTtlMs });
        if (profile) result.set(id, profile);
      }
    }
    return result;
  }

  async permitsForPlates(plates: readonly string[]): Promise<Map<string, OverloadPermit[]>> {
    const now = this.nowMs();
    if (!this.permits || this.permits.expiresAtMs <= now) {
      this.permits = { value: await this.loadPermits(), expiresAtMs: now + this.cacheTtlMs };
    }
    const all = this.permits.value;
    const result = new Map<string, OverloadPermit[]>();
    for (const plate of plates) {
      const permits = all.get(plate);
      if (permits) result.set(plate, permits);
    }
    return result;
  }

  private async loadPermits(): Promise<Map<string, OverloadPermit[]>> {
    const byPlate = new Map<string, OverloadPermit[]>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': permitsPartition },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const permit = permitFromItem(item);
        const plate = plateKey(permit.plate);
        byPlate.set(plate, [...(byPlate.get(plate) ?? []), permit]);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return byPlate;
  }

  async putStation(profile: Omit<StationProfile, 'registered'>): Promise<void> {
    await this.ddb.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `station#${profile.stationId}`, sk: 'profile', ...profile } }),
    );
    this.stations.delete(profile.stationId);
  }

  async putPermit(permit: OverloadPermit): Promise<void> {
    const plate = plateKey(permit.plate);
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: permitsPartition, sk: `${plate}#${permit.permitId}`, ...permit, stationIds: permit.stationIds ? [...permit.stationIds] : undefined },
      }),
    );
    this.permits = undefined;
  }
}

function stationFromItem(item: Record<string, unknown>): StationProfile {
  return {
    stationId: String(item.stationId),
    accuracyClass: item.accuracyClass as AccuracyClass,
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
    ...(typeof item.road === 'string' ? { road: item.road } : {}),
    ...(typeof item.lat === 'number' ? { lat: item.lat } : {}),
    ...(typeof item.lon === 'number' ? { lon: item.lon } : {}),
    registered: true,
  };
}

function permitFromItem(item: Record<string, unknown>): OverloadPermit {
  return {
    permitId: String(item.permitId),
    plate: String(item.plate),
    ...(typeof item.plateColor === 'string' ? { plateColor: item.plateColor as OverloadPermit['plateColor'] } : {}),
    validFrom: String(item.validFrom),
    validTo: String(item.validTo),
    allowedGrossKg: Number(item.allowedGrossKg),
    ...(Array.isArray(item.stationIds) ? { stationIds: item.stationIds.map(String) } : {}),
  };
}
