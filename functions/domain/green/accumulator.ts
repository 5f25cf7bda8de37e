/**
 * Per-vehicle green-transport totals, accumulated from the position reports the supervision engine has applied.
 *
 * Contract of `accumulateGreen`:
 * - The caller passes reports ALREADY applied in event-time order (deduplicated, tsMs non-decreasing). Defensively, a
 *   report of another device, one older than the last accounted report, or a repeat of it (same tsMs and seq) is
 *   skipped; no other reordering is attempted.
 * - Each interval between two consecutive reports is attributed whole to the hour / day / month (Asia/Shanghai) of the
 *   LATER report. It is not split across a boundary: the hours of a day then always sum to the day and the days of a
 *   month to the month, and results do not depend on how the reports are batched.
 * - Every report counts once in `reports` of its own period; a vehicle with reports ≥ 1 in a period is "active".
 * - Distance: odometer delta when both reports carry one, it is ≥ 0 and implies ≤ maxOdometerSpeedKmh (+ slack);
 *   otherwise the haversine distance between the positions (counted in estimatedKm), or 0 km when even that implies
 *   more than maxPositionSpeedKmh (a GPS spike).
 * - Energy (new-energy types only): cumulative-counter delta when plausible, otherwise electric km × the category's
 *   kWh/100 km (counted in estimatedKWh). Fuel (types with a liquid fuel, see GreenRules.fuelOf) likewise with the
 *   baseline L/100 km (hybrids × hybridFuelRatio; PHEVs for their non-electric km).
 * - Electric km: every km of BEV/FCEV; a PHEV's interval km when its energy counter rose in the interval, or
 *   km × phevElectricKmShare when the interval has no usable energy counter.
 * - Totals are rounded to 0.001 (metre, Wh, mL) after every addition, which keeps the JSON small; the same sequence of
 *   additions happens whatever the batching, so batching never changes the result.
 * - Retention: hours of the local day of the newest report and the day before; days and months of its month and the
 *   month before. Older keys are pruned (they can never be written again since reports only move forward).
 *   State JSON stays below ~7 KB: ≤ 48 hours + ≤ 62 days + 2 months of 8-number tuples.
 */
import type { EnergyType, VehicleCategory } from '../../contracts/vehicle.v1.ts';
import { shanghaiDate, shanghaiHour } from '../../shared/local-time.ts';
import type { PositionReport } from '../supervision/types.ts';
import type { FuelKind, GreenRules } from './rules-config.ts';
import { defaultGreenRules } from './rules-config.ts';

/**
 * Totals of one period, as a compact labelled tuple (JSON `[km, …]`; the state stays small). Read the fields with the
 * T_* indices or `totalsObject`.
 */
export type Totals = readonly [
  vehicleKm: number,
  electricKm: number,
  energyKWh: number,
  fuelL: number,
  reports: number,
  /** Km from positions because no plausible odometer delta was available. */
  estimatedKm: number,
  /** kWh from consumption because no plausible energy-counter delta was available. */
  estimatedKWh: number,
  /** Litres from consumption because no plausible fuel-counter delta was available. */
  estimatedFuelL: number,
];

export const T_VEHICLE_KM = 0;
export const T_ELECTRIC_KM = 1;
export const T_ENERGY_KWH = 2;
export const T_FUEL_L = 3;
export const T_REPORTS = 4;
export const T_ESTIMATED_KM = 5;
export const T_ESTIMATED_KWH = 6;
export const T_ESTIMATED_FUEL_L = 7;

export interface TotalsObject {
  readonly vehicleKm: number;
  readonly electricKm: number;
  readonly energyKWh: number;
  readonly fuelL: number;
  readonly reports: number;
  readonly estimatedKm: number;
  readonly estimatedKWh: number;
  readonly estimatedFuelL: number;
}

export const zeroTotals: Totals = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0] as const);

export function totalsObject(t: Totals | undefined): TotalsObject {
  const v = t ?? zeroTotals;
  return {
    vehicleKm: v[0],
    electricKm: v[1],
    energyKWh: v[2],
    fuelL: v[3],
    reports: v[4],
    estimatedKm: v[5],
    estimatedKWh: v[6],
    estimatedFuelL: v[7],
  };
}

export interface LastReport {
  readonly tsMs: number;
  readonly seq: number;
  readonly lat: number;
  readonly lon: number;
  readonly odometerKm?: number;
  readonly energyKWh?: number;
  readonly fuelL?: number;
}

export interface GreenVehicleState {
  readonly version: 1;
  readonly last: LastReport | null;
  /** 'YYYY-MM-DDTHH' (Asia/Shanghai) → totals. */
  readonly hours: Readonly<Record<string, Totals>>;
  /** 'YYYY-MM-DD' → totals. */
  readonly days: Readonly<Record<string, Totals>>;
  /** 'YYYY-MM' → totals. */
  readonly months: Readonly<Record<string, Totals>>;
}

export interface GreenVehicle {
  readonly deviceId: string;
  readonly category: VehicleCategory;
  readonly energyType: EnergyType;
}

export function emptyGreenState(): GreenVehicleState {
  return { version: 1, last: null, hours: {}, days: {}, months: {} };
}

const EARTH_RADIUS_KM = 6371.0088;
const DEG = Math.PI / 180;

/** Great-circle (haversine) distance in km on the mean Earth radius. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * DEG;
  const dLon = (lon2 - lon1) * DEG;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function isNum(x: number | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** 'YYYY-MM' of the month before. */
export function previousMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** Per-vehicle constants derived from the rules once per call. */
interface Profile {
  readonly electric: boolean;
  readonly phev: boolean;
  readonly fuel: FuelKind | null;
  readonly kWhPerKm: number;
  readonly lPerKm: number;
}

function profileOf(vehicle: GreenVehicle, rules: GreenRules): Profile {
  const electric = rules.newEnergyTypes.value.includes(vehicle.energyType);
  const fuelOf = rules.fuelOf.value[vehicle.energyType];
  const baseline = rules.baseline[vehicle.category].value;
  const fuel = fuelOf === null ? null : fuelOf === 'baseline' ? baseline.fuel : fuelOf;
  const ratio = vehicle.energyType === 'hybrid' ? rules.hybridFuelRatio.value : 1;
  return {
    electric,
    phev: vehicle.energyType === 'phev',
    fuel,
    kWhPerKm: rules.electricKWhPer100Km[vehicle.category].value / 100,
    lPerKm: (baseline.lPer100Km / 100) * ratio,
  };
}

/** The contribution of one interval (prev → cur), in Totals order (reports = 0). */
function intervalDelta(prev: LastReport, cur: PositionReport, p: Profile, rules: GreenRules): number[] {
  const pl = rules.plausibility;
  const hours = Math.max(0, cur.tsMs - prev.tsMs) / 3_600_000;

  let km: number;
  let estimatedKm = 0;
  const odoDelta = isNum(prev.odometerKm) && isNum(cur.odometerKm) ? cur.odometerKm - prev.odometerKm : undefined;
  if (odoDelta !== undefined && odoDelta >= 0 && odoDelta <= pl.maxOdometerSpeedKmh.value * hours + pl.distanceSlackKm.value) {
    km = odoDelta;
  } else {
    const d = haversineKm(prev.lat, prev.lon, cur.lat, cur.lon);
    km = d <= pl.maxPositionSpeedKmh.value * hours + pl.distanceSlackKm.value ? d : 0;
    estimatedKm = km;
  }

  let electricKm = 0;
  let kWh = 0;
  let estimatedKWh = 0;
  if (p.electric) {
    const de = isNum(prev.energyKWh) && isNum(cur.energyKWh) ? cur.energyKWh - prev.energyKWh : undefined;
    const counterOk =
      de !== undefined && de >= 0 && de <= pl.maxKWhPerKm.value * km + pl.maxIdleKW.value * hours + pl.energySlackKWh.value;
    if (p.phev) electricKm = counterOk ? (de > 0 ? km : 0) : km * rules.phevElectricKmShare.value;
    else electricKm = km;
    if (counterOk) kWh = de;
    else {
      kWh = electricKm * p.kWhPerKm;
      estimatedKWh = kWh;
    }
  }

  let fuelL = 0;
  let estimatedFuelL = 0;
  if (p.fuel !== null) {
    const df = isNum(prev.fuelL) && isNum(cur.fuelL) ? cur.fuelL - prev.fuelL : undefined;
    const fuelKm = km - electricKm;
    if (df !== undefined && df >= 0 && df <= pl.maxLPerKm.value * km + pl.maxIdleLPerH.value * hours + pl.fuelSlackL.value) {
      fuelL = df;
    } else {
      fuelL = fuelKm * p.lPerKm;
      estimatedFuelL = fuelL;
    }
  }
  return [km, electricKm, kWh, fuelL, 0, estimatedKm, estimatedKWh, estimatedFuelL];
}

function addInto(record: Record<string, Totals>, key: string, delta: readonly number[]): void {
  const t = record[key] ?? zeroTotals;
  record[key] = [
    round3(t[0] + (delta[0] ?? 0)),
    round3(t[1] + (delta[1] ?? 0)),
    round3(t[2] + (delta[2] ?? 0)),
    round3(t[3] + (delta[3] ?? 0)),
    t[4] + (delta[4] ?? 0),
    round3(t[5] + (delta[5] ?? 0)),
    round3(t[6] + (delta[6] ?? 0)),
    round3(t[7] + (delta[7] ?? 0)),
  ];
}

function lastOf(r: PositionReport): LastReport {
  const out: { -readonly [K in keyof LastReport]: LastReport[K] } = { tsMs: r.tsMs, seq: r.seq, lat: r.lat, lon: r.lon };
  if (isNum(r.odometerKm)) out.odometerKm = r.odometerKm;
  if (isNum(r.energyKWh)) out.energyKWh = r.energyKWh;
  if (isNum(r.fuelL)) out.fuelL = r.fuelL;
  return out;
}

function pruned(record: Record<string, Totals>, keep: (key: string) => boolean): Record<string, Totals> {
  const out: Record<string, Totals> = {};
  for (const key of Object.keys(record).sort()) {
    const t = record[key];
    if (t !== undefined && keep(key)) out[key] = t;
  }
  return out;
}

/**
 * Adds in-order reports of one vehicle to its state and returns the new state (the input is not modified).
 * Splitting the same reports into batches, with the state serialised through JSON between calls, gives the same state.
 */
export function accumulateGreen(
  state: GreenVehicleState | undefined,
  vehicle: GreenVehicle,
  reportsInOrder: readonly PositionReport[],
  rules: GreenRules = defaultGreenRules,
): GreenVehicleState {
  const base = state ?? emptyGreenState();
  const profile = profileOf(vehicle, rules);
  const hours: Record<string, Totals> = { ...base.hours };
  const days: Record<string, Totals> = { ...base.days };
  const months: Record<string, Totals> = { ...base.months };
  let last = base.last;
  let changed = false;

  for (const r of reportsInOrder) {
    if (r.deviceId !== vehicle.deviceId || !Number.isFinite(r.tsMs)) continue;
    if (last !== null && (r.tsMs < last.tsMs || (r.tsMs === last.tsMs && r.seq === last.seq))) continue;
    const delta = last === null ? [0, 0, 0, 0, 1, 0, 0, 0] : intervalDelta(last, r, profile, rules);
    delta[T_REPORTS] = 1;
    const hour = shanghaiHour(r.tsMs);
    const day = hour.slice(0, 10);
    addInto(hours, hour, delta);
    addInto(days, day, delta);
    addInto(months, day.slice(0, 7), delta);
    last = lastOf(r);
    changed = true;
  }
  if (!changed || last === null) return base;

  const today = shanghaiDate(last.tsMs);
  const yesterday = shanghaiDate(last.tsMs - 86_400_000);
  const oldestMonth = previousMonth(today.slice(0, 7));
  return {
    version: 1,
    last,
    hours: pruned(hours, (k) => k.slice(0, 10) >= yesterday),
    days: pruned(days, (k) => k.slice(0, 7) >= oldestMonth),
    months: pruned(months, (k) => k >= oldestMonth),
  };
}
