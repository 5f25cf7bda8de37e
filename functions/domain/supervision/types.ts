/**
 * Types of the dynamic-supervision rules (两客一危一货). Pure domain: no I/O, no AWS, no environment.
 *
 * Processing model (event time): each vehicle's reports are applied in timestamp order up to a watermark, the newest
 * timestamp seen minus an allowed lateness. Reports above the watermark wait in `pending`; a violation is emitted once
 * the reports that decide it are all at or below the watermark, so the same reports give the same violations however
 * they are split into batches, repeated or reordered (within the allowed lateness).
 */
import type { VehicleCategory } from '../../contracts/vehicle.v1.ts';

export type { VehicleCategory };

/** A report as the rules see it (from the telemetry contract, time parsed). */
export interface PositionReport {
  readonly deviceId: string;
  readonly seq: number;
  readonly tsMs: number;
  readonly lat: number;
  readonly lon: number;
  readonly speedKmh: number;
  readonly headingDeg: number;
  readonly odometerKm?: number;
  readonly ignition?: boolean;
  readonly alarmFlags?: number;
  readonly driverId?: string;
  /** Cumulative energy drawn, kWh (new-energy vehicles): the green metrics use it. */
  readonly energyKWh?: number;
  /** Cumulative fuel used, litres. */
  readonly fuelL?: number;
  readonly socPct?: number;
  /** Taxis: carrying passengers. */
  readonly occupied?: boolean;
}

/** What the rules need to know about the vehicle (from the registry). */
export interface SupervisedVehicle {
  readonly deviceId: string;
  readonly category: VehicleCategory;
  readonly nightRestricted?: boolean;
  readonly hazmatClass?: string;
  /** Out of service (停运) when false: silent-terminal checks are suspended. Absent = in service. */
  readonly inService?: boolean;
}

export type ViolationType =
  | 'speeding'
  | 'fatigue-continuous'
  | 'fatigue-night-continuous'
  | 'fatigue-daily'
  | 'night-coach'
  | 'hazmat-zone'
  | 'silent-terminal';

export type SpeedingBand = '<10' | '10-20' | '20-50' | '>=50';

export interface Violation {
  /** Deterministic: the same episode always gets the same id (device, type, episode start, driver). */
  readonly violationId: string;
  readonly deviceId: string;
  readonly type: ViolationType;
  readonly startMs: number;
  /** Absent while the episode is still going on when the violation is confirmed (fatigue, silent terminal). */
  readonly endMs?: number;
  readonly driverId?: string;
  /** Rule-specific figures, with units in the names: peakSpeedKmh, limitKmh, band, continuousDrivingS, zoneId… */
  readonly details: Readonly<Record<string, string | number | boolean>>;
  /** Where the limit or threshold comes from (rule id and legal source). */
  readonly basis: { readonly ruleId: string; readonly source: string };
  /** The reports that prove it (bounded; first, peak and last at least). */
  readonly evidence: readonly PositionReport[];
}

/** A terminal's own alarm bit going from clear to set, compared with the server's verdict where one exists. */
export interface TerminalAlarmEvent {
  readonly eventId: string;
  readonly deviceId: string;
  readonly tsMs: number;
  readonly bit: number;
  readonly name: string;
  /** For overspeed/fatigue bits: whether the server's own rule saw the same condition at that time. */
  readonly serverAgrees?: boolean;
}
