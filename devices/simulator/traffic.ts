/**
 * Pure, seeded generator of weigh-in-motion records (contract `wim-record.v1`) for one station.
 *
 * "Pure": no clock, no I/O, no `Math.random`. Given the same options and the same sequence of `next()` calls the
 * output is identical, so tests and benchmarks can replay traffic from a seed. Vehicle content and arrival times
 * are drawn from separate streams: a caller that overrides the time (live mode, `next(Date.now())`) still gets the
 * same vehicles in the same order as a replay of the same seed.
 *
 * Realism sources: domain-rules §A1–A3 (gross limits by axle count and type, dimension limits) and §B (WIM data:
 * per-axle weights, spacings, speed, plates, photos). Axle weights and spacings are typical values for Chinese
 * trucks; they are plausible, not statistics of Hainan traffic.
 */
import type { PlateColor, WimAxleV1, WimDimensionsV1, WimRecordV1, WimVehicleV1 } from '../../functions/contracts/wim-record.v1.ts';
import { Rng, type WeightedChoice } from './prng.ts';
import type { StationFixture } from './stations.ts';
import { shanghaiDateKey, toShanghaiIso } from './time.ts';

/** WIM systems report each axle rounded to this resolution; the gross weight is the sum of the rounded axles. */
export const AXLE_RESOLUTION_KG = 10;

export const DEFAULT_OVER_LIMIT_SHARE = 0.15;
export const DEFAULT_MEAN_HEADWAY_S = 2;

/**
 * Shortest time between two vehicles on one station (several lanes may be crossed almost at once), but never more
 * than a tenth of the mean headway, so that high simulated rates (load tests) are not capped by it.
 */
const MAX_MIN_HEADWAY_MS = 250;

export type VehicleKind = WimVehicleV1['kind'];

/** Axle arrangement in driving order; `+` separates axle groups, e.g. `1+2+3` = steer, drive tandem, tridem. */
export type VehicleConfigId =
  | 'truck-1+1-light'
  | 'truck-1+1'
  | 'truck-1+2'
  | 'combination-1+1+1'
  | 'truck-1+1+2'
  | 'combination-1+1+2'
  | 'train-1+2+1'
  | 'combination-1+2+2'
  | 'combination-1+1+3'
  | 'combination-1+2+3'
  | 'combination-1+1+1+3';

/** Facts about a vehicle that change its legal limit (decree 62 Art. 3, domain-rules §A1–A2). */
export interface VehicleFacts {
  readonly singleDriveAxle?: boolean;
  readonly centreAxleTrailer?: boolean;
  readonly driveAxleAirSuspension?: boolean;
  readonly singleTyreNonDriveAxles?: number;
}

type Range = readonly [min: number, max: number];

interface VehicleSpec {
  readonly id: VehicleConfigId;
  readonly kind: VehicleKind;
  readonly description: string;
  /** Relative share in the traffic mix. */
  readonly mixWeight: number;
  readonly tareKg: Range;
  /** Heaviest load carried when not over the limit; defaults to the limit. Light trucks cannot reach 18 t. */
  readonly fullGrossKg?: Range;
  /** Spacing from the previous axle, one range per axle after the first. */
  readonly spacingM: readonly Range[];
  /** Share of the gross weight on each axle, empty and fully loaded (interpolated by load). */
  readonly emptyShares: readonly number[];
  readonly loadedShares: readonly number[];
  readonly lengthM: Range;
  readonly heightM: Range;
  readonly plateColor: 'yellow' | 'blue';
  /** False for vehicles that cannot physically exceed their gross limit (a blue-plate light truck at 18 t). */
  readonly canBeOverLimit: boolean;
  /** 百吨王 (≥ 100 t) are generated only on 6-axle combinations. */
  readonly hundredTonneCandidate: boolean;
  /** The vehicle's true facts. */
  readonly facts: (rng: Rng) => VehicleFacts;
  /** Which facts the station reports (ANPR + registry lookup rarely knows them all); absent = unknown. */
  readonly publishedFacts: (rng: Rng, facts: VehicleFacts) => VehicleFacts;
}

const TANDEM_SPACING_M: Range = [1.3, 1.4];
/** Semi-trailer tandem/tridem axles are commonly 1.31 m apart. */
const TRAILER_GROUP_SPACING_M: Range = [1.28, 1.34];
const TWIN_STEER_SPACING_M: Range = [1.8, 2.0];

const noFacts = (): VehicleFacts => ({});
const nothingPublished = (): VehicleFacts => ({});

const airSuspendedTruckFacts = (rng: Rng): VehicleFacts => ({ driveAxleAirSuspension: rng.chance(0.3) });
const publishAirSuspension = (rng: Rng, facts: VehicleFacts): VehicleFacts =>
  rng.chance(0.4) && facts.driveAxleAirSuspension !== undefined ? { driveAxleAirSuspension: facts.driveAxleAirSuspension } : {};

/** Some stations have a tyre detector; when fitted it reports the (normal) dual tyres of trailer axles. */
const publishTyres = (rng: Rng): VehicleFacts => (rng.chance(0.2) ? { singleTyreNonDriveAxles: 0 } : {});

export const VEHICLE_SPECS: readonly VehicleSpec[] = [
  {
    id: 'truck-1+1-light',
    kind: 'truck',
    description: '2-axle light truck (blue plate)',
    mixWeight: 6,
    tareKg: [2600, 3800],
    fullGrossKg: [4200, 9000],
    spacingM: [[3.3, 3.8]],
    emptyShares: [0.55, 0.45],
    loadedShares: [0.35, 0.65],
    lengthM: [5.2, 6.0],
    heightM: [2.3, 3.2],
    plateColor: 'blue',
    canBeOverLimit: false,
    hundredTonneCandidate: false,
    facts: noFacts,
    publishedFacts: nothingPublished,
  },
  {
    id: 'truck-1+1',
    kind: 'truck',
    description: '2-axle truck',
    mixWeight: 22,
    tareKg: [5000, 8500],
    spacingM: [[3.8, 5.6]],
    emptyShares: [0.52, 0.48],
    loadedShares: [0.32, 0.68],
    lengthM: [6.8, 9.9],
    heightM: [2.8, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: noFacts,
    publishedFacts: nothingPublished,
  },
  {
    id: 'truck-1+2',
    kind: 'truck',
    description: '3-axle truck (6×4)',
    mixWeight: 8,
    tareKg: [10500, 13500],
    spacingM: [[4.3, 5.8], TANDEM_SPACING_M],
    emptyShares: [0.42, 0.29, 0.29],
    loadedShares: [0.24, 0.38, 0.38],
    lengthM: [8.5, 12.0],
    heightM: [2.9, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: airSuspendedTruckFacts,
    publishedFacts: publishAirSuspension,
  },
  {
    id: 'combination-1+1+1',
    kind: 'combination',
    description: '3-axle articulated: 4×2 tractor + 1-axle semi-trailer',
    mixWeight: 2,
    tareKg: [11000, 13500],
    spacingM: [
      [3.3, 3.9],
      [6.5, 8.0],
    ],
    emptyShares: [0.45, 0.35, 0.2],
    loadedShares: [0.22, 0.4, 0.38],
    lengthM: [12.0, 16.0],
    heightM: [3.0, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: noFacts,
    publishedFacts: publishTyres,
  },
  {
    id: 'truck-1+1+2',
    kind: 'truck',
    description: '4-axle twin-steer truck (8×4, 前四后八)',
    mixWeight: 10,
    tareKg: [14000, 17500],
    spacingM: [TWIN_STEER_SPACING_M, [3.8, 5.0], TANDEM_SPACING_M],
    emptyShares: [0.27, 0.27, 0.23, 0.23],
    loadedShares: [0.17, 0.17, 0.33, 0.33],
    lengthM: [9.0, 12.0],
    heightM: [3.0, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: airSuspendedTruckFacts,
    publishedFacts: publishAirSuspension,
  },
  {
    id: 'combination-1+1+2',
    kind: 'combination',
    description: '4-axle articulated: 4×2 tractor + 2-axle semi-trailer',
    mixWeight: 4,
    tareKg: [13000, 16000],
    spacingM: [[3.4, 3.9], [6.0, 7.5], TRAILER_GROUP_SPACING_M],
    emptyShares: [0.35, 0.35, 0.15, 0.15],
    loadedShares: [0.17, 0.31, 0.26, 0.26],
    lengthM: [13.0, 17.1],
    heightM: [3.0, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: noFacts,
    publishedFacts: publishTyres,
  },
  {
    id: 'train-1+2+1',
    kind: 'combination',
    description: '4-axle centre-axle trailer train: 3-axle truck + 1-axle centre-axle trailer',
    mixWeight: 2,
    tareKg: [15000, 18000],
    spacingM: [[4.3, 5.2], TANDEM_SPACING_M, [4.0, 5.5]],
    emptyShares: [0.3, 0.25, 0.25, 0.2],
    loadedShares: [0.18, 0.27, 0.27, 0.28],
    lengthM: [14.0, 18.0],
    heightM: [3.0, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: () => ({ centreAxleTrailer: true }),
    publishedFacts: (rng, facts) => (rng.chance(0.6) ? { centreAxleTrailer: facts.centreAxleTrailer === true } : {}),
  },
  {
    id: 'combination-1+2+2',
    kind: 'combination',
    description: '5-axle articulated: 6×4 tractor + 2-axle semi-trailer',
    mixWeight: 5,
    tareKg: [15000, 18000],
    spacingM: [[3.2, 3.6], TANDEM_SPACING_M, [5.5, 7.5], TRAILER_GROUP_SPACING_M],
    emptyShares: [0.3, 0.22, 0.22, 0.13, 0.13],
    loadedShares: [0.14, 0.21, 0.21, 0.22, 0.22],
    lengthM: [15.5, 17.1],
    heightM: [3.2, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: noFacts,
    publishedFacts: publishTyres,
  },
  {
    id: 'combination-1+1+3',
    kind: 'combination',
    description: '5-axle articulated: 4×2 tractor + 3-axle semi-trailer',
    mixWeight: 3,
    tareKg: [14000, 17000],
    spacingM: [[3.5, 3.9], [5.5, 7.0], TRAILER_GROUP_SPACING_M, TRAILER_GROUP_SPACING_M],
    emptyShares: [0.32, 0.32, 0.12, 0.12, 0.12],
    loadedShares: [0.15, 0.25, 0.2, 0.2, 0.2],
    lengthM: [15.5, 17.1],
    heightM: [3.2, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: false,
    facts: noFacts,
    publishedFacts: publishTyres,
  },
  {
    id: 'combination-1+2+3',
    kind: 'combination',
    description: '6-axle articulated: 6×4 tractor + 3-axle semi-trailer',
    mixWeight: 30,
    tareKg: [15500, 19000],
    spacingM: [[3.1, 3.6], TANDEM_SPACING_M, [5.8, 7.4], TRAILER_GROUP_SPACING_M, TRAILER_GROUP_SPACING_M],
    emptyShares: [0.27, 0.2, 0.2, 0.11, 0.11, 0.11],
    loadedShares: [0.13, 0.17, 0.17, 0.177, 0.177, 0.176],
    lengthM: [15.5, 17.1],
    heightM: [3.2, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: true,
    facts: () => ({ singleDriveAxle: false }),
    publishedFacts: (rng, facts) => ({
      ...(rng.chance(0.3) ? { singleDriveAxle: facts.singleDriveAxle === true } : {}),
      ...publishTyres(rng),
    }),
  },
  {
    id: 'combination-1+1+1+3',
    kind: 'combination',
    description: '6-axle articulated: twin-steer 6×2 tractor (single drive axle) + 3-axle semi-trailer',
    mixWeight: 8,
    tareKg: [15000, 18000],
    spacingM: [TWIN_STEER_SPACING_M, [2.9, 3.3], [6.0, 7.5], TRAILER_GROUP_SPACING_M, TRAILER_GROUP_SPACING_M],
    emptyShares: [0.22, 0.18, 0.27, 0.11, 0.11, 0.11],
    loadedShares: [0.12, 0.11, 0.22, 0.183, 0.183, 0.184],
    lengthM: [15.5, 17.1],
    heightM: [3.2, 4.0],
    plateColor: 'yellow',
    canBeOverLimit: true,
    hundredTonneCandidate: true,
    facts: () => ({ singleDriveAxle: true }),
    publishedFacts: (rng, facts) => ({
      ...(rng.chance(0.4) ? { singleDriveAxle: facts.singleDriveAxle === true } : {}),
      ...publishTyres(rng),
    }),
  },
];

const specById = new Map<VehicleConfigId, VehicleSpec>(VEHICLE_SPECS.map((spec) => [spec.id, spec]));

export function vehicleSpec(id: VehicleConfigId): VehicleSpec {
  const spec = specById.get(id);
  if (spec === undefined) throw new Error(`unknown vehicle configuration ${id}`);
  return spec;
}

/**
 * The simulator's own reading of the gross limits (decree 62 Art. 3 and the 2016 认定标准, domain-rules §A1–A2).
 * Facts that are absent are read permissively (the higher limit), as a judge must when it does not know them.
 * It decides which generated records are over the limit; the authoritative judgement is the domain's.
 */
export function simulatorGrossLimitKg(axleCount: number, kind: VehicleKind, facts: VehicleFacts): number {
  const airSuspensionBonusKg = kind === 'truck' && facts.driveAxleAirSuspension === true ? 1000 : 0;
  const singleTyreReductionKg = 3000 * (facts.singleTyreNonDriveAxles ?? 0);
  let limitKg: number;
  if (axleCount <= 2) limitKg = 18_000;
  else if (axleCount === 3) limitKg = kind === 'truck' ? 25_000 + airSuspensionBonusKg : 27_000;
  else if (axleCount === 4) {
    if (kind === 'truck') limitKg = 31_000 + airSuspensionBonusKg;
    else limitKg = facts.centreAxleTrailer === true ? 35_000 : 36_000;
  } else if (axleCount === 5) limitKg = 43_000;
  else limitKg = facts.singleDriveAxle === true ? 46_000 : 49_000;
  return limitKg - singleTyreReductionKg;
}

/** Decree 62 Art. 3 (一)–(三). */
export const DIMENSION_LIMITS_M = { heightM: 4.0, widthM: 2.55, lengthM: 18.1 } as const;

export type OverLimitBandSim = 'none' | '0-30' | '30-50' | '50-100' | 'hundred-tonne';

/** What the generator intended; not part of the wire record. Useful for tests, logs and benchmarks. */
export interface RecordTruth {
  readonly configId: VehicleConfigId;
  readonly kind: VehicleKind;
  readonly axleGroups: readonly number[];
  readonly tareKg: number;
  /** The limit with the vehicle's true facts. */
  readonly legalLimitKg: number;
  /** The limit derivable from the published record (unknown facts read permissively). */
  readonly recordLimitKg: number;
  /** grossWeightKg > recordLimitKg. */
  readonly overLimit: boolean;
  readonly band: OverLimitBandSim;
  readonly overDimension?: 'height' | 'width' | 'length';
  readonly fromRegularFleet: boolean;
}

export interface GeneratedRecord {
  readonly record: WimRecordV1;
  readonly truth: RecordTruth;
}

export interface TrafficGeneratorOptions {
  readonly seed: number;
  readonly station: StationFixture;
  /** measuredAt of the first vehicle (epoch ms). */
  readonly startTimeMs: number;
  /** Share of records over their gross limit, 0..1. */
  readonly overLimitShare?: number;
  /** Mean time between vehicles (exponential headways, i.e. Poisson arrivals). */
  readonly meanHeadwayS?: number;
  /** Share of records over a dimension limit (height, width or length), independent of weight. Default 0.02. */
  readonly overDimensionShare?: number;
  /** Share of records whose plate ANPR could not read (`未识别`, colour `other`). Default 0.005. */
  readonly unreadPlateShare?: number;
  /** Share of records from a small regular fleet shared by all stations of the same seed (repeat vehicles). */
  readonly regularFleetShare?: number;
  /** Sequence number of the first record of the first local day; later days restart at 1. Default 1. */
  readonly firstSequence?: number;
}

export interface TrafficGenerator {
  readonly station: StationFixture;
  /** measuredAt (epoch ms) of the next vehicle when `next()` is called without a time. */
  readonly nextAtMs: number;
  /** The next record; `measuredAtMs` overrides the generated arrival time (live mode passes the wall clock). */
  next(measuredAtMs?: number): WimRecordV1;
  nextGenerated(measuredAtMs?: number): GeneratedRecord;
}

interface Vehicle {
  readonly spec: VehicleSpec;
  readonly plate: string;
  readonly plateColor: PlateColor;
  readonly tareKg: number;
  readonly facts: VehicleFacts;
  readonly fromRegularFleet: boolean;
}

const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ'; // I and O are not used on Chinese plates.

const HAINAN_PREFIXES: readonly WeightedChoice<string>[] = [
  { value: '琼A', weight: 40 },
  { value: '琼B', weight: 15 },
  { value: '琼C', weight: 14 },
  { value: '琼D', weight: 10 },
  { value: '琼E', weight: 9 },
  { value: '琼F', weight: 12 },
];

/** Out-of-province trucks arrive mainly over the Qiongzhou Strait ferries from Guangdong and Guangxi. */
const OTHER_PROVINCES: readonly WeightedChoice<string>[] = [
  { value: '粤', weight: 55 },
  { value: '桂', weight: 18 },
  { value: '湘', weight: 6 },
  { value: '闽', weight: 5 },
  { value: '赣', weight: 4 },
  { value: '川', weight: 3 },
  { value: '豫', weight: 3 },
  { value: '鲁', weight: 3 },
  { value: '浙', weight: 3 },
];

const REGULAR_FLEET_SIZE = 40;

const OVER_LIMIT_BANDS: readonly WeightedChoice<Exclude<OverLimitBandSim, 'none'>>[] = [
  { value: '0-30', weight: 76 },
  { value: '30-50', weight: 14 },
  { value: '50-100', weight: 8 },
  { value: 'hundred-tonne', weight: 2 },
];

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function assertShare(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be within 0..1, got ${value}`);
}

/** @param localPrefixes plate prefixes over-represented near the station; absent for the island-wide fleet. */
function drawPlate(rng: Rng, localPrefixes: readonly string[] | undefined, plateColor: 'yellow' | 'blue'): { plate: string; color: PlateColor } {
  let provinceAndLetter: string;
  if (rng.chance(0.78)) {
    provinceAndLetter =
      localPrefixes !== undefined && localPrefixes.length > 0 && rng.chance(0.5) ? rng.pick(localPrefixes) : rng.weighted(HAINAN_PREFIXES);
  } else {
    const province = rng.weighted(OTHER_PROVINCES);
    // Guangdong uses almost the whole alphabet; smaller provinces a handful of letters.
    const letters = province === '粤' ? PLATE_LETTERS : PLATE_LETTERS.slice(0, 8);
    provinceAndLetter = province + letters.charAt(rng.int(0, letters.length - 1));
  }
  // Large new-energy trucks carry yellow-green plates: 5 digits then D (pure electric) or F (hybrid).
  if (plateColor === 'yellow' && rng.chance(0.03)) {
    const digits = String(rng.int(0, 99_999)).padStart(5, '0');
    return { plate: `${provinceAndLetter}${digits}${rng.chance(0.8) ? 'D' : 'F'}`, color: 'yellow-green' };
  }
  const letterCount = rng.weighted([
    { value: 0, weight: 70 },
    { value: 1, weight: 25 },
    { value: 2, weight: 5 },
  ]);
  const serial = Array.from({ length: 5 }, () => String(rng.int(0, 9)));
  for (let i = 0; i < letterCount; i += 1) serial[rng.int(0, 4)] = PLATE_LETTERS.charAt(rng.int(0, PLATE_LETTERS.length - 1));
  return { plate: provinceAndLetter + serial.join(''), color: plateColor };
}

function drawVehicle(rng: Rng, localPrefixes: readonly string[] | undefined, spec: VehicleSpec, fromRegularFleet: boolean): Vehicle {
  const { plate, color } = drawPlate(rng, localPrefixes, spec.plateColor);
  return {
    spec,
    plate,
    plateColor: color,
    tareKg: roundTo(rng.range(spec.tareKg[0], spec.tareKg[1]), 10),
    facts: spec.facts(rng),
    fromRegularFleet,
  };
}

function specsFor(needOverLimit: boolean, needHundredTonne: boolean): WeightedChoice<VehicleSpec>[] {
  return VEHICLE_SPECS.filter(
    (spec) => (!needOverLimit || spec.canBeOverLimit) && (!needHundredTonne || spec.hundredTonneCandidate),
  ).map((spec) => ({ value: spec, weight: spec.mixWeight }));
}

/** Target gross for a compliant vehicle: empty, part-loaded or near its full load, never above the limit. */
function compliantGrossKg(rng: Rng, tareKg: number, limitKg: number, spec: VehicleSpec): number {
  const fullKg = Math.min(limitKg, spec.fullGrossKg === undefined ? limitKg : rng.range(spec.fullGrossKg[0], spec.fullGrossKg[1]));
  const state = rng.weighted([
    { value: 'empty', weight: 25 },
    { value: 'part', weight: 35 },
    { value: 'full', weight: 40 },
  ] as const);
  let grossKg: number;
  if (state === 'empty') grossKg = tareKg * (1 + rng.normal(0, 0.03));
  else if (state === 'part') grossKg = tareKg + (fullKg - tareKg) * rng.range(0.15, 0.85);
  else grossKg = fullKg * rng.range(0.88, 1.0);
  return clamp(grossKg, tareKg * 0.9, limitKg);
}

function overLimitGrossKg(rng: Rng, limitKg: number, band: Exclude<OverLimitBandSim, 'none'>): number {
  switch (band) {
    case '0-30':
      // Skewed towards small excesses, as reported by 治超 platforms (most overruns are a few per cent).
      return limitKg * (1 + 0.003 + 0.297 * rng.float() ** 1.6);
    case '30-50':
      return limitKg * (1 + rng.range(0.3, 0.5));
    case '50-100':
      return limitKg * (1 + rng.range(0.5, 1.0));
    case 'hundred-tonne':
      return rng.range(100_000, 128_000);
  }
}

/**
 * Splits a gross weight into axle weights rounded to the WIM resolution, with a few per cent of dynamic
 * measurement noise per axle, then nudges the heaviest axle so that the sum stays on the intended side of the limit.
 */
function axleWeightsKg(rng: Rng, spec: VehicleSpec, targetGrossKg: number, loadFraction: number, limitKg: number, over: boolean): number[] {
  const shares = spec.loadedShares.map((loaded, i) => {
    const empty = spec.emptyShares[i] ?? loaded;
    return (empty + (loaded - empty) * loadFraction) * (1 + rng.normal(0, 0.03));
  });
  const shareSum = shares.reduce((sum, share) => sum + share, 0);
  const weightsKg = shares.map((share) => Math.max(AXLE_RESOLUTION_KG, roundTo((targetGrossKg * share) / shareSum, AXLE_RESOLUTION_KG)));
  const heaviest = weightsKg.indexOf(Math.max(...weightsKg));
  const sum = () => weightsKg.reduce((total, weight) => total + weight, 0);
  while (over && sum() <= limitKg) weightsKg[heaviest] = (weightsKg[heaviest] ?? 0) + AXLE_RESOLUTION_KG;
  while (!over && sum() > limitKg) weightsKg[heaviest] = (weightsKg[heaviest] ?? 0) - AXLE_RESOLUTION_KG;
  return weightsKg;
}

/** `combination-1+2+3` → [1, 2, 3]. */
export function axleGroupsOf(id: VehicleConfigId): number[] {
  const arrangement = id.split('-')[1] ?? '';
  return arrangement.split('+').map(Number);
}

function bandOf(grossKg: number, limitKg: number): OverLimitBandSim {
  if (grossKg <= limitKg) return 'none';
  if (grossKg >= 100_000) return 'hundred-tonne';
  const ratio = (grossKg - limitKg) / limitKg;
  if (ratio <= 0.3) return '0-30';
  if (ratio <= 0.5) return '30-50';
  return '50-100';
}

function drawDimensions(
  rng: Rng,
  spec: VehicleSpec,
  overDimension: RecordTruth['overDimension'],
): WimDimensionsV1 {
  const dimensions = {
    lengthM: round2(rng.range(spec.lengthM[0], spec.lengthM[1])),
    widthM: round2(rng.range(2.4, 2.55)),
    heightM: round2(rng.range(spec.heightM[0], spec.heightM[1])),
  };
  if (overDimension === 'height') dimensions.heightM = round2(rng.range(4.02, 4.6));
  if (overDimension === 'width') dimensions.widthM = round2(rng.range(2.58, 3.2));
  if (overDimension === 'length') dimensions.lengthM = round2(rng.range(18.2, 20.5));
  return dimensions;
}

export function createTrafficGenerator(options: TrafficGeneratorOptions): TrafficGenerator {
  const {
    seed,
    station,
    startTimeMs,
    overLimitShare = DEFAULT_OVER_LIMIT_SHARE,
    meanHeadwayS = DEFAULT_MEAN_HEADWAY_S,
    overDimensionShare = 0.02,
    unreadPlateShare = 0.005,
    regularFleetShare = 0.15,
    firstSequence = 1,
  } = options;
  assertShare('overLimitShare', overLimitShare);
  assertShare('overDimensionShare', overDimensionShare);
  assertShare('unreadPlateShare', unreadPlateShare);
  assertShare('regularFleetShare', regularFleetShare);
  if (!(meanHeadwayS > 0) || !Number.isFinite(meanHeadwayS)) throw new RangeError(`meanHeadwayS must be > 0, got ${meanHeadwayS}`);
  if (!Number.isFinite(startTimeMs)) throw new RangeError('startTimeMs must be a finite epoch time in ms');
  if (!Number.isInteger(firstSequence) || firstSequence < 1) throw new RangeError('firstSequence must be a positive integer');

  // Separate streams: vehicle content must not shift when the caller overrides the time.
  const vehicleRng = Rng.derive(seed, 'vehicles', station.stationId);
  const timingRng = Rng.derive(seed, 'timing', station.stationId);
  // The regular fleet depends on the seed only, so the same trucks pass several stations of one simulation.
  const fleetRng = Rng.derive(seed, 'regular-fleet');
  const regularFleet: Vehicle[] = Array.from({ length: REGULAR_FLEET_SIZE }, () =>
    drawVehicle(fleetRng, undefined, fleetRng.weighted(specsFor(false, false)), true),
  );

  const laneWeights: WeightedChoice<number>[] = Array.from({ length: station.lanes }, (_, i) => ({
    value: i + 1,
    // Heavy goods vehicles keep to the outer lanes.
    weight: i === 0 ? 70 : i === 1 ? 25 : 5,
  }));

  const minHeadwayMs = Math.min(MAX_MIN_HEADWAY_MS, (meanHeadwayS * 1000) / 10);
  let nextAtMs = Math.round(startTimeMs);
  let dateKey = '';
  let sequence = firstSequence - 1;
  let firstDay = true;

  function nextGenerated(measuredAtMs?: number): GeneratedRecord {
    const atMs = Math.round(measuredAtMs ?? nextAtMs);
    nextAtMs = atMs + Math.max(minHeadwayMs, Math.round(timingRng.exponential(meanHeadwayS * 1000)));

    const localDate = shanghaiDateKey(atMs);
    if (localDate !== dateKey) {
      // Like a station's daily record counter; the date in the id keeps ids unique across days.
      if (!firstDay) sequence = 0;
      firstDay = false;
      dateKey = localDate;
    }
    sequence += 1;
    const recordId = `${station.stationId}-${dateKey}-${String(sequence).padStart(7, '0')}`;

    const rng = vehicleRng;
    const over = rng.chance(overLimitShare);
    const band = over ? rng.weighted(OVER_LIMIT_BANDS) : 'none';
    const needHundredTonne = band === 'hundred-tonne';

    let vehicle: Vehicle | undefined;
    if (rng.chance(regularFleetShare)) {
      const candidates = regularFleet.filter(
        (candidate) => (!over || candidate.spec.canBeOverLimit) && (!needHundredTonne || candidate.spec.hundredTonneCandidate),
      );
      if (candidates.length > 0) vehicle = rng.pick(candidates);
    }
    vehicle ??= drawVehicle(rng, station.localPlatePrefixes, rng.weighted(specsFor(over, needHundredTonne)), false);
    const { spec } = vehicle;
    const axleCount = spec.loadedShares.length;

    const publishedFacts = spec.publishedFacts(rng, vehicle.facts);
    const legalLimitKg = simulatorGrossLimitKg(axleCount, spec.kind, vehicle.facts);
    const recordLimitKg = simulatorGrossLimitKg(axleCount, spec.kind, publishedFacts);

    const targetGrossKg = band === 'none' ? compliantGrossKg(rng, vehicle.tareKg, recordLimitKg, spec) : overLimitGrossKg(rng, recordLimitKg, band);
    const loadFraction = clamp((targetGrossKg - vehicle.tareKg) / (recordLimitKg - vehicle.tareKg), 0, 1);
    const weightsKg = axleWeightsKg(rng, spec, targetGrossKg, loadFraction, recordLimitKg, over);
    const axles: WimAxleV1[] = weightsKg.map((weightKg, i) => {
      const spacingRange = spec.spacingM[i - 1];
      return spacingRange === undefined ? { weightKg } : { weightKg, spacingM: round2(rng.range(spacingRange[0], spacingRange[1])) };
    });
    const grossWeightKg = weightsKg.reduce((sum, weight) => sum + weight, 0);

    const overDimension: RecordTruth['overDimension'] = rng.chance(overDimensionShare)
      ? rng.weighted([
          { value: 'height', weight: 5 },
          { value: 'width', weight: 3 },
          { value: 'length', weight: spec.kind === 'combination' ? 2 : 0 },
        ] as const)
      : undefined;
    // Profilers (laser/lidar) are not fitted or not working everywhere; an over-dimension record always has them.
    const dimensions = overDimension !== undefined || rng.chance(0.85) ? drawDimensions(rng, spec, overDimension) : undefined;

    // Loaded and overloaded trucks are slower; expressway truck limit is 100 km/h, WIM sites see 40–100 km/h.
    const speedKmh = Math.round(clamp(rng.normal(78 - 12 * loadFraction - (over ? 4 : 0), 9), 40, 100) * 10) / 10;
    const lane = rng.weighted(laneWeights);

    const plateUnread = rng.chance(unreadPlateShare);
    // ANPR vendors differ: some insert the middle dot after the issuing-authority letter.
    const plate = plateUnread ? '未识别' : rng.chance(0.1) ? `${vehicle.plate.slice(0, 2)}·${vehicle.plate.slice(2)}` : vehicle.plate;
    const vehicleOut: WimVehicleV1 = {
      plate,
      plateColor: plateUnread ? 'other' : vehicle.plateColor,
      kind: spec.kind,
      ...publishedFacts,
    };

    // Plate close-up, side and rear photos; a camera is occasionally down.
    const imageCount = rng.weighted([
      { value: 3, weight: 95 },
      { value: 2, weight: 4 },
      { value: 0, weight: 1 },
    ]);
    const images = Array.from({ length: imageCount }, (_, i) => `images/${station.stationId}/${recordId}-${i + 1}.jpg`);

    const record: WimRecordV1 = {
      schemaVersion: 1,
      recordId,
      stationId: station.stationId,
      lane,
      measuredAt: toShanghaiIso(atMs),
      speedKmh,
      axles,
      grossWeightKg,
      vehicle: vehicleOut,
      ...(dimensions === undefined ? {} : { dimensions }),
      ...(images.length === 0 ? {} : { images }),
    };
    const truth: RecordTruth = {
      configId: spec.id,
      kind: spec.kind,
      axleGroups: axleGroupsOf(spec.id),
      tareKg: vehicle.tareKg,
      legalLimitKg,
      recordLimitKg,
      overLimit: grossWeightKg > recordLimitKg,
      band: bandOf(grossWeightKg, recordLimitKg),
      ...(overDimension === undefined ? {} : { overDimension }),
      fromRegularFleet: vehicle.fromRegularFleet,
    };
    return { record, truth };
  }

  return {
    station,
    get nextAtMs() {
      return nextAtMs;
    },
    next: (measuredAtMs?: number) => nextGenerated(measuredAtMs).record,
    nextGenerated,
  };
}

export interface GenerateTrafficOptions extends Omit<TrafficGeneratorOptions, 'station'> {
  readonly stations: readonly StationFixture[];
  /** Total number of records across all stations. */
  readonly count: number;
}

/**
 * Traffic of several stations merged in measuredAt order (ties by station order): for tests and the benchmark.
 * `meanHeadwayS` is per station.
 */
export function generateTraffic(options: GenerateTrafficOptions): GeneratedRecord[] {
  const { stations, count, ...generatorOptions } = options;
  if (stations.length === 0) throw new RangeError('generateTraffic needs at least one station');
  const generators = stations.map((station) => createTrafficGenerator({ ...generatorOptions, station }));
  const out: GeneratedRecord[] = [];
  while (out.length < count) {
    let earliest = generators[0] as TrafficGenerator;
    for (const generator of generators) if (generator.nextAtMs < earliest.nextAtMs) earliest = generator;
    out.push(earliest.nextGenerated());
  }
  return out;
}
