/**
 * Types of the overload (超限) judgement. Pure domain: no I/O, no AWS, no environment.
 */
import type { PlateColor, WimRecordV1 } from '../../contracts/wim-record.v1.ts';

/** JJG 907-2006 accuracy classes of in-motion road-vehicle scales used for 治超. */
export type AccuracyClass = 'class-2' | 'class-5' | 'class-10';

/** What the authority knows about a station; unknown stations get the configured default profile. */
export interface StationProfile {
  readonly stationId: string;
  readonly accuracyClass: AccuracyClass;
  readonly name?: string;
  readonly road?: string;
  readonly lat?: number;
  readonly lon?: number;
  /** True when the station is in the registry; false for the default profile of an unknown station. */
  readonly registered: boolean;
}

/** A 大件运输 (oversize/overweight transport) permit. */
export interface OverloadPermit {
  readonly permitId: string;
  readonly plate: string;
  readonly plateColor?: PlateColor;
  /** ISO 8601 with offset, inclusive. */
  readonly validFrom: string;
  /** ISO 8601 with offset, inclusive. */
  readonly validTo: string;
  readonly allowedGrossKg: number;
  /** Stations on the permitted route; absent = any station. */
  readonly stationIds?: readonly string[];
}

/** Bands of the over-limit ratio as Chinese 治超 platforms report them (upper bounds inclusive, last open). */
export type OverLimitBand = 'none' | '0-10' | '10-20' | '20-50' | '50-100' | '100+';

export interface LimitBasis {
  /** Stable id of the rule in the configuration, e.g. `gross.6-axle.combination`. */
  readonly ruleId: string;
  /** Plain-language statement, e.g. "6-axle combination: 49 000 kg". */
  readonly description: string;
  /** Legal source, e.g. "交通运输部令2016年第62号 第三条第（八）项". */
  readonly source: string;
  /** Where a fact was unknown and the permissive reading was taken, or a correction applied. */
  readonly assumptions: readonly string[];
}

export interface DimensionViolation {
  readonly dimension: 'height' | 'width' | 'length';
  readonly measuredM: number;
  readonly limitM: number;
  readonly overM: number;
  readonly source: string;
  /** Art. 43 fine range for this excess, yuan. */
  readonly fineRangeYuan: readonly [number, number];
}

/** Advisory only: axle-load limits are unconfirmed (domain-rules §A3), so they never trigger an alert. */
export interface AxleFinding {
  readonly kind: 'single-axle' | 'axle-group';
  /** 0-based indexes of the axles concerned, in driving order. */
  readonly axleIndexes: readonly number[];
  readonly loadKg: number;
  readonly limitKg: number;
  readonly overKg: number;
  readonly ruleId: string;
  readonly source: string;
}

export interface FineEstimate {
  /** Art. 43: a warning only when the excess is at most 1 000 kg. */
  readonly warningOnly: boolean;
  readonly weightFineYuan: number;
  readonly dimensionFineRangeYuan: readonly [number, number];
  /** Weight fine plus the upper end of the dimension range, capped at the Art. 43 maximum. */
  readonly totalEstimateYuan: number;
  readonly basis: string;
}

export interface ToleranceApplied {
  readonly toleranceKg: number;
  readonly ratio: number;
  readonly accuracyClass: AccuracyClass;
  readonly source: string;
}

export interface OverloadJudgement {
  readonly limitKg: number;
  readonly limitBasis: LimitBasis;
  /** grossWeightKg − limitKg when positive, else 0. */
  readonly overLimitKg: number;
  /** Strictly above the limit. */
  readonly overLimit: boolean;
  /** overLimitKg / limitKg, rounded to 4 decimals (0.1224 = 12.24 %); 0 when not over. */
  readonly overLimitRatio: number;
  readonly band: OverLimitBand;
  /** 百吨王: gross weight at or above the configured threshold (100 t). */
  readonly hundredTonne: boolean;
  readonly tolerance: ToleranceApplied;
  /** Over the limit by more than the measurement tolerance. */
  readonly enforceable: boolean;
  readonly dimensionViolations: readonly DimensionViolation[];
  readonly axleFindings: readonly AxleFinding[];
  readonly fine: FineEstimate;
  /** The permit that exempts this record, if any. */
  readonly permitId?: string;
  readonly permitted: boolean;
  /** An enforcement alert is owed: enforceable weight or dimension excess, and no permit. */
  readonly alertRequired: boolean;
}

/** One reason a record is implausible; the record is dead-lettered with every issue found. */
export interface PlausibilityIssue {
  readonly code:
    | 'axle-count'
    | 'axle-weight'
    | 'gross-weight'
    | 'axle-sum'
    | 'speed'
    | 'measured-in-future'
    | 'measured-too-old'
    | 'axle-spacing'
    | 'station-mismatch';
  readonly message: string;
}

export type { WimRecordV1 };
