/**
 * The one configuration of the overload (超限) judgement. Every threshold carries its source and a confidence tag
 * (see docs/overload-rules.md and /work/shared/reference/domain-rules.md §A):
 *   P = primary legal/normative text, S = secondary source, D = derived by arithmetic or a documented policy decision,
 *   U = not confirmed in any source: a placeholder that must stay configurable.
 *
 * Override with `defineOverloadRules({ ... })`, never by mutating `defaultOverloadRules` (it is deep-frozen).
 */
import type { AccuracyClass, OverLimitBand } from './types.ts';
import { type Confidence, type DeepPartial, deepFreeze, deepMerge, type Sourced } from '../configuration.ts';

export type { Confidence, DeepPartial, Sourced };


export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface GrossLimitRule {
  /** Stable id reported in `LimitBasis.ruleId`. */
  readonly ruleId: string;
  readonly limitKg: number;
  readonly description: string;
  readonly source: string;
  readonly confidence: Confidence;
}

export interface GrossLimitRules {
  readonly twoAxle: GrossLimitRule;
  readonly threeAxleTruck: GrossLimitRule;
  readonly threeAxleCombination: GrossLimitRule;
  readonly fourAxleTruck: GrossLimitRule;
  readonly fourAxleCombination: GrossLimitRule;
  readonly fourAxleCentreAxleTrailer: GrossLimitRule;
  readonly fourAxleArticulatedAirSuspension: GrossLimitRule;
  readonly fiveAxle: GrossLimitRule;
  readonly sixOrMoreAxle: GrossLimitRule;
  readonly sixOrMoreAxleSingleDriveAxle: GrossLimitRule;
  /** Added to the 3- and 4-axle TRUCK limit when the record says the drive axle has dual tyres and air suspension. */
  readonly airSuspensionTruckBonusKg: Sourced<number>;
  /**
   * Minimum spacing of the semi-trailer's two axles for the 37 t articulated case. Detected from `axles[].spacingM`
   * as the spacing between the 3rd and 4th axle, accepted only when it is shorter than the 2nd→3rd spacing
   * (the coupling gap), i.e. when the last two axles really are the semi-trailer's pair (1+1+2 layout).
   */
  readonly articulatedMinSemiTrailerAxleSpacingM: Sourced<number>;
  /** Subtracted per non-drive axle with single tyres each side, when the record reports such axles. */
  readonly singleTyreReductionKg: Sourced<number>;
}

/** Art. 43 dimension fine bands of one dimension: ≤ lowMaxM → low range, ≤ midMaxM → mid range, above → high. */
export interface DimensionFineBands {
  readonly lowMaxM: number;
  readonly midMaxM: number;
}

export interface DimensionRules {
  readonly heightM: Sourced<number>;
  readonly widthM: Sourced<number>;
  readonly lengthM: Sourced<number>;
  /** Measurement tolerance per dimension, metres: a violation needs measured > limit + tolerance. */
  readonly toleranceM: Sourced<{ readonly height: number; readonly width: number; readonly length: number }>;
  readonly fineBands: Sourced<{
    readonly height: DimensionFineBands;
    readonly width: DimensionFineBands;
    readonly length: DimensionFineBands;
    readonly lowRangeYuan: readonly [number, number];
    readonly midRangeYuan: readonly [number, number];
    readonly highRangeYuan: readonly [number, number];
  }>;
}

export interface ToleranceRules {
  /** Percent of the measured gross weight, per JJG 907 accuracy class. */
  readonly percentByClass: { readonly [C in AccuracyClass]: Sourced<number> };
  /** Class assumed for a station that is not in the registry. */
  readonly defaultAccuracyClass: Sourced<AccuracyClass>;
}

export interface BandBoundary {
  readonly band: Exclude<OverLimitBand, 'none' | '100+'>;
  /** Upper bound of the band as a ratio (0.1 = 10 %). */
  readonly upToRatio: number;
  /** Whether a ratio equal to `upToRatio` still belongs to this band. */
  readonly inclusive: boolean;
}

export type TonneRounding = 'ceil' | 'floor' | 'round';

export interface FineRules {
  /** Excess at or below this is a warning only (予以警告). */
  readonly warningMaxKg: Sourced<number>;
  readonly yuanPerTonne: Sourced<number>;
  /** Cap on the cumulated fine, weight plus dimension. */
  readonly capYuan: Sourced<number>;
  /** How the excess in tonnes (overLimitKg / 1000) is rounded before multiplying. */
  readonly tonneRounding: Sourced<TonneRounding>;
  /** true: count the excess from 0 kg (1 500 kg → 2 t); false: count only the part above the warning threshold. */
  readonly countFirstTonne: Sourced<boolean>;
}

export interface AxleSpacingBracket {
  /** Upper bound of the spacing, metres. */
  readonly upToM: number;
  readonly upperInclusive: boolean;
  readonly limitKg: number;
}

export interface AxleAdvisoryRules {
  /** Advisory findings never raise an alert; disable to skip the computation entirely. */
  readonly enabled: boolean;
  /** Consecutive axles closer than this (strictly) form a group; an absent spacing ends a group. */
  readonly groupMaxSpacingM: Sourced<number>;
  /** First axle when it is not part of a group (steer axle). */
  readonly steerAxleKg: Sourced<number>;
  /** Any other axle not part of a group. */
  readonly singleAxleKg: Sourced<number>;
  /** Tandem by its spacing; a spacing above the last bracket uses the last bracket's limit. */
  readonly tandemKg: Sourced<readonly AxleSpacingBracket[]>;
  /** Tandem limit in the widest bracket when the record says the drive axle has air suspension. */
  readonly tandemAirSuspensionKg: Sourced<number>;
  /** Tridem by the largest spacing inside it. */
  readonly tridemKg: Sourced<readonly AxleSpacingBracket[]>;
}

export interface PlausibilityRules {
  readonly axleCount: Sourced<Range>;
  readonly axleWeightKg: Sourced<Range>;
  readonly grossWeightKg: Sourced<Range>;
  /** |Σ axles − gross| must not exceed max(ratio × gross, minKg). */
  readonly axleSumTolerance: Sourced<{ readonly ratio: number; readonly minKg: number }>;
  readonly speedKmh: Sourced<Range>;
  readonly maxFutureS: Sourced<number>;
  readonly maxAgeS: Sourced<number>;
  readonly axleSpacingM: Sourced<Range>;
}

export interface StatisticsRules {
  readonly over80tKg: Sourced<number>;
  readonly over90tKg: Sourced<number>;
}

export interface OverloadRules {
  readonly gross: GrossLimitRules;
  readonly dimensions: DimensionRules;
  readonly tolerance: ToleranceRules;
  readonly bands: Sourced<readonly BandBoundary[]>;
  /** 百吨王: gross weight at or above this. */
  readonly hundredTonneKg: Sourced<number>;
  readonly fine: FineRules;
  readonly axleAdvisory: AxleAdvisoryRules;
  readonly plausibility: PlausibilityRules;
  readonly statistics: StatisticsRules;
  /** Whether a dimension excess alone (no weight excess) raises an enforcement alert. */
  readonly alertOnDimensionViolation: Sourced<boolean>;
}

const DECREE_62 = '交通运输部令2016年第62号《超限运输车辆行驶公路管理规定》';
const ART3 = (item: string): string => `${DECREE_62} 第三条第（${item}）项`;
const ART3_2 = `${DECREE_62} 第三条第二款`;
const ART43 = `${DECREE_62} 第四十三条`;
const STD_2016 = '2016年《公路货运车辆超限超载认定标准》（交通运输部、公安部）';
const GB1589 = 'GB 1589-2016《汽车、挂车及汽车列车外廓尺寸、轴荷及质量限值》';
const GB1589_AXLE = `${GB1589} §4.2 (commonly quoted values, not verified against the standard text)`;
const JJG907 = 'JJG 907-2006《动态公路车辆自动衡器》';
const PLATFORM = 'provincial 治超 platform practice (Zhejiang monthly report / data tables, domain-rules §A6)';
const QIONGJIAN = 'Qiongjian engineering decision (no legal source)';

export const defaultOverloadRules: OverloadRules = deepFreeze<OverloadRules>({
  gross: {
    twoAxle: {
      ruleId: 'gross.2-axle',
      limitKg: 18_000,
      description: '2-axle goods vehicle',
      source: ART3('四'),
      confidence: 'P',
    },
    threeAxleTruck: {
      ruleId: 'gross.3-axle.truck',
      limitKg: 25_000,
      description: '3-axle goods vehicle (truck)',
      source: ART3('五'),
      confidence: 'P',
    },
    threeAxleCombination: {
      ruleId: 'gross.3-axle.combination',
      limitKg: 27_000,
      description: '3-axle combination (汽车列车)',
      source: ART3('五'),
      confidence: 'P',
    },
    fourAxleTruck: {
      ruleId: 'gross.4-axle.truck',
      limitKg: 31_000,
      description: '4-axle goods vehicle (truck)',
      source: ART3('六'),
      confidence: 'P',
    },
    fourAxleCombination: {
      ruleId: 'gross.4-axle.combination',
      limitKg: 36_000,
      description: '4-axle combination (汽车列车)',
      source: ART3('六'),
      confidence: 'P',
    },
    fourAxleCentreAxleTrailer: {
      ruleId: 'gross.4-axle.centre-axle-trailer',
      limitKg: 35_000,
      description: '4-axle centre-axle trailer train (3-axle truck + 1-axle trailer)',
      source: `${STD_2016} 表; ${GB1589} (25 t + 10 t)`,
      confidence: 'S',
    },
    fourAxleArticulatedAirSuspension: {
      ruleId: 'gross.4-axle.articulated-air-suspension',
      limitKg: 37_000,
      description: '4-axle articulated combination, dual-tyre air-suspended drive axle, semi-trailer axle spacing ≥ 1.8 m',
      source: `${STD_2016} 注4; ${GB1589}`,
      confidence: 'S',
    },
    fiveAxle: {
      ruleId: 'gross.5-axle',
      limitKg: 43_000,
      description: '5-axle combination',
      source: ART3('七'),
      confidence: 'P',
    },
    sixOrMoreAxle: {
      ruleId: 'gross.6-plus-axle',
      limitKg: 49_000,
      description: '6-or-more-axle combination',
      source: ART3('八'),
      confidence: 'P',
    },
    sixOrMoreAxleSingleDriveAxle: {
      ruleId: 'gross.6-plus-axle.single-drive-axle',
      limitKg: 46_000,
      description: '6-or-more-axle combination whose tractor has a single drive axle',
      source: ART3('八'),
      confidence: 'P',
    },
    airSuspensionTruckBonusKg: {
      value: 1_000,
      source: `${STD_2016} 注4; ${GB1589}`,
      confidence: 'S',
    },
    articulatedMinSemiTrailerAxleSpacingM: {
      value: 1.8,
      source: `${STD_2016} 注4 (d ≥ 1 800 mm); ${GB1589}`,
      confidence: 'S',
      note: 'Detected as axles[3].spacingM ≥ value and < axles[2].spacingM (1+1+2 layout); not applied when absent.',
    },
    singleTyreReductionKg: {
      value: 3_000,
      source: `${ART3_2}; ${STD_2016} 注2`,
      confidence: 'P',
      note: 'Applied per axle reported in vehicle.singleTyreNonDriveAxles; stations must not count wide-base tyres.',
    },
  },
  dimensions: {
    heightM: { value: 4, source: ART3('一'), confidence: 'P' },
    widthM: { value: 2.55, source: ART3('二'), confidence: 'P' },
    lengthM: { value: 18.1, source: ART3('三'), confidence: 'P' },
    toleranceM: {
      value: { height: 0, width: 0, length: 0 },
      source: QIONGJIAN,
      confidence: 'U',
      note: 'No published measurement tolerance for profilers was found; set per deployment once devices are verified.',
    },
    fineBands: {
      value: {
        height: { lowMaxM: 4.2, midMaxM: 4.5 },
        width: { lowMaxM: 3, midMaxM: 3.75 },
        length: { lowMaxM: 20, midMaxM: 28 },
        lowRangeYuan: [0, 200],
        midRangeYuan: [200, 1_000],
        highRangeYuan: [1_000, 3_000],
      },
      source: `${ART43} 第（一）–（三）项`,
      confidence: 'P',
    },
  },
  tolerance: {
    percentByClass: {
      'class-2': { value: 2, source: `${JJG907} (by analogy with class 5)`, confidence: 'U' },
      'class-5': { value: 5, source: `${JJG907}: class 5 in-service MPE ±5 %`, confidence: 'S' },
      'class-10': { value: 10, source: `${JJG907} (by analogy with class 5)`, confidence: 'U' },
    },
    defaultAccuracyClass: {
      value: 'class-5',
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Class 5 is the class with a sourced MPE and the most common in 非现场执法.',
    },
  },
  bands: {
    value: [
      { band: '0-10', upToRatio: 0.1, inclusive: true },
      { band: '10-20', upToRatio: 0.2, inclusive: true },
      { band: '20-50', upToRatio: 0.5, inclusive: true },
      { band: '50-100', upToRatio: 1, inclusive: false },
    ],
    source: PLATFORM,
    confidence: 'S',
    note: 'Upper bounds inclusive so that "excluding the ≤10 % band" drops exactly 10.00 %; 100 % itself is 100+.',
  },
  hundredTonneKg: { value: 100_000, source: `${PLATFORM}: total_weight >= 100 (t)`, confidence: 'S' },
  fine: {
    warningMaxKg: { value: 1_000, source: ART43, confidence: 'P' },
    yuanPerTonne: { value: 500, source: ART43, confidence: 'P' },
    capYuan: { value: 30_000, source: ART43, confidence: 'P' },
    tonneRounding: {
      value: 'ceil',
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Art. 43 "每超1000千克罚款500元" is silent on fractions; provinces differ. ceil: every started tonne.',
    },
    countFirstTonne: {
      value: true,
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Reading "over 1 000 kg → 500 yuan per 1 000 kg of the whole excess"; false counts only the excess above 1 000 kg.',
    },
  },
  axleAdvisory: {
    enabled: true,
    groupMaxSpacingM: {
      value: 1.8,
      source: `${GB1589_AXLE}; ${STD_2016} 注4`,
      confidence: 'U',
      note: 'Tandem brackets end at 1.8 m and the 37 t rule treats semi-trailer axles ≥ 1.8 m apart as separate.',
    },
    steerAxleKg: {
      value: 10_000,
      source: GB1589_AXLE,
      confidence: 'U',
      note: '7 000 kg with single tyres, 10 000 kg with wide-base tyres; the record has no tyre data → permissive.',
    },
    singleAxleKg: {
      value: 11_500,
      source: GB1589_AXLE,
      confidence: 'U',
      note: 'Drive axle dual tyres (the highest single-axle value); 10 000 kg for non-drive axles is not distinguishable.',
    },
    tandemKg: {
      value: [
        { upToM: 1, upperInclusive: false, limitKg: 11_500 },
        { upToM: 1.3, upperInclusive: false, limitKg: 16_000 },
        { upToM: 1.8, upperInclusive: false, limitKg: 18_000 },
      ],
      source: GB1589_AXLE,
      confidence: 'U',
    },
    tandemAirSuspensionKg: {
      value: 19_000,
      source: GB1589_AXLE,
      confidence: 'U',
      note: 'Drive tandem with air suspension; applied to any tandem when the record says driveAxleAirSuspension.',
    },
    tridemKg: {
      value: [
        { upToM: 1.3, upperInclusive: true, limitKg: 21_000 },
        { upToM: 1.4, upperInclusive: true, limitKg: 24_000 },
      ],
      source: GB1589_AXLE,
      confidence: 'U',
    },
  },
  plausibility: {
    axleCount: { value: { min: 2, max: 12 }, source: QIONGJIAN, confidence: 'U' },
    axleWeightKg: { value: { min: 200, max: 40_000 }, source: QIONGJIAN, confidence: 'U' },
    grossWeightKg: { value: { min: 1_000, max: 200_000 }, source: QIONGJIAN, confidence: 'U' },
    axleSumTolerance: {
      value: { ratio: 0.02, minKg: 300 },
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Stations round axle and gross weights separately; 2 % or 300 kg absorbs that and flags broken sums.',
    },
    speedKmh: {
      value: { min: 1, max: 200 },
      source: QIONGJIAN,
      confidence: 'U',
      note: 'In-motion weighing of a stopped vehicle (0 km/h) is invalid; LS-WIM crawls at ≥ 3 km/h.',
    },
    maxFutureS: { value: 300, source: QIONGJIAN, confidence: 'U', note: 'Station clock skew allowance.' },
    maxAgeS: {
      value: 7 * 24 * 3600,
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Stations buffer offline for days; older records are dead-lettered for manual handling.',
    },
    axleSpacingM: { value: { min: 0.5, max: 20 }, source: QIONGJIAN, confidence: 'U' },
  },
  statistics: {
    over80tKg: { value: 80_000, source: `${PLATFORM}: 80 t+ list`, confidence: 'S' },
    over90tKg: { value: 90_000, source: `${PLATFORM}: 90 t+ list`, confidence: 'S' },
  },
  alertOnDimensionViolation: {
    value: true,
    source: `${ART3('一')}–（三）: a dimension excess alone makes the vehicle 超限`,
    confidence: 'D',
  },
});

/**
 * Builds a frozen configuration from the defaults and a partial override. Arrays are replaced whole.
 * Sources must be overridden together with values: an override without a new `source` keeps the old citation.
 */
export function defineOverloadRules(
  override: DeepPartial<OverloadRules>,
  base: OverloadRules = defaultOverloadRules,
): OverloadRules {
  return deepFreeze(deepMerge(base, override) as OverloadRules);
}
