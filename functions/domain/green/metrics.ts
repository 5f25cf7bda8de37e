/**
 * Green-transport metrics of a period (hour / day / month, Asia/Shanghai) for the province and every city, per fleet
 * (vehicle category) and for all vehicles. Pure: the registry and the per-vehicle states come in, a snapshot goes out.
 *
 * - Every figure carries its numerator and denominator; a share whose denominator is 0 is 0 (never NaN), so a fleet
 *   without vehicles shows 0 % — read `registered` / `vehicleKm` before reading a share.
 * - Registered = vehicles in the registry list given (stock basis); active = registered vehicles with ≥ 1 report in
 *   the period. States of devices not in the list are ignored.
 * - CO₂ avoided (new-energy vehicles only): baseline = their km × the category baseline L/100 km × fuel factor;
 *   minus grid CO₂ of their electricity (kWh × grid factor) and minus the CO₂ of their own fuel (PHEVs).
 *   Conventional and natural-gas vehicles contribute 0 to all three.
 * - Amounts are rounded to 0.001 (km, kWh, L, kg) in the output; shares and progress are not rounded.
 * - A period older than what the state retains (see accumulator.ts) reads as no data.
 */
import type { EnergyType, VehicleCategory } from '../../contracts/vehicle.v1.ts';
import { vehicleCategories } from '../../contracts/vehicle.v1.ts';
import type { GreenVehicleState, Totals } from './accumulator.ts';
import type { Fleet, FuelKind, GreenRules, TargetMetric } from './rules-config.ts';
import { cityOf, defaultGreenRules } from './rules-config.ts';

export type PeriodKind = 'hour' | 'day' | 'month';

export interface GreenPeriod {
  readonly kind: PeriodKind;
  /** hour 'YYYY-MM-DDTHH', day 'YYYY-MM-DD', month 'YYYY-MM' (Asia/Shanghai). */
  readonly key: string;
}

export interface TargetProgress {
  readonly targetId: string;
  readonly metric: TargetMetric;
  readonly value: number;
  readonly target: number;
  /** value / target, capped at 1 (1 when target is 0). */
  readonly progress: number;
  readonly met: boolean;
}

export interface GreenMetrics {
  readonly registered: number;
  readonly newEnergyRegistered: number;
  readonly cleanEnergyRegistered: number;
  /** newEnergyRegistered / registered. */
  readonly newEnergyShare: number;
  /** cleanEnergyRegistered / registered. */
  readonly cleanEnergyShare: number;
  readonly active: number;
  readonly activeNewEnergy: number;
  readonly activeCleanEnergy: number;
  /** activeNewEnergy / active. */
  readonly activeNewEnergyShare: number;
  /** activeCleanEnergy / active. */
  readonly activeCleanEnergyShare: number;
  readonly vehicleKm: number;
  readonly electricVehicleKm: number;
  /** electricVehicleKm / vehicleKm. */
  readonly electricKmShare: number;
  readonly energyKWh: number;
  readonly fuelL: number;
  /** New-energy vehicles: their km driven by the category's conventional baseline vehicle. */
  readonly baselineCo2Kg: number;
  /** New-energy vehicles: energyKWh × grid factor. */
  readonly gridCo2Kg: number;
  /** New-energy vehicles: their own fuel (PHEVs) × fuel factor. */
  readonly newEnergyFuelCo2Kg: number;
  /** baselineCo2Kg − gridCo2Kg − newEnergyFuelCo2Kg (may be negative). */
  readonly co2AvoidedKg: number;
  /** Data quality: parts of vehicleKm / energyKWh / fuelL estimated (positions, consumption). */
  readonly estimatedKm: number;
  readonly estimatedKWh: number;
  readonly estimatedFuelL: number;
  readonly targets: readonly TargetProgress[];
}

export type FleetMetrics = Readonly<Record<Fleet, GreenMetrics>>;

export interface GreenSnapshot {
  readonly period: GreenPeriod;
  readonly province: FleetMetrics;
  /**
   * By configured city name (GB/T 2260 code via cityCodeOf, always defined for these keys). Every configured city
   * appears, with zeros when it has no registered vehicle; registry aliases (e.g. 陵水) count under the configured name.
   */
  readonly cities: Readonly<Record<string, FleetMetrics>>;
  /**
   * Registered vehicles whose city is not configured (no code, no topic), by the name as registered. They are counted
   * in `province` too; a non-empty record is a registry data-quality issue.
   */
  readonly unknownCities: Readonly<Record<string, FleetMetrics>>;
}

export interface RegisteredGreenVehicle {
  readonly deviceId: string;
  readonly category: VehicleCategory;
  readonly energyType: EnergyType;
  readonly city: string;
}

export interface GreenMetricsInput {
  readonly vehicles: readonly RegisteredGreenVehicle[];
  readonly states: ReadonlyMap<string, GreenVehicleState>;
  readonly period: GreenPeriod;
  readonly rules?: GreenRules;
}

export const fleets: readonly Fleet[] = [...vehicleCategories, 'all'];

const periodPatterns: Readonly<Record<PeriodKind, RegExp>> = {
  hour: /^\d{4}-\d{2}-\d{2}T\d{2}$/,
  day: /^\d{4}-\d{2}-\d{2}$/,
  month: /^\d{4}-\d{2}$/,
};

/** Mutable sums for one (scope, fleet). */
class Sums {
  registered = 0;
  newEnergy = 0;
  clean = 0;
  active = 0;
  activeNewEnergy = 0;
  activeClean = 0;
  km = 0;
  electricKm = 0;
  kWh = 0;
  fuelL = 0;
  baselineCo2 = 0;
  gridCo2 = 0;
  fuelCo2 = 0;
  estimatedKm = 0;
  estimatedKWh = 0;
  estimatedFuelL = 0;
}

function newSums(): Record<Fleet, Sums> {
  const out = {} as Record<Fleet, Sums>;
  for (const f of fleets) out[f] = new Sums();
  return out;
}

function share(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Contribution of one vehicle, computed once and added to its four (scope, fleet) sums. */
interface Contribution {
  newEnergy: boolean;
  clean: boolean;
  totals: Totals | undefined;
  baselineCo2: number;
  gridCo2: number;
  fuelCo2: number;
}

function add(s: Sums, c: Contribution): void {
  s.registered += 1;
  if (c.newEnergy) s.newEnergy += 1;
  if (c.clean) s.clean += 1;
  const t = c.totals;
  if (t === undefined || t[4] <= 0) return;
  s.active += 1;
  if (c.newEnergy) s.activeNewEnergy += 1;
  if (c.clean) s.activeClean += 1;
  s.km += t[0];
  s.electricKm += t[1];
  s.kWh += t[2];
  s.fuelL += t[3];
  s.estimatedKm += t[5];
  s.estimatedKWh += t[6];
  s.estimatedFuelL += t[7];
  s.baselineCo2 += c.baselineCo2;
  s.gridCo2 += c.gridCo2;
  s.fuelCo2 += c.fuelCo2;
}

function finish(s: Sums, fleet: Fleet, scope: 'province' | 'city', rules: GreenRules): GreenMetrics {
  const base = {
    registered: s.registered,
    newEnergyRegistered: s.newEnergy,
    cleanEnergyRegistered: s.clean,
    newEnergyShare: share(s.newEnergy, s.registered),
    cleanEnergyShare: share(s.clean, s.registered),
    active: s.active,
    activeNewEnergy: s.activeNewEnergy,
    activeCleanEnergy: s.activeClean,
    activeNewEnergyShare: share(s.activeNewEnergy, s.active),
    activeCleanEnergyShare: share(s.activeClean, s.active),
    vehicleKm: round3(s.km),
    electricVehicleKm: round3(s.electricKm),
    electricKmShare: share(s.electricKm, s.km),
    energyKWh: round3(s.kWh),
    fuelL: round3(s.fuelL),
    baselineCo2Kg: round3(s.baselineCo2),
    gridCo2Kg: round3(s.gridCo2),
    newEnergyFuelCo2Kg: round3(s.fuelCo2),
    co2AvoidedKg: round3(s.baselineCo2 - s.gridCo2 - s.fuelCo2),
    estimatedKm: round3(s.estimatedKm),
    estimatedKWh: round3(s.estimatedKWh),
    estimatedFuelL: round3(s.estimatedFuelL),
  };
  const targets: TargetProgress[] = [];
  for (const t of rules.targets) {
    if (t.fleet !== fleet || !t.scopes.includes(scope)) continue;
    const value = base[t.metric];
    targets.push({
      targetId: t.targetId,
      metric: t.metric,
      value,
      target: t.target,
      progress: t.target > 0 ? Math.min(1, value / t.target) : 1,
      met: value >= t.target,
    });
  }
  return { ...base, targets };
}

function finishFleets(sums: Record<Fleet, Sums>, scope: 'province' | 'city', rules: GreenRules): FleetMetrics {
  const out = {} as Record<Fleet, GreenMetrics>;
  for (const f of fleets) out[f] = finish(sums[f], f, scope, rules);
  return out;
}

function totalsFor(state: GreenVehicleState | undefined, period: GreenPeriod): Totals | undefined {
  if (state === undefined) return undefined;
  const record = period.kind === 'hour' ? state.hours : period.kind === 'day' ? state.days : state.months;
  return record[period.key];
}

export function computeGreenMetrics(input: GreenMetricsInput): GreenSnapshot {
  const rules = input.rules ?? defaultGreenRules;
  const { period } = input;
  if (!periodPatterns[period.kind].test(period.key)) throw new Error(`bad ${period.kind} key ${period.key}`);

  const newEnergyTypes = new Set<EnergyType>(rules.newEnergyTypes.value);
  const cleanTypes = new Set<EnergyType>(rules.cleanEnergyTypes.value);
  const grid = rules.emissionFactors.gridKgCo2PerKWh.value;
  const fuelFactor = (f: FuelKind): number => rules.emissionFactors.fuelKgCo2PerL[f].value;

  const province = newSums();
  const cities = new Map<string, Record<Fleet, Sums>>();
  for (const c of rules.cities) cities.set(c.name, newSums());
  const unknown = new Map<string, Record<Fleet, Sums>>();
  /** Registry spelling → the sums of its city (configured or unknown). */
  const cityCache = new Map<string, Record<Fleet, Sums>>();

  for (const v of input.vehicles) {
    const newEnergy = newEnergyTypes.has(v.energyType);
    const totals = totalsFor(input.states.get(v.deviceId), period);
    let baselineCo2 = 0;
    let gridCo2 = 0;
    let fuelCo2 = 0;
    if (newEnergy && totals !== undefined) {
      const b = rules.baseline[v.category].value;
      baselineCo2 = ((totals[0] * b.lPer100Km) / 100) * fuelFactor(b.fuel);
      gridCo2 = totals[2] * grid;
      if (totals[3] > 0) {
        const fuelOf = rules.fuelOf.value[v.energyType];
        const kind = fuelOf === 'baseline' ? b.fuel : fuelOf;
        if (kind !== null) fuelCo2 = totals[3] * fuelFactor(kind);
      }
    }
    const c: Contribution = { newEnergy, clean: cleanTypes.has(v.energyType), totals, baselineCo2, gridCo2, fuelCo2 };

    let citySums = cityCache.get(v.city);
    if (citySums === undefined) {
      const configured = cityOf(v.city, rules);
      if (configured !== undefined) citySums = cities.get(configured.name);
      if (citySums === undefined) {
        const name = v.city.trim();
        citySums = unknown.get(name) ?? newSums();
        unknown.set(name, citySums);
      }
      cityCache.set(v.city, citySums);
    }
    add(province[v.category], c);
    add(province.all, c);
    add(citySums[v.category], c);
    add(citySums.all, c);
  }

  const cityMetrics: Record<string, FleetMetrics> = {};
  for (const [name, sums] of cities) cityMetrics[name] = finishFleets(sums, 'city', rules);
  const unknownMetrics: Record<string, FleetMetrics> = {};
  for (const [name, sums] of unknown) unknownMetrics[name] = finishFleets(sums, 'city', rules);
  return { period, province: finishFleets(province, 'province', rules), cities: cityMetrics, unknownCities: unknownMetrics };
}
