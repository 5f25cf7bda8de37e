/**
 * The read side the supervision routes of the console API need (functions/fleet/api-routes.ts): violations, tracks,
 * the vehicles' states and the registry. DynamoDB adapters in functions/adapters/dynamodb/violation-queries.ts and
 * vehicle-state-queries.ts; in-memory fakes in the unit tests.
 */
import * as z from 'zod';
import type { UtcRange } from '../api/http.ts';
import type { PositionReport, ViolationType } from '../domain/supervision/types.ts';
import type { StoredVehicle } from '../registry/ports.ts';
import type { ConnectionState, VehicleStateItem } from './ports.ts';

/** A store's position to resume a listing after (DynamoDB's LastEvaluatedKey); JSON-safe, carried in cursors. */
export type StoreKey = Readonly<Record<string, string | number>>;

/** The one attribute a violation listing is keyed by (a GSI of the Violations table each). */
export type ViolationFilterField = 'deviceId' | 'operator' | 'category' | 'type';

export interface ViolationFilter {
  readonly field: ViolationFilterField;
  readonly value: string;
}

/**
 * Where a newest-first violation listing stands: after this violation. Store-neutral (the adapter rebuilds its key
 * from it), so that a listing merged from several partitions can resume each one after the last item it showed.
 */
export interface ViolationPosition {
  readonly startUtc: string;
  readonly violationId: string;
}

/** A violation as stored: the episode, the vehicle as the registry described it then, and the alert's bookkeeping. */
export interface StoredViolation {
  readonly violationId: string;
  readonly deviceId: string;
  readonly type: ViolationType;
  readonly startMs: number;
  readonly endMs?: number;
  readonly driverId?: string;
  readonly plate: string;
  readonly plateColor?: string;
  readonly category: string;
  readonly operator: string;
  readonly city: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
  readonly basis: { readonly ruleId: string; readonly source: string };
  /** Absent in listings (the adapter leaves the evidence out); present when the violation is read by id. */
  readonly evidence?: readonly PositionReport[];
  readonly status: string;
  /** ISO 8601 UTC: when the alert went out. */
  readonly publishedAt?: string;
}

export interface ViolationReader {
  /** Violations started in the range, newest first (startUtc, then violationId, descending), without evidence. */
  listViolations(
    filter: ViolationFilter,
    range: UtcRange,
    options: { readonly limit: number; readonly after?: ViolationPosition },
  ): Promise<{ readonly items: StoredViolation[]; readonly more: boolean }>;
  getViolation(violationId: string): Promise<StoredViolation | undefined>;
}

/** One stored report of a vehicle's track. */
export interface TrackPoint {
  readonly seq: number;
  readonly tsMs: number;
  readonly lat: number;
  readonly lon: number;
  readonly speedKmh: number;
  readonly headingDeg?: number;
  readonly odometerKm?: number;
  readonly ignition?: boolean;
  readonly alarmFlags?: number;
  readonly driverId?: string;
  /** Arrived after the watermark had passed it: kept, not judged. */
  readonly late?: boolean;
}

/** A track point's fields besides its time: one list for the stored item's schema and the API's (which differ in time). */
export const trackPointFields = {
  seq: z.number(),
  lat: z.number(),
  lon: z.number(),
  speedKmh: z.number(),
  headingDeg: z.number().optional(),
  odometerKm: z.number().optional(),
  ignition: z.boolean().optional(),
  alarmFlags: z.number().optional(),
  driverId: z.string().optional(),
  late: z.boolean().optional(),
};

export interface TrackReader {
  /** A vehicle's reports in the range, oldest first. */
  trackPoints(
    deviceId: string,
    range: UtcRange,
    options: { readonly limit: number; readonly startKey?: StoreKey },
  ): Promise<{ readonly items: TrackPoint[]; readonly nextKey?: StoreKey }>;
}

/** The part of a vehicle's state the map needs (a projection: the rule engine's state stays in the table). */
export interface LatestVehicleState {
  readonly deviceId: string;
  readonly registered: boolean;
  readonly lastPosition?: VehicleStateItem['lastPosition'] & { readonly headingDeg?: number };
  readonly connection?: ConnectionState;
}

export interface VehicleStateReader {
  /** Every vehicle's latest state, in no particular order, a page at a time. */
  scanLatest(options: { readonly limit: number; readonly startKey?: StoreKey }): Promise<{ readonly items: LatestVehicleState[]; readonly nextKey?: StoreKey }>;
  /** One vehicle's whole state, rule engine included. */
  getState(deviceId: string): Promise<VehicleStateItem | undefined>;
}

export interface RegistryReader {
  get(deviceId: string): Promise<StoredVehicle | undefined>;
  getMany(deviceIds: readonly string[]): Promise<Map<string, StoredVehicle>>;
}
