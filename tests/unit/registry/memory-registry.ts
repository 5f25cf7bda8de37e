/**
 * In-memory vehicle registry for unit tests, with the DynamoDB store's semantics: replace by device id keeping
 * `createdAt`, plate lookup by normalised key, paging with opaque cursors that are checked.
 */
import type { VehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { plateKey } from '../../../functions/domain/overload/plate.ts';
import {
  defaultPageLimit,
  InvalidCursorError,
  type PageRequest,
  type PutResult,
  type StoredVehicle,
  type VehiclePage,
  type VehicleRegistry,
} from '../../../functions/registry/ports.ts';

export class MemoryVehicleRegistry implements VehicleRegistry {
  readonly items = new Map<string, StoredVehicle>();
  private clockMs = Date.parse('2026-12-01T00:00:00Z');
  failNext = false;

  private now(): string {
    this.clockMs += 1000;
    return new Date(this.clockMs).toISOString();
  }

  private check(): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('simulated store failure');
    }
  }

  async get(deviceId: string) {
    this.check();
    return this.items.get(deviceId);
  }

  async getMany(deviceIds: readonly string[]) {
    this.check();
    return new Map(deviceIds.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id) as StoredVehicle] as const] : [])));
  }

  async put(vehicle: VehicleV1): Promise<PutResult> {
    this.check();
    const now = this.now();
    const old = this.items.get(vehicle.deviceId);
    const stored = { ...vehicle, createdAt: old?.createdAt ?? now, updatedAt: now };
    this.items.set(vehicle.deviceId, stored);
    return { vehicle: stored, created: old === undefined };
  }

  async putMany(vehicles: readonly VehicleV1[]) {
    this.check();
    for (const vehicle of vehicles) await this.put(vehicle);
  }

  private page(all: StoredVehicle[], kind: string, page: PageRequest): VehiclePage {
    const sorted = all.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    let start = 0;
    if (page.cursor !== undefined) {
      const [k, offset] = Buffer.from(page.cursor, 'base64url').toString('utf8').split('|');
      if (k !== kind || !/^\d+$/.test(offset ?? '')) throw new InvalidCursorError('bad cursor');
      start = Number(offset);
    }
    const limit = page.limit ?? defaultPageLimit;
    const vehicles = sorted.slice(start, start + limit);
    const next = start + limit;
    return next < sorted.length ? { vehicles, cursor: Buffer.from(`${kind}|${next}`).toString('base64url') } : { vehicles };
  }

  async list(page: PageRequest = {}) {
    this.check();
    return this.page([...this.items.values()], 'all', page);
  }

  async listByOperator(operator: string, page: PageRequest = {}) {
    this.check();
    return this.page([...this.items.values()].filter((v) => v.operator === operator), `op:${operator}`, page);
  }

  async findByPlate(plate: string) {
    this.check();
    const key = plateKey(plate);
    return [...this.items.values()].filter((v) => plateKey(v.plate) === key).sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }
}
