/**
 * Station profiles and 大件运输 permits, in one table: `station#<id>` / `profile` and `permit#<plate>` / `<permitId>`.
 * Lookups are cached briefly per execution environment: a new permit or profile takes effect within the cache TTL.
 */
import { BatchGetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccuracyClass, OverloadPermit, StationProfile } from '../../domain/overload/types.ts';
import { plateKey } from '../../domain/overload/plate.ts';
import type { WimConfigSource } from '../../wim/ports.ts';
import { chunk } from './document-client.ts';

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
  private readonly permits = new Map<string, CacheEntry<OverloadPermit[]>>();
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
    const result = new Map<string, OverloadPermit[]>();
    await Promise.all(
      plates.map(async (plate) => {
        const cached = this.permits.get(plate);
        let permits: OverloadPermit[];
        if (cached && cached.expiresAtMs > now) {
          permits = cached.value;
        } else {
          const page = await this.ddb.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `permit#${plate}` },
            }),
          );
          permits = (page.Items ?? []).map(permitFromItem);
          this.permits.set(plate, { value: permits, expiresAtMs: now + this.cacheTtlMs });
        }
        if (permits.length > 0) result.set(plate, permits);
      }),
    );
    return result;
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
        Item: { pk: `permit#${plate}`, sk: permit.permitId, ...permit, stationIds: permit.stationIds ? [...permit.stationIds] : undefined },
      }),
    );
    this.permits.delete(plate);
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
