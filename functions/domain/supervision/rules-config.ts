/**
 * The one configuration of the dynamic-supervision rules (两客一危一货). Every threshold carries its source and a
 * confidence tag (see docs/supervision-rules.md and /work/shared/reference/domain-rules.md §C):
 *   P = primary legal/normative text, S = secondary source or platform practice, D = derived by arithmetic or a
 *   documented policy decision, U = not confirmed in any source: a placeholder that must stay configurable.
 *   (Terminal alarm bit numbers are P-impl: confirmed from open-source JT/T 808 implementations; tagged 'P' here
 *   with the implementation named in the source.)
 *
 * Override with `defineSupervisionRules({ ... })`, never by mutating `defaultSupervisionRules` (it is deep-frozen).
 * Times of day are local (Asia/Shanghai, fixed +08:00: no daylight saving since 1991), written 'HH:MM'.
 */
import type { LonLat } from './hainan-geography.ts';
import { g98Ring, g9811, hazmatRestrictedAreas } from './hainan-geography.ts';
import type { SpeedingBand } from './types.ts';
import { type Confidence, type DeepPartial, deepFreeze, deepMerge, type Sourced } from '../configuration.ts';

export type { Confidence, DeepPartial, Sourced };


export type RoadClass = 'expressway' | 'ordinary';
export const roadClasses = ['expressway', 'ordinary'] as const satisfies readonly RoadClass[];

/** The categories with their own speed-limit rows (= the supervised categories, 两客一危一货). */
export type SpeedCategory = 'coach' | 'charter' | 'hazmat' | 'heavy-truck' | 'tractor';
export const speedCategories = ['coach', 'charter', 'hazmat', 'heavy-truck', 'tractor'] as const satisfies readonly SpeedCategory[];

/** 'HH:MM' local time; `from` inclusive, `to` exclusive. from > to crosses midnight; from === to is the whole day. */
export interface TimeWindow {
  readonly from: string;
  readonly to: string;
}

export interface SpeedLimitRule {
  /** Stable id reported in `Violation.basis.ruleId`. */
  readonly ruleId: string;
  readonly limitKmh: number;
  readonly source: string;
  readonly confidence: Confidence;
  readonly note?: string;
}

export type ZoneShape =
  | { readonly type: 'polygon'; readonly ring: readonly LonLat[] }
  | { readonly type: 'corridor'; readonly line: readonly LonLat[]; readonly halfWidthM: number };

export type ZoneKind = 'road-class' | 'speed-limit' | 'hazmat-restricted';

export interface Zone {
  readonly zoneId: string;
  readonly name: string;
  /**
   * road-class: inside = the road class given by `roadClass` (and `speedLimitKmh`, if set, is a posted cap);
   * speed-limit: inside = the posted limit `speedLimitKmh` applies (the lower of it and the rule limit);
   * hazmat-restricted: a hazardous-goods vehicle inside while the zone is active is a violation.
   */
  readonly kind: ZoneKind;
  readonly shape: ZoneShape;
  readonly roadClass?: 'expressway';
  readonly speedLimitKmh?: number;
  /** Local times when the zone applies; absent = always. */
  readonly timeWindows?: readonly TimeWindow[];
  readonly source: string;
  readonly confidence?: Confidence;
}

export interface BandBoundary {
  readonly band: SpeedingBand;
  /** The band holds over-ratios (excess / limit) strictly below this; absent = no upper bound (last band). */
  readonly belowRatio?: number;
}

export interface AlarmBitRule {
  readonly bit: number;
  readonly name: string;
  /** Whether a rising edge of this bit is returned as a TerminalAlarmEvent. */
  readonly recorded: boolean;
  readonly source: string;
  readonly confidence: Confidence;
}

export interface SpeedingRules {
  /** An episode counts when the first and the last over-limit report are at least this far apart (60 s counts). */
  readonly minDurationS: Sourced<number>;
  /** Over the limit means speed > limit + tolerance. */
  readonly toleranceKmh: Sourced<number>;
  /** Reports faster than this are GPS spikes: ignored by every rule (alarm bits still read). */
  readonly maxPlausibleSpeedKmh: Sourced<number>;
  /** A position implying a faster jump from the last accepted report is a spike (ignored, see maxConsecutiveSpikes). */
  readonly maxJumpSpeedKmh: Sourced<number>;
  /** After this many consecutive position spikes the next report is accepted as the new anchor (the old one was wrong). */
  readonly maxConsecutiveSpikes: Sourced<number>;
  /** Two accepted reports further apart than this end an episode (no continuity is proven across the gap). */
  readonly maxReportGapS: Sourced<number>;
  readonly bands: Sourced<readonly BandBoundary[]>;
  /** Coaches and charter at night: limit × ratio (rounded to 0.1 km/h). */
  readonly nightFactor: Sourced<{ readonly ratio: number; readonly categories: readonly SpeedCategory[] }>;
}

export interface FatigueRules {
  /** Continuous driving strictly above this without a qualifying rest is a violation (exactly 4 h is not). */
  readonly continuousMaxS: Sourced<number>;
  /** A stop of at least this long ends a continuous-driving block (20 min counts). */
  readonly minRestS: Sourced<number>;
  /** Driving inside the night window, within one continuous block, strictly above this (coach/charter). */
  readonly nightContinuousMaxS: Sourced<number>;
  readonly nightContinuousCategories: Sourced<readonly SpeedCategory[]>;
  /** Driving per local calendar day strictly above this (coach/charter). */
  readonly dailyMaxS: Sourced<number>;
  readonly dailyCategories: Sourced<readonly SpeedCategory[]>;
  /** How a "day" is delimited for dailyMaxS. Only 'calendar-day' is implemented. */
  readonly dayBoundary: Sourced<'calendar-day'>;
  /** A report at or above this speed means the vehicle is moving (driving). */
  readonly movingMinSpeedKmh: Sourced<number>;
  /** Reports further apart than this: the interval is judged by displacement / time against movingMinSpeedKmh. */
  readonly maxReportGapS: Sourced<number>;
  /** Per-vehicle bound on tracked drivers (oldest dropped beyond it). */
  readonly maxTrackedDrivers: Sourced<number>;
}

export interface NightCoachRules {
  /** nightRestricted vehicles moving (report speed ≥ fatigue.movingMinSpeedKmh) inside this window. */
  readonly window: Sourced<TimeWindow>;
}

export interface WatermarkRules {
  /** Reports more than this behind the newest report seen for the vehicle are late (returned, never applied). */
  readonly allowedLatenessS: Sourced<number>;
  /** Bound on reports waiting for the watermark; beyond it the oldest are applied regardless (documented). */
  readonly maxPendingReports: Sourced<number>;
  /** How many recently applied (seq, tsMs) keys are remembered to count late duplicates as duplicates. */
  readonly dedupeMemory: Sourced<number>;
}

export interface SilentTerminalRules {
  /** A supervised in-service vehicle whose newest report is older than this (strictly) is silent. */
  readonly thresholdS: Sourced<number>;
  /** After an MQTT disconnect lifecycle event, re-check after this delay (used by the lifecycle handler). */
  readonly disconnectRecheckDelayS: Sourced<number>;
  /**
   * A vehicle whose newest report says ignition off is parked, not in service: many terminals sleep or power down
   * then, so its silence is no violation. Off: every silence counts.
   */
  readonly parkedWithIgnitionOffIsOutOfService: Sourced<boolean>;
}

export interface SupervisionRules {
  /** Rule limit by category and road class; the lower of it and a posted limit (speed-limit zone) applies. */
  readonly speedLimits: { readonly [C in SpeedCategory]: { readonly [R in RoadClass]: SpeedLimitRule } };
  /** Night for the coach speed factor and the night continuous-driving rule. */
  readonly nightWindow: Sourced<TimeWindow>;
  /** Local time = UTC + this (Asia/Shanghai, no DST since 1991). */
  readonly utcOffsetMinutes: Sourced<number>;
  readonly speeding: SpeedingRules;
  readonly fatigue: FatigueRules;
  readonly nightCoach: NightCoachRules;
  readonly zones: readonly Zone[];
  readonly watermark: WatermarkRules;
  readonly silentTerminal: SilentTerminalRules;
  /** JT/T 808 0x0200 alarm bits, which rising edges are recorded. */
  readonly terminalAlarms: readonly AlarmBitRule[];
  /** Extra evidence reports kept per violation besides first / peak / last (sampled evenly). */
  readonly evidenceSamples: Sourced<number>;
}

const REGULATION_78 = '《道路交通安全法实施条例》第七十八条 (高速公路: 其他机动车 ≤ 100 km/h)';
const REGULATION_45 = '《道路交通安全法实施条例》第四十五条 (无限速标志: 同方向只有1条机动车道的道路, 公路 70 km/h)';
const HAZMAT_46 = '《危险货物道路运输安全管理办法》(交通运输部令2019年第29号) 第四十六条';
const HAZMAT_49 = '《危险货物道路运输安全管理办法》(交通运输部令2019年第29号) 第四十九条 (公安机关划定的限行区域)';
const REGULATION_62 = '《道路交通安全法实施条例》第六十二条第（七）项';
const DYNAMIC_SUPERVISION_QA =
  '《道路运输车辆动态监督管理办法》as quoted by 渝交规〔2023〕5号 Q&A and platform alarm help text (domain-rules §C2–C3)';
const PASSENGER_SAFETY_38 = '《道路旅客运输企业安全管理规范》第三十八条 (as quoted, domain-rules §C2)';
const POINTS = '《道路交通安全违法行为记分管理办法》第八条至第十二条 (超速比例分档)';
const PLATFORM = 'provincial monitoring-platform practice (platform code, domain-rules §C4–C5)';
const JT808 = 'JT/T 808 0x0200 报警标志位 (SmallChi/JT808 JT808Alarm.cs, domain-rules §C6)';
const QIONGJIAN = 'Qiongjian engineering decision (no legal source)';

function expresswayRule(category: SpeedCategory): SpeedLimitRule {
  return { ruleId: `speed.${category}.expressway`, limitKmh: 100, source: REGULATION_78, confidence: 'P' };
}

function ordinaryRule(category: SpeedCategory): SpeedLimitRule {
  return {
    ruleId: `speed.${category}.ordinary`,
    limitKmh: 70,
    source: REGULATION_45,
    confidence: 'U',
    note:
      'Art. 45 gives 70 km/h for a highway with one motor lane each way and no signs; roads with a centre line, ' +
      'more lanes or posted signs differ. Without a road map the default is this value; posted limits are ' +
      'configured as speed-limit zones (the lower applies).',
  };
}

const HALF_WIDTH_NOTE =
  'Polylines of hainan-geography.ts are good to a few hundred metres: 500 m each side catches the carriageway; ' +
  'ordinary roads closer than that to the traced line are read as expressway (a permissive error for trucks).';

export const defaultSupervisionRules: SupervisionRules = deepFreeze<SupervisionRules>({
  speedLimits: {
    coach: { expressway: expresswayRule('coach'), ordinary: ordinaryRule('coach') },
    charter: { expressway: expresswayRule('charter'), ordinary: ordinaryRule('charter') },
    'heavy-truck': { expressway: expresswayRule('heavy-truck'), ordinary: ordinaryRule('heavy-truck') },
    tractor: { expressway: expresswayRule('tractor'), ordinary: ordinaryRule('tractor') },
    hazmat: {
      expressway: { ruleId: 'speed.hazmat.expressway', limitKmh: 80, source: HAZMAT_46, confidence: 'P' },
      ordinary: { ruleId: 'speed.hazmat.ordinary', limitKmh: 60, source: HAZMAT_46, confidence: 'P' },
    },
  },
  nightWindow: {
    value: { from: '22:00', to: '06:00' },
    source: 'platforms and secondary sites (domain-rules §C2, §F item 5)',
    confidence: 'U',
    note: 'Not found in primary text; configurable.',
  },
  utcOffsetMinutes: { value: 480, source: 'Asia/Shanghai (UTC+8, no DST since 1991); JT/T 808 time is GMT+8', confidence: 'P' },
  speeding: {
    minDurationS: {
      value: 60,
      source: `${PLATFORM}: alarm validity filter duration ≥ 60 s`,
      confidence: 'S',
      note: 'Duration = last over-limit report − first over-limit report (observed, not extrapolated); 60 s counts.',
    },
    toleranceKmh: {
      value: 0,
      source: QIONGJIAN,
      confidence: 'U',
      note: 'No tolerance found in the sources; JT/T 794 terminals are accurate to 2 m/s (7.2 km/h) at worst.',
    },
    maxPlausibleSpeedKmh: {
      value: 160,
      source: `${QIONGJIAN}; platform practice drops > 140 km/h (domain-rules §C4, [S])`,
      confidence: 'U',
    },
    maxJumpSpeedKmh: { value: 200, source: QIONGJIAN, confidence: 'U', note: 'Drift threshold not found (§F item 5).' },
    maxConsecutiveSpikes: {
      value: 3,
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Without it a wrong first fix would make every later report a "jump" forever.',
    },
    maxReportGapS: {
      value: 120,
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Over-limit reports further apart than this are not one continuous episode.',
    },
    bands: {
      value: [
        { band: '<10', belowRatio: 0.1 },
        { band: '10-20', belowRatio: 0.2 },
        { band: '20-50', belowRatio: 0.5 },
        { band: '>=50' },
      ],
      source: `${POINTS}; platform levels 3/2/1 (<10 %, 10–<20 %, 20–<50 %)`,
      confidence: 'P',
      note: 'By the peak over-ratio (peak − limit) / limit; lower bounds inclusive ("10 % – < 20 %").',
    },
    nightFactor: {
      value: { ratio: 0.8, categories: ['coach', 'charter'] },
      source: DYNAMIC_SUPERVISION_QA,
      confidence: 'S',
      note: 'Applied to the lower of the rule and the posted limit (the "daytime limit").',
    },
  },
  fatigue: {
    continuousMaxS: { value: 4 * 3600, source: REGULATION_62, confidence: 'P' },
    minRestS: { value: 20 * 60, source: REGULATION_62, confidence: 'P' },
    nightContinuousMaxS: { value: 2 * 3600, source: DYNAMIC_SUPERVISION_QA, confidence: 'S' },
    nightContinuousCategories: { value: ['coach', 'charter'], source: DYNAMIC_SUPERVISION_QA, confidence: 'S' },
    dailyMaxS: { value: 8 * 3600, source: DYNAMIC_SUPERVISION_QA, confidence: 'S' },
    dailyCategories: { value: ['coach', 'charter'], source: DYNAMIC_SUPERVISION_QA, confidence: 'S' },
    dayBoundary: {
      value: 'calendar-day',
      source: QIONGJIAN,
      confidence: 'U',
      note: '"24 h cumulative" read as the Asia/Shanghai calendar day; a rolling 24 h window is the alternative.',
    },
    movingMinSpeedKmh: { value: 5, source: QIONGJIAN, confidence: 'U', note: 'Below it, GPS drift of a parked vehicle.' },
    maxReportGapS: { value: 300, source: QIONGJIAN, confidence: 'U' },
    maxTrackedDrivers: { value: 16, source: QIONGJIAN, confidence: 'U' },
  },
  nightCoach: {
    window: {
      value: { from: '02:00', to: '05:00' },
      source: PASSENGER_SAFETY_38,
      confidence: 'S',
      note: '02:00 inclusive, 05:00 exclusive. Exempt lines are registered with nightRestricted = false.',
    },
  },
  zones: [
    {
      zoneId: 'G98',
      name: g98Ring.name,
      kind: 'road-class',
      roadClass: 'expressway',
      shape: { type: 'corridor', line: g98Ring.points, halfWidthM: 500 },
      source: `hainan-geography.ts (traced); half width ${HALF_WIDTH_NOTE}`,
      confidence: 'U',
    },
    {
      zoneId: 'G9811',
      name: g9811.name,
      kind: 'road-class',
      roadClass: 'expressway',
      shape: { type: 'corridor', line: g9811.points, halfWidthM: 500 },
      source: `hainan-geography.ts (traced); half width ${HALF_WIDTH_NOTE}`,
      confidence: 'U',
    },
    {
      zoneId: 'HZ-HAIKOU-OLDTOWN',
      name: '海口 骑楼老街 (城区限行)',
      kind: 'hazmat-restricted',
      shape: { type: 'polygon', ring: hazmatRestrictedAreas.haikouOldTown },
      timeWindows: [{ from: '07:00', to: '22:00' }],
      source: `${HAZMAT_49} (city centre); polygon and hours illustrative`,
      confidence: 'U',
    },
    {
      zoneId: 'HZ-SONGTAO',
      name: '松涛水库 (饮用水水源保护区)',
      kind: 'hazmat-restricted',
      shape: { type: 'polygon', ring: hazmatRestrictedAreas.songtaoReservoir },
      source: `${HAZMAT_49} (drinking-water source); polygon illustrative`,
      confidence: 'U',
    },
    {
      zoneId: 'HZ-SANYA-CENTRE',
      name: '三亚 市中心',
      kind: 'hazmat-restricted',
      shape: { type: 'polygon', ring: hazmatRestrictedAreas.sanyaCentre },
      source: `${HAZMAT_49} (city centre); polygon illustrative`,
      confidence: 'U',
    },
  ],
  watermark: {
    allowedLatenessS: {
      value: 300,
      source: QIONGJIAN,
      confidence: 'U',
      note: 'Covers MQTT retries and short dead zones; longer 0x0704 blind-area re-uploads arrive late and are returned.',
    },
    maxPendingReports: { value: 2_000, source: QIONGJIAN, confidence: 'U' },
    dedupeMemory: { value: 512, source: QIONGJIAN, confidence: 'U' },
  },
  silentTerminal: {
    thresholdS: { value: 1_800, source: `${PLATFORM}: gap ≥ 1 800 s rules`, confidence: 'S' },
    disconnectRecheckDelayS: { value: 120, source: QIONGJIAN, confidence: 'U' },
    parkedWithIgnitionOffIsOutOfService: {
      value: true,
      source: `${QIONGJIAN}: "in service" read as "not parked with the ignition off" (JT/T 808 terminals may sleep when parked)`,
      confidence: 'U',
    },
  },
  terminalAlarms: [
    { bit: 0, name: 'sos', recorded: true, source: JT808, confidence: 'P' },
    { bit: 1, name: 'overspeed', recorded: true, source: JT808, confidence: 'P' },
    { bit: 2, name: 'fatigue', recorded: true, source: JT808, confidence: 'P' },
    { bit: 13, name: 'overspeed-prewarning', recorded: true, source: JT808, confidence: 'P' },
    { bit: 14, name: 'fatigue-prewarning', recorded: true, source: JT808, confidence: 'P' },
    { bit: 18, name: 'daily-driving-exceeded', recorded: true, source: JT808, confidence: 'P' },
    { bit: 20, name: 'area-in-out', recorded: true, source: JT808, confidence: 'P' },
    { bit: 21, name: 'route-in-out', recorded: true, source: JT808, confidence: 'P' },
  ],
  evidenceSamples: { value: 8, source: QIONGJIAN, confidence: 'U' },
});

/**
 * Builds a frozen configuration from the defaults and a partial override. Arrays are replaced whole.
 * Sources must be overridden together with values: an override without a new `source` keeps the old citation.
 */
export function defineSupervisionRules(
  override: DeepPartial<SupervisionRules>,
  base: SupervisionRules = defaultSupervisionRules,
): SupervisionRules {
  return deepFreeze(deepMerge(base, override) as SupervisionRules);
}
