/**
 * The vehicle registry as the rest of the system sees it: one port, two implementations (DynamoDB in
 * `functions/adapters/dynamodb/vehicle-store.ts`, in memory in the tests). Documented in docs/registry.md.
 */
import type { VehicleV1 } from '../contracts/vehicle.v1.ts';

/** A registry entry: the vehicle (v1) and when the registry first and last stored it (ISO 8601 UTC). */
export type StoredVehicle = VehicleV1 & { readonly createdAt: string; readonly updatedAt: string };

export interface PageRequest {
  /** Page size, 1–1000; the store's default when absent. */
  readonly limit?: number;
  /** The `cursor` of the previous page, as given; opaque. */
  readonly cursor?: string;
}

export interface VehiclePage {
  readonly vehicles: StoredVehicle[];
  /** Present when there may be more: pass it back for the next page (which may then turn out empty). */
  readonly cursor?: string;
}

export interface PutResult {
  readonly vehicle: StoredVehicle;
  /** True when there was no vehicle with this device id before. */
  readonly created: boolean;
}

export interface VehicleRegistry {
  get(deviceId: string): Promise<StoredVehicle | undefined>;
  /** The known vehicles among `deviceIds` (unknown ids are absent from the map). May be served from a short cache. */
  getMany(deviceIds: readonly string[]): Promise<Map<string, StoredVehicle>>;
  /** Creates or replaces the vehicle (fields absent from `vehicle` are removed); `createdAt` survives a replace. */
  put(vehicle: VehicleV1): Promise<PutResult>;
  /** `put` for many at once (an import). Device ids must be distinct. */
  putMany(vehicles: readonly VehicleV1[]): Promise<void>;
  /** Every vehicle, in no particular order. */
  list(page?: PageRequest): Promise<VehiclePage>;
  /** One operator's vehicles, by device id. */
  listByOperator(operator: string, page?: PageRequest): Promise<VehiclePage>;
  /** Vehicles whose plate normalises to the same key as `plate` (any plate colour), by device id. */
  findByPlate(plate: string): Promise<StoredVehicle[]>;
}

/** A cursor that this store did not issue, or issued for another listing. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export const defaultPageLimit = 50;
export const maxPageLimit = 1000;
