/**
 * Overload (超限) judgement of one weigh-in-motion record. Pure and synchronous.
 *
 * Hot path (≥ 500 000 records/s per core): limit bases are precomputed per configuration and shared, empty results
 * are shared frozen constants, and permit dates are parsed only when a permit could change the outcome.
 */
import type { WimRecordV1 } from '../../contracts/wim-record.v1.ts';
import { plateKey } from './plate.ts';
import type {
  BandBoundary,
  DimensionFineBands,
  GrossLimitRule,
  OverloadRules,
  TonneRounding,
} from './rules-config.ts';
import { defaultOverloadRules } from './rules-config.ts';
import type {
  AccuracyClass,
  AxleFinding,
  DimensionViolation,
  FineEstimate,
  LimitBasis,
  OverLimitBand,
  OverloadJudgement,
  OverloadPermit,
  StationProfile,
  ToleranceApplied,
} from './types.ts';

export interface GrossLimit {
  readonly limitKg: number;
  readonly basis: LimitBasis;
}

const NO_DIMENSION_VIOLATIONS: readonly DimensionViolation[] = Object.freeze([]);
const NO_AXLE_FINDINGS: readonly AxleFinding[] = Object.freeze([]);
const ZERO_RANGE: readonly [number, number] = Object.freeze([0, 0]) as readonly [number, number];

const THOUSANDS = /\B(?=(\d{3})+(?!\d))/g;
/** "49 000 kg": cheap enough for the over-limit path, unlike Intl.NumberFormat. */
function kg(n: number): string {
  const text = Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  return `${whole.replace(THOUSANDS, ' ')}${dot < 0 ? '' : text.slice(dot)} kg`;
}

// ---------------------------------------------------------------------------------------------------------------
// Gross limit: every (axle count, kind, flags) situation maps to one of these cases; each case's basis is built once
// per configuration.

const Case = {
  BelowTable: 0,
  TwoAxle: 1,
  ThreeTruck: 2,
  ThreeTruckAir: 3,
  ThreeCombination: 4,
  ThreeUnknown: 5,
  FourTruck: 6,
  FourTruckAir: 7,
  FourCentreAxle: 8,
  FourCombination: 9,
  FourCombinationCentreUnknown: 10,
  FourArticulatedAir: 11,
  FourArticulatedAirCentreUnknown: 12,
  FourAirSpacingUnknown: 13,
  FourAirSpacingUnknownCentreUnknown: 14,
  FourUnknown: 15,
  FiveCombination: 16,
  FiveTruck: 17,
  FiveUnknown: 18,
  SixSingleDrive: 19,
  SixCombination: 20,
  SixSingleDriveUnknown: 21,
  SixTruck: 22,
  SixUnknown: 23,
  Count: 24,
} as const;
type Case = (typeof Case)[keyof typeof Case];

interface CompiledRules {
  readonly rules: OverloadRules;
  readonly cases: readonly GrossLimit[];
  /** Cases corrected for single-tyre axles, built on first use (keyed by case, reported and applied axle count). */
  readonly singleTyre: Map<number, GrossLimit>;
  readonly bands: readonly BandBoundary[];
  /** The estimate of every compliant record, shared. */
  readonly noFine: FineEstimate;
}

function basis(
  rule: GrossLimitRule,
  limitKg: number,
  assumptions: readonly string[],
  extraSource?: string,
  qualifier = '',
): GrossLimit {
  return Object.freeze({
    limitKg,
    basis: Object.freeze({
      ruleId: rule.ruleId,
      description: `${rule.description}${qualifier}: ${kg(limitKg)}`,
      source: extraSource === undefined ? rule.source : `${rule.source}; ${extraSource}`,
      assumptions: Object.freeze([...assumptions]),
    }),
  });
}

function compileCases(rules: OverloadRules): GrossLimit[] {
  const g = rules.gross;
  const air = g.airSuspensionTruckBonusKg;
  const minD = g.articulatedMinSemiTrailerAxleSpacingM.value;
  const kindUnknown = (axles: number, applied: GrossLimitRule, other: GrossLimitRule): string =>
    `vehicle kind unknown (no vehicle data): the more permissive ${axles}-axle limit ${kg(applied.limitKg)} ` +
    `(${applied.description}) applied instead of ${kg(other.limitKg)} (${other.description})`;
  const centreUnknown =
    `centre-axle trailer unknown: ${kg(g.fourAxleCombination.limitKg)} applied, not ` +
    `${kg(g.fourAxleCentreAxleTrailer.limitKg)} (centre-axle trailer train)`;
  const airQualifier = ` with dual-tyre air-suspended drive axle (+${kg(air.value)})`;
  const airBonus = (base: GrossLimitRule): string =>
    `record says drive axle has dual tyres and air suspension: ${kg(base.limitKg)} + ${kg(air.value)}`;
  const articulatedAssumed =
    `record says air-suspended drive axle and semi-trailer axle spacing ≥ ${minD} m: articulated train assumed ` +
    `(the record does not distinguish it from a drawbar trailer), ${kg(g.fourAxleArticulatedAirSuspension.limitKg)}`;
  const spacingUnknown =
    `air-suspended drive axle reported but a semi-trailer axle spacing ≥ ${minD} m is not established from ` +
    `axles[].spacingM: ${kg(g.fourAxleArticulatedAirSuspension.limitKg)} not applied`;
  const singleDriveUnknown =
    `tractor drive-axle count unknown: ${kg(g.sixOrMoreAxle.limitKg)} applied, not ` +
    `${kg(g.sixOrMoreAxleSingleDriveAxle.limitKg)} (single drive axle)`;
  const truckAsCombination = (rule: GrossLimitRule): string =>
    `the regulation lists only combinations for this axle count: ${rule.description} limit applied to the reported truck`;

  const cases: GrossLimit[] = new Array<GrossLimit>(Case.Count);
  cases[Case.BelowTable] = basis(g.twoAxle, g.twoAxle.limitKg, [
    'fewer than 2 axles reported: the 2-axle limit applied (record should fail plausibility)',
  ]);
  cases[Case.TwoAxle] = basis(g.twoAxle, g.twoAxle.limitKg, []);
  cases[Case.ThreeTruck] = basis(g.threeAxleTruck, g.threeAxleTruck.limitKg, []);
  cases[Case.ThreeTruckAir] = basis(
    g.threeAxleTruck,
    g.threeAxleTruck.limitKg + air.value,
    [airBonus(g.threeAxleTruck)],
    air.source,
    airQualifier,
  );
  cases[Case.ThreeCombination] = basis(g.threeAxleCombination, g.threeAxleCombination.limitKg, []);
  cases[Case.ThreeUnknown] = basis(g.threeAxleCombination, g.threeAxleCombination.limitKg, [
    kindUnknown(3, g.threeAxleCombination, g.threeAxleTruck),
  ]);
  cases[Case.FourTruck] = basis(g.fourAxleTruck, g.fourAxleTruck.limitKg, []);
  cases[Case.FourTruckAir] = basis(
    g.fourAxleTruck,
    g.fourAxleTruck.limitKg + air.value,
    [airBonus(g.fourAxleTruck)],
    air.source,
    airQualifier,
  );
  cases[Case.FourCentreAxle] = basis(g.fourAxleCentreAxleTrailer, g.fourAxleCentreAxleTrailer.limitKg, []);
  cases[Case.FourCombination] = basis(g.fourAxleCombination, g.fourAxleCombination.limitKg, []);
  cases[Case.FourCombinationCentreUnknown] = basis(g.fourAxleCombination, g.fourAxleCombination.limitKg, [
    centreUnknown,
  ]);
  cases[Case.FourArticulatedAir] = basis(
    g.fourAxleArticulatedAirSuspension,
    g.fourAxleArticulatedAirSuspension.limitKg,
    [articulatedAssumed],
  );
  cases[Case.FourArticulatedAirCentreUnknown] = basis(
    g.fourAxleArticulatedAirSuspension,
    g.fourAxleArticulatedAirSuspension.limitKg,
    [`centre-axle trailer unknown: not a centre-axle train assumed`, articulatedAssumed],
  );
  cases[Case.FourAirSpacingUnknown] = basis(g.fourAxleCombination, g.fourAxleCombination.limitKg, [spacingUnknown]);
  cases[Case.FourAirSpacingUnknownCentreUnknown] = basis(g.fourAxleCombination, g.fourAxleCombination.limitKg, [
    centreUnknown,
    spacingUnknown,
  ]);
  cases[Case.FourUnknown] = basis(g.fourAxleCombination, g.fourAxleCombination.limitKg, [
    kindUnknown(4, g.fourAxleCombination, g.fourAxleTruck),
    centreUnknown,
  ]);
  cases[Case.FiveCombination] = basis(g.fiveAxle, g.fiveAxle.limitKg, []);
  cases[Case.FiveTruck] = basis(g.fiveAxle, g.fiveAxle.limitKg, [truckAsCombination(g.fiveAxle)]);
  cases[Case.FiveUnknown] = basis(g.fiveAxle, g.fiveAxle.limitKg, [
    'vehicle kind unknown (no vehicle data): the 5-axle limit does not depend on it',
  ]);
  cases[Case.SixSingleDrive] = basis(g.sixOrMoreAxleSingleDriveAxle, g.sixOrMoreAxleSingleDriveAxle.limitKg, []);
  cases[Case.SixCombination] = basis(g.sixOrMoreAxle, g.sixOrMoreAxle.limitKg, []);
  cases[Case.SixSingleDriveUnknown] = basis(g.sixOrMoreAxle, g.sixOrMoreAxle.limitKg, [singleDriveUnknown]);
  cases[Case.SixTruck] = basis(g.sixOrMoreAxle, g.sixOrMoreAxle.limitKg, [truckAsCombination(g.sixOrMoreAxle)]);
  cases[Case.SixUnknown] = basis(g.sixOrMoreAxle, g.sixOrMoreAxle.limitKg, [
    'vehicle kind unknown (no vehicle data)',
    singleDriveUnknown,
  ]);
  return cases;
}

let lastRules: OverloadRules | undefined;
let lastCompiled: CompiledRules | undefined;
const compiledByRules = new WeakMap<OverloadRules, CompiledRules>();

function compiled(rules: OverloadRules): CompiledRules {
  if (rules === lastRules && lastCompiled !== undefined) return lastCompiled;
  let c = compiledByRules.get(rules);
  if (c === undefined) {
    c = {
      rules,
      cases: compileCases(rules),
      singleTyre: new Map(),
      bands: [...rules.bands.value].sort((a, b) => a.upToRatio - b.upToRatio),
      noFine: Object.freeze(computeFine(0, NO_DIMENSION_VIOLATIONS, rules)),
    };
    compiledByRules.set(rules, c);
  }
  lastRules = rules;
  lastCompiled = c;
  return c;
}

/** Whether the last two of four axles are a semi-trailer pair at least `minM` apart (1+1+2 layout). */
function semiTrailerSpacingEstablished(record: WimRecordV1, minM: number): boolean {
  const coupling = record.axles[2]?.spacingM;
  const pair = record.axles[3]?.spacingM;
  // In a 1+2+1 layout (3-axle tractor + 1-axle semi-trailer) the last spacing is the long coupling gap, not a pair.
  return coupling !== undefined && pair !== undefined && pair >= minM && pair < coupling;
}

function caseOf(record: WimRecordV1, rules: OverloadRules): Case {
  const n = record.axles.length;
  const v = record.vehicle;
  if (n < 2) return Case.BelowTable;
  if (n === 2) return Case.TwoAxle;
  if (n === 3) {
    if (v === undefined) return Case.ThreeUnknown;
    if (v.kind === 'combination') return Case.ThreeCombination;
    return v.driveAxleAirSuspension === true ? Case.ThreeTruckAir : Case.ThreeTruck;
  }
  if (n === 4) {
    if (v === undefined) return Case.FourUnknown;
    if (v.kind === 'truck') return v.driveAxleAirSuspension === true ? Case.FourTruckAir : Case.FourTruck;
    if (v.centreAxleTrailer === true) return Case.FourCentreAxle;
    const centreKnown = v.centreAxleTrailer === false;
    if (v.driveAxleAirSuspension === true) {
      if (semiTrailerSpacingEstablished(record, rules.gross.articulatedMinSemiTrailerAxleSpacingM.value)) {
        return centreKnown ? Case.FourArticulatedAir : Case.FourArticulatedAirCentreUnknown;
      }
      return centreKnown ? Case.FourAirSpacingUnknown : Case.FourAirSpacingUnknownCentreUnknown;
    }
    return centreKnown ? Case.FourCombination : Case.FourCombinationCentreUnknown;
  }
  if (n === 5) {
    if (v === undefined) return Case.FiveUnknown;
    return v.kind === 'truck' ? Case.FiveTruck : Case.FiveCombination;
  }
  if (v === undefined) return Case.SixUnknown;
  if (v.kind === 'truck') return Case.SixTruck;
  if (v.singleDriveAxle === true) return Case.SixSingleDrive;
  return v.singleDriveAxle === false ? Case.SixCombination : Case.SixSingleDriveUnknown;
}

function withSingleTyre(c: CompiledRules, which: Case, base: GrossLimit, reported: number, axleCount: number): GrossLimit {
  // At least one axle drives, so at most n − 1 axles can be non-drive; a larger report is capped in the driver's favour.
  const maxAxles = axleCount > 1 ? axleCount - 1 : 0;
  const axles = Math.min(reported, maxAxles);
  if (axles === 0) return base;
  // The reported count is part of the key because the capping assumption quotes it (schema caps it at 12).
  const key = which * 1_000_000 + reported * 100 + axles;
  const cached = c.singleTyre.get(key);
  if (cached !== undefined) return cached;
  const per = c.rules.gross.singleTyreReductionKg;
  const limitKg = base.limitKg - per.value * axles;
  const assumptions = [...base.basis.assumptions];
  if (axles !== reported) {
    assumptions.push(`${reported} single-tyre non-drive axles reported on ${axleCount} axles: capped at ${axles}`);
  }
  assumptions.push(
    `record says ${axles} non-drive axle(s) with single tyres: ${kg(base.limitKg)} − ${axles} × ${kg(per.value)} = ${kg(limitKg)}`,
  );
  const result: GrossLimit = Object.freeze({
    limitKg,
    basis: Object.freeze({
      ruleId: base.basis.ruleId,
      description: `${base.basis.description}, less ${axles} × ${kg(per.value)} for single tyres: ${kg(limitKg)}`,
      source: `${base.basis.source}; ${per.source}`,
      assumptions: Object.freeze(assumptions),
    }),
  });
  c.singleTyre.set(key, result);
  return result;
}

/** The statutory gross-weight limit for the record and why. The returned object is shared: do not mutate. */
export function grossLimitFor(record: WimRecordV1, rules: OverloadRules = defaultOverloadRules): GrossLimit {
  const c = compiled(rules);
  const which = caseOf(record, rules);
  const base = c.cases[which] as GrossLimit;
  const singleTyre = record.vehicle?.singleTyreNonDriveAxles;
  if (singleTyre === undefined || singleTyre <= 0) return base;
  return withSingleTyre(c, which, base, singleTyre, record.axles.length);
}

// ---------------------------------------------------------------------------------------------------------------

function bandIn(ratio: number, bands: readonly BandBoundary[]): OverLimitBand {
  if (!(ratio > 0)) return 'none';
  for (const b of bands) {
    if (ratio < b.upToRatio || (b.inclusive && ratio === b.upToRatio)) return b.band;
  }
  return '100+';
}

/**
 * Band of an over-limit ratio (0.1 = 10 %). Pass the unrounded ratio: a ratio of exactly 0.10 is '0-10',
 * exactly 1.00 is '100+', 0 or less is 'none'.
 */
export function bandOf(ratio: number, rules: OverloadRules = defaultOverloadRules): OverLimitBand {
  return bandIn(ratio, compiled(rules).bands);
}

/** Measurement tolerance for the station's accuracy class; an unknown class falls back to the configured default. */
export function toleranceFor(
  grossWeightKg: number,
  station: StationProfile,
  rules: OverloadRules = defaultOverloadRules,
): ToleranceApplied {
  const byClass = rules.tolerance.percentByClass;
  let accuracyClass: AccuracyClass = station.accuracyClass;
  let entry = byClass[accuracyClass];
  if (entry === undefined) {
    accuracyClass = rules.tolerance.defaultAccuracyClass.value;
    entry = byClass[accuracyClass];
  }
  // Percent, not a ratio, so that 46 000 × 5 / 100 is exactly 2 300 (0.05 × 46 000 is not).
  return {
    toleranceKg: (grossWeightKg * entry.value) / 100,
    ratio: entry.value / 100,
    accuracyClass,
    source: entry.source,
  };
}

/** The profile used for a station that is not in the registry. */
export function defaultStationProfile(stationId: string, rules: OverloadRules = defaultOverloadRules): StationProfile {
  return { stationId, accuracyClass: rules.tolerance.defaultAccuracyClass.value, registered: false };
}

function roundTonnes(tonnes: number, mode: TonneRounding): number {
  if (mode === 'floor') return Math.floor(tonnes);
  if (mode === 'round') return Math.round(tonnes);
  return Math.ceil(tonnes);
}

/** Art. 43 fine estimate: weight fine plus the top of the dimension range, capped. */
export function estimateFine(
  overLimitKg: number,
  dimensionViolations: readonly DimensionViolation[],
  rules: OverloadRules = defaultOverloadRules,
): FineEstimate {
  if (!(overLimitKg > 0) && dimensionViolations.length === 0) return compiled(rules).noFine;
  return computeFine(overLimitKg, dimensionViolations, rules);
}

function computeFine(
  overLimitKg: number,
  dimensionViolations: readonly DimensionViolation[],
  rules: OverloadRules,
): FineEstimate {
  const f = rules.fine;
  const warningMaxKg = f.warningMaxKg.value;
  let weightFineYuan = 0;
  let tonnes = 0;
  if (overLimitKg > warningMaxKg) {
    const countedKg = f.countFirstTonne.value ? overLimitKg : overLimitKg - warningMaxKg;
    tonnes = roundTonnes(countedKg / 1000, f.tonneRounding.value);
    weightFineYuan = tonnes * f.yuanPerTonne.value;
  }
  let dimLow = 0;
  let dimHigh = 0;
  for (const d of dimensionViolations) {
    // Art. 43 (一)–(三) band the vehicle as a whole: the worst dimension decides, ranges do not add up.
    if (d.fineRangeYuan[1] > dimHigh) {
      dimLow = d.fineRangeYuan[0];
      dimHigh = d.fineRangeYuan[1];
    }
  }
  const cap = f.capYuan.value;
  const capped = Math.min(cap, weightFineYuan);
  const total = Math.min(cap, weightFineYuan + dimHigh);
  const warningOnly = overLimitKg > 0 && overLimitKg <= warningMaxKg && dimensionViolations.length === 0;
  let basisText: string;
  if (overLimitKg <= 0) basisText = 'not over the gross limit';
  else if (overLimitKg <= warningMaxKg) basisText = `over by ${kg(overLimitKg)} ≤ ${kg(warningMaxKg)}: warning`;
  else {
    basisText =
      `over by ${kg(overLimitKg)}: ${tonnes} t (${f.tonneRounding.value}` +
      `${f.countFirstTonne.value ? '' : `, above ${kg(warningMaxKg)}`}) × ${f.yuanPerTonne.value} yuan`;
  }
  if (dimHigh > 0) basisText += `; dimension ${dimLow}–${dimHigh} yuan`;
  if (weightFineYuan + dimHigh > cap) basisText += `; capped at ${cap} yuan`;
  return {
    warningOnly,
    weightFineYuan: capped,
    dimensionFineRangeYuan: dimHigh > 0 ? [dimLow, dimHigh] : ZERO_RANGE,
    totalEstimateYuan: total,
    basis: `${basisText} (${rules.fine.yuanPerTonne.source})`,
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** Metres to whole millimetres: profilers resolve no finer, and 2.55 + 0.05 is 2.5999999999999996 in binary. */
function mm(m: number): number {
  return Math.round(m * 1000);
}

function fineRange(measuredMm: number, bands: DimensionFineBands, rules: OverloadRules): readonly [number, number] {
  const fb = rules.dimensions.fineBands.value;
  if (measuredMm <= mm(bands.lowMaxM)) return fb.lowRangeYuan;
  if (measuredMm <= mm(bands.midMaxM)) return fb.midRangeYuan;
  return fb.highRangeYuan;
}

function dimensionViolationsOf(record: WimRecordV1, rules: OverloadRules): readonly DimensionViolation[] {
  const d = record.dimensions;
  if (d === undefined) return NO_DIMENSION_VIOLATIONS;
  const r = rules.dimensions;
  const tol = r.toleranceM.value;
  const bands = r.fineBands.value;
  const hMm = mm(d.heightM);
  const wMm = mm(d.widthM);
  const lMm = mm(d.lengthM);
  const overH = hMm > mm(r.heightM.value) + mm(tol.height);
  const overW = wMm > mm(r.widthM.value) + mm(tol.width);
  const overL = lMm > mm(r.lengthM.value) + mm(tol.length);
  if (!overH && !overW && !overL) return NO_DIMENSION_VIOLATIONS;
  const out: DimensionViolation[] = [];
  const add = (
    dimension: DimensionViolation['dimension'],
    measuredM: number,
    measuredMm: number,
    limitM: number,
    source: string,
    fb: DimensionFineBands,
  ): void => {
    out.push({
      dimension,
      measuredM,
      limitM,
      overM: (measuredMm - mm(limitM)) / 1000,
      source,
      fineRangeYuan: fineRange(measuredMm, fb, rules),
    });
  };
  if (overH) add('height', d.heightM, hMm, r.heightM.value, r.heightM.source, bands.height);
  if (overW) add('width', d.widthM, wMm, r.widthM.value, r.widthM.source, bands.width);
  if (overL) add('length', d.lengthM, lMm, r.lengthM.value, r.lengthM.source, bands.length);
  return out;
}

function bracketLimit(spacingM: number, brackets: readonly { upToM: number; upperInclusive: boolean; limitKg: number }[]): number {
  let last = 0;
  for (const b of brackets) {
    if (spacingM < b.upToM || (b.upperInclusive && spacingM === b.upToM)) return b.limitKg;
    last = b.limitKg;
  }
  // Wider than the widest bracket but still grouped: the widest bracket is the most permissive sourced value.
  return last;
}

/** Advisory axle and axle-group findings (GB 1589 §4.2 values are unconfirmed, domain-rules §A3). */
function axleFindingsOf(record: WimRecordV1, rules: OverloadRules): readonly AxleFinding[] {
  const a = rules.axleAdvisory;
  if (!a.enabled) return NO_AXLE_FINDINGS;
  const axles = record.axles;
  const n = axles.length;
  const groupMax = a.groupMaxSpacingM.value;
  const air = record.vehicle?.driveAxleAirSuspension === true;
  let out: AxleFinding[] | undefined;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    let widestM = 0;
    let loadKg = (axles[i] as (typeof axles)[number]).weightKg;
    while (j < n) {
      const axle = axles[j] as (typeof axles)[number];
      const sp = axle.spacingM;
      // An unknown spacing keeps axles separate: single-axle limits sum higher than group limits (permissive).
      if (sp === undefined || !(sp < groupMax)) break;
      if (sp > widestM) widestM = sp;
      loadKg += axle.weightKg;
      j++;
    }
    const size = j - i;
    let limitKg = 0;
    let ruleId = '';
    let source = '';
    if (size === 1) {
      const steer = i === 0;
      limitKg = steer ? a.steerAxleKg.value : a.singleAxleKg.value;
      ruleId = steer ? 'axle.steer' : 'axle.single';
      source = steer ? a.steerAxleKg.source : a.singleAxleKg.source;
    } else if (size === 2) {
      limitKg = bracketLimit(widestM, a.tandemKg.value);
      const widest = a.tandemKg.value[a.tandemKg.value.length - 1];
      if (air && widest !== undefined && limitKg === widest.limitKg && a.tandemAirSuspensionKg.value > limitKg) {
        limitKg = a.tandemAirSuspensionKg.value;
        ruleId = 'axle-group.tandem.air-suspension';
        source = a.tandemAirSuspensionKg.source;
      } else {
        ruleId = 'axle-group.tandem';
        source = a.tandemKg.source;
      }
    } else if (size === 3) {
      limitKg = bracketLimit(widestM, a.tridemKg.value);
      ruleId = 'axle-group.tridem';
      source = a.tridemKg.source;
    }
    // Groups of 4+ axles have no quoted limit; limitKg 0 means "no rule".
    if (limitKg > 0 && loadKg > limitKg) {
      const axleIndexes: number[] = [];
      for (let k = i; k < j; k++) axleIndexes.push(k);
      out ??= [];
      out.push({
        kind: size === 1 ? 'single-axle' : 'axle-group',
        axleIndexes,
        loadKg,
        limitKg,
        overKg: loadKg - limitKg,
        ruleId,
        source,
      });
    }
    i = j;
  }
  return out ?? NO_AXLE_FINDINGS;
}

// ---------------------------------------------------------------------------------------------------------------
// Permits

interface PreparedPermit {
  readonly bareKey: string;
  readonly colour: string | undefined;
  readonly fromMs: number;
  readonly toMs: number;
}

const preparedPermits = new WeakMap<OverloadPermit, PreparedPermit>();

function prepared(permit: OverloadPermit): PreparedPermit {
  let p = preparedPermits.get(permit);
  if (p === undefined) {
    p = {
      bareKey: plateKey(permit.plate),
      colour: permit.plateColor,
      fromMs: Date.parse(permit.validFrom),
      toMs: Date.parse(permit.validTo),
    };
    preparedPermits.set(permit, p);
  }
  return p;
}

function matchingPermit(record: WimRecordV1, permits: readonly OverloadPermit[]): OverloadPermit | undefined {
  const vehicle = record.vehicle;
  if (vehicle === undefined) return undefined;
  const key = plateKey(vehicle.plate);
  if (key === '') return undefined;
  const atMs = Date.parse(record.measuredAt);
  if (Number.isNaN(atMs)) return undefined;
  for (const permit of permits) {
    const p = prepared(permit);
    if (p.bareKey !== key) continue;
    if (p.colour !== undefined && p.colour !== vehicle.plateColor) continue;
    // NaN bounds (unparseable permit dates) fail both comparisons: such a permit never exempts.
    if (!(atMs >= p.fromMs && atMs <= p.toMs)) continue;
    if (permit.stationIds !== undefined && !permit.stationIds.includes(record.stationId)) continue;
    if (!(record.grossWeightKg <= permit.allowedGrossKg)) continue;
    return permit;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Judges one plausible record (run `checkPlausibility` first). Permits are consulted only when the record is over
 * the gross limit or a dimension limit: a permit has nothing to exempt otherwise.
 */
export function judgeWimRecord(
  record: WimRecordV1,
  station: StationProfile,
  permits: readonly OverloadPermit[],
  rules: OverloadRules = defaultOverloadRules,
): OverloadJudgement {
  const c = compiled(rules);
  const { limitKg, basis: limitBasis } = grossLimitFor(record, rules);
  const grossKg = record.grossWeightKg;
  const diffKg = grossKg - limitKg;
  const overLimit = diffKg > 0;
  const overLimitKg = overLimit ? diffKg : 0;
  const rawRatio = overLimit ? diffKg / limitKg : 0;
  const tolerance = toleranceFor(grossKg, station, rules);
  const enforceable = overLimitKg > tolerance.toleranceKg;
  const dimensionViolations = dimensionViolationsOf(record, rules);
  const hasDimension = dimensionViolations.length > 0;
  const permit =
    permits.length > 0 && (overLimit || hasDimension) ? matchingPermit(record, permits) : undefined;
  const permitted = permit !== undefined;
  const alertRequired =
    !permitted && (enforceable || (rules.alertOnDimensionViolation.value && hasDimension));
  const judgement: OverloadJudgement = {
    limitKg,
    limitBasis,
    overLimitKg,
    overLimit,
    overLimitRatio: Math.round(rawRatio * 10_000) / 10_000,
    // Banded on the unrounded ratio: rounding 0.10004 to 0.1 must not move a record into the ≤10 % band.
    band: bandIn(rawRatio, c.bands),
    hundredTonne: grossKg >= rules.hundredTonneKg.value,
    tolerance,
    enforceable,
    dimensionViolations,
    axleFindings: axleFindingsOf(record, rules),
    fine: estimateFine(overLimitKg, dimensionViolations, rules),
    permitted,
    alertRequired,
  };
  if (permit !== undefined) return { ...judgement, permitId: permit.permitId };
  return judgement;
}
