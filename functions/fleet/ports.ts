/**
 * The edges of the fleet use cases (telemetry ingest, the scheduled sweep). DynamoDB and IoT adapters implement them;
 * unit tests use in-memory fakes.
 */
import type { VehicleV1 } from '../contracts/vehicle.v1.ts';
import type { GreenVehicleState } from '../domain/green/accumulator.ts';
import type { VehicleRuleState } from '../domain/supervision/engine.ts';
import type { PositionReport, Violation } from '../domain/supervision/types.ts';
import type { DeadLetter } from '../shared/dead-letter.ts';
import type { LoggerPort } from '../wim/ports.ts';

export type { LoggerPort };

/** Connection state from lifecycle events, ordered by AWS IoT's per-client `versionNumber` and timestamp. */
export interface ConnectionState {
  readonly connected: boolean;
  readonly atMs: number;
  readonly versionNumber: number;
  readonly disconnectReason?: string;
  /** Set by the sweep once a disconnect has been re-checked and still holds. */
  readonly offlineConfirmedAtMs?: number;
}

/** Everything kept per vehicle between batches: one item, read once and written once per batch. */
export interface VehicleStateItem {
  readonly deviceId: string;
  readonly engine?: VehicleRuleState;
  readonly lastReportMs?: number;
  readonly lastPosition?: { readonly lat: number; readonly lon: number; readonly speedKmh: number; readonly headingDeg?: number; readonly tsMs: number };
  readonly connection?: ConnectionState;
  /** The vehicle's green-metrics accumulators (km, energy, fuel per hour and day), updated with the same write. */
  readonly green?: GreenVehicleState;
  readonly registered: boolean;
  readonly updatedAtMs: number;
}

export interface StoredPosition {
  readonly report: PositionReport;
  readonly registered: boolean;
  readonly late: boolean;
  readonly receivedAtMs: number;
}

export type VehicleEventKind = 'terminal-alarm' | 'connected' | 'disconnected' | 'offline-confirmed' | 'late-report' | 'unregistered-device';

export interface VehicleEvent {
  readonly deviceId: string;
  readonly tsMs: number;
  readonly kind: VehicleEventKind;
  /** Unique within (device, time, kind): the event's deterministic id. */
  readonly eventId: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface ViolationRecord {
  readonly violation: Violation;
  readonly vehicle: VehicleV1;
  readonly publishedAt: string;
}

export interface VehicleDirectory {
  /** Registered vehicles among these device ids. */
  getMany(deviceIds: readonly string[]): Promise<Map<string, VehicleV1>>;
}

export interface VehicleStateStore {
  getMany(deviceIds: readonly string[]): Promise<Map<string, VehicleStateItem>>;
  putMany(states: readonly VehicleStateItem[]): Promise<void>;
  /**
   * Writes each state only if the stored one is still the one read (same `updatedAtMs`): the sweep runs beside the
   * ingest function and must never overwrite a newer state. Returns how many were written.
   */
  putManyIfUnchanged(changes: ReadonlyArray<{ state: VehicleStateItem; readUpdatedAtMs: number }>): Promise<number>;
  /** Every state (the sweep); paged internally. */
  scanAll(): AsyncIterable<VehicleStateItem>;
}

export interface PositionStore {
  putMany(positions: readonly StoredPosition[], retentionDays: number): Promise<void>;
}

export interface VehicleEventStore {
  putMany(events: readonly VehicleEvent[], retentionDays: number): Promise<void>;
}

export interface ViolationStore {
  /** Which of these violation ids are already stored (and so were already alerted). */
  knownAmong(violationIds: readonly string[]): Promise<ReadonlySet<string>>;
  putMany(records: readonly ViolationRecord[]): Promise<void>;
}

export interface JsonPublisher {
  publishJson(topic: string, message: unknown): Promise<void>;
}

export interface FleetPorts {
  readonly vehicles: VehicleDirectory;
  readonly states: VehicleStateStore;
  readonly positions: PositionStore;
  readonly events: VehicleEventStore;
  readonly violations: ViolationStore;
  readonly publisher: JsonPublisher;
  readonly deadLetters: { put(deadLetter: DeadLetter, retentionDays: number): Promise<void> };
  readonly logger: LoggerPort;
  readonly nowMs: () => number;
}
