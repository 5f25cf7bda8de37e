/**
 * The edges of the green-metrics snapshot and API: the registry, the vehicles' states (which carry each vehicle's
 * green accumulators), the metrics history, and a retained publisher.
 */
import type { VehicleV1 } from '../contracts/vehicle.v1.ts';
import type { VehicleStateItem } from '../fleet/ports.ts';

export type PeriodKind = 'hour' | 'day' | 'month';

export interface GreenHistoryItem {
  /** `province` or `city#<GB/T 2260 code>`. */
  readonly scope: string;
  readonly periodKind: PeriodKind;
  /** `YYYY-MM-DDTHH`, `YYYY-MM-DD` or `YYYY-MM` (Asia/Shanghai). */
  readonly periodKey: string;
  readonly computedAtMs: number;
  /** The scope's metrics by fleet, as published. */
  readonly metrics: unknown;
}

export interface GreenHistoryStore {
  putMany(items: readonly GreenHistoryItem[]): Promise<void>;
  /** Items of a scope and period kind with periodKey in [fromKey, toKey], newest first. */
  query(scope: string, periodKind: PeriodKind, fromKey: string, toKey: string, limit: number): Promise<GreenHistoryItem[]>;
}

export interface SnapshotPorts {
  listVehicles(): Promise<VehicleV1[]>;
  scanStates(): AsyncIterable<VehicleStateItem>;
  readonly history: GreenHistoryStore;
  publishRetained(topic: string, message: unknown): Promise<void>;
  readonly nowMs: () => number;
}
