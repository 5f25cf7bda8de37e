/**
 * The per-vehicle rule engine of dynamic supervision (两客一危一货): speeding, fatigue (continuous, night continuous,
 * daily), night coach operation (02:00–05:00), hazardous goods in restricted zones, terminal alarm rising edges and
 * silent terminals. Pure and synchronous; the state is a JSON-safe plain object (no Map, Date or class instances),
 * never mutated in place: every call returns a new state (unchanged parts are shared).
 *
 * Processing model (event time, see docs/supervision-rules.md §2):
 *   1. Dedupe by (seq, tsMs) against the pending reports and a bounded memory of recently applied keys.
 *   2. watermark = max(previous watermark, newest tsMs seen − allowedLateness). A report at or below the PREVIOUS
 *      watermark is late: returned in `lateReports`, never applied. The others wait in `pending` (sorted by tsMs, seq).
 *   3. Pending reports at or below the new watermark are applied in (tsMs, seq) order. Violations and alarm events
 *      are emitted only from applied reports, so any batching, duplication or reordering within the allowed
 *      lateness yields exactly the same applied sequence, hence the same output.
 *
 * Hot path (≥ 200 000 reports/s per core in order): rules are compiled once per configuration (zone bounding boxes,
 * windows in minutes, category sets); the per-report limit lookup writes into a scratch object; strings and objects
 * are allocated only when something is emitted.
 */
import { isSupervised } from '../../contracts/vehicle.v1.ts';
import type { CompiledZone } from './geometry.ts';
import { compileZone, compiledZoneContains, distanceM } from './geometry.ts';
import type { CompiledWindow } from './local-time.ts';
import {
  compileWindow,
  localDateText,
  localDayNumber,
  localDayStartMs,
  localMinuteOfDay,
  overlapWithWindowMs,
  windowContainsMinute,
  windowOccurrenceStartMs,
} from './local-time.ts';
import type { RoadClass, SpeedCategory, SupervisionRules } from './rules-config.ts';
import { defaultSupervisionRules } from './rules-config.ts';
import type {
  PositionReport,
  SpeedingBand,
  SupervisedVehicle,
  TerminalAlarmEvent,
  Violation,
  ViolationType,
} from './types.ts';

/** "No value" for the numeric fields of the state (JSON-safe, unlike -Infinity). */
export const NONE_MS = Number.MIN_SAFE_INTEGER;

// ---------------------------------------------------------------------------------------------------------------
// State (JSON-safe plain objects)

export interface SpeedingEpisodeState {
  readonly startMs: number;
  lastMs: number;
  readonly limitKmh: number;
  readonly roadClass: RoadClass;
  /** Road-class zone the vehicle was in (null = ordinary road by default). */
  readonly roadZoneId: string | null;
  /** Speed-limit zone whose posted limit was binding (null = the category rule was binding). */
  readonly postedZoneId: string | null;
  /** Whether the night factor applied. */
  readonly night: boolean;
  peakSpeedKmh: number;
  readonly first: PositionReport;
  peak: PositionReport;
  last: PositionReport;
  /** Evenly sampled further over-limit reports (bounded by rules.evidenceSamples). */
  samples: PositionReport[];
  sampleStride: number;
  sampleCount: number;
}

export interface DriverFatigueState {
  /** driverId, or '-' for reports without one (then fatigue is per vehicle). */
  readonly key: string;
  lastDriveEndMs: number;
  blockStartMs: number;
  blockStart: PositionReport | null;
  continuousMs: number;
  nightMs: number;
  raisedContinuous: boolean;
  raisedNight: boolean;
  /** Local day number of dayMs (NONE_MS before the first driving of a daily-rule vehicle). */
  day: number;
  dayMs: number;
  dayFirst: PositionReport | null;
  raisedDaily: boolean;
}

export interface HazmatPresence {
  readonly zoneId: string;
  readonly startMs: number;
}

export interface VehicleRuleState {
  readonly version: 1;
  readonly deviceId: string;
  /** Reports at or below it are closed time. NONE_MS before the first report. */
  watermarkMs: number;
  /** Newest report tsMs seen (applied or pending). */
  newestTsMs: number;
  /** Waiting for the watermark, sorted by (tsMs, seq), at most rules.watermark.maxPendingReports. */
  pending: PositionReport[];
  /** Keys of the last applied reports, ascending (parallel arrays), at most rules.watermark.dedupeMemory. */
  recentTs: number[];
  recentSeq: number[];
  lastApplied: PositionReport | null;
  /** Alarm flags of the last applied report that had them. */
  lastAlarmFlags: number;
  /** Last report accepted by the GPS spike filter (reference for jumps, intervals and fatigue). */
  anchor: PositionReport | null;
  /** Consecutive position-jump rejections since the anchor. */
  spikeRun: number;
  speeding: SpeedingEpisodeState | null;
  drivers: DriverFatigueState[];
  /** Start of the night-coach window occurrence for which a violation was raised. */
  nightCoachWindowMs: number | null;
  hazmatInside: HazmatPresence[];
  /** newestTsMs for which a silent-terminal violation was raised. */
  silentForTsMs: number | null;
}

export interface AdvanceResult {
  readonly state: VehicleRuleState;
  readonly violations: Violation[];
  readonly alarmEvents: TerminalAlarmEvent[];
  readonly lateReports: PositionReport[];
  readonly duplicates: number;
  /**
   * The reports applied by this call, in event-time order, GPS spikes left out: what other per-vehicle accounting
   * (the green metrics) consumes so that it shares the engine's dedupe, ordering and lateness.
   */
  readonly applied: PositionReport[];
}

export interface SilentCheck {
  readonly state: VehicleRuleState | undefined;
  readonly violation?: Violation;
}

export function initialVehicleState(deviceId: string): VehicleRuleState {
  return {
    version: 1,
    deviceId,
    watermarkMs: NONE_MS,
    newestTsMs: NONE_MS,
    pending: [],
    recentTs: [],
    recentSeq: [],
    lastApplied: null,
    lastAlarmFlags: 0,
    anchor: null,
    spikeRun: 0,
    speeding: null,
    drivers: [],
    nightCoachWindowMs: null,
    hazmatInside: [],
    silentForTsMs: null,
  };
}

function cloneState(s: VehicleRuleState): VehicleRuleState {
  const sp = s.speeding;
  return {
    ...s,
    pending: s.pending.slice(),
    recentTs: s.recentTs.slice(),
    recentSeq: s.recentSeq.slice(),
    speeding: sp === null ? null : { ...sp, samples: sp.samples.slice() },
    drivers: s.drivers.map((d) => ({ ...d })),
    hazmatInside: s.hazmatInside.slice(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Compiled rules

interface AlarmBit {
  readonly bit: number;
  readonly name: string;
}

interface Compiled {
  readonly rules: SupervisionRules;
  readonly offsetMin: number;
  readonly roadZones: readonly CompiledZone[];
  readonly hazmatZones: readonly CompiledZone[];
  readonly zoneById: ReadonlyMap<string, CompiledZone>;
  readonly nightWindow: CompiledWindow;
  readonly nightCoachWindow: CompiledWindow;
  readonly minDurationMs: number;
  readonly toleranceKmh: number;
  readonly maxPlausibleKmh: number;
  readonly maxJumpKmh: number;
  readonly maxSpikes: number;
  readonly speedGapMs: number;
  readonly bands: readonly { readonly band: SpeedingBand; readonly below: number }[];
  readonly nightRatio: number;
  readonly nightSpeedCategories: ReadonlySet<string>;
  readonly contMaxMs: number;
  readonly minRestMs: number;
  readonly nightContMaxMs: number;
  readonly nightContCategories: ReadonlySet<string>;
  readonly dailyMaxMs: number;
  readonly dailyCategories: ReadonlySet<string>;
  readonly movingKmh: number;
  readonly fatigueGapMs: number;
  readonly maxDrivers: number;
  readonly latenessMs: number;
  readonly maxPending: number;
  readonly dedupeMemory: number;
  readonly silentMs: number;
  readonly alarmMask: number;
  readonly alarmBits: readonly AlarmBit[];
  readonly evidenceSamples: number;
}

const compiledCache = new WeakMap<SupervisionRules, Compiled>();

function compile(rules: SupervisionRules): Compiled {
  const cached = compiledCache.get(rules);
  if (cached !== undefined) return cached;
  const zones = rules.zones.map(compileZone);
  const zoneById = new Map<string, CompiledZone>();
  for (const z of zones) {
    if (zoneById.has(z.zone.zoneId)) throw new RangeError(`duplicate zoneId ${z.zone.zoneId}`);
    zoneById.set(z.zone.zoneId, z);
  }
  let alarmMask = 0;
  const alarmBits: AlarmBit[] = [];
  for (const a of rules.terminalAlarms) {
    if (!Number.isInteger(a.bit) || a.bit < 0 || a.bit > 31) throw new RangeError(`alarm bit out of range: ${a.bit}`);
    if (a.recorded) {
      alarmMask = (alarmMask | (1 << a.bit)) >>> 0;
      alarmBits.push({ bit: a.bit, name: a.name });
    }
  }
  alarmBits.sort((x, y) => x.bit - y.bit);
  const s = rules.speeding;
  const f = rules.fatigue;
  const c: Compiled = {
    rules,
    offsetMin: rules.utcOffsetMinutes.value,
    roadZones: zones.filter((z) => z.zone.kind !== 'hazmat-restricted'),
    hazmatZones: zones.filter((z) => z.zone.kind === 'hazmat-restricted'),
    zoneById,
    nightWindow: compileWindow(rules.nightWindow.value),
    nightCoachWindow: compileWindow(rules.nightCoach.window.value),
    minDurationMs: s.minDurationS.value * 1000,
    toleranceKmh: s.toleranceKmh.value,
    maxPlausibleKmh: s.maxPlausibleSpeedKmh.value,
    maxJumpKmh: s.maxJumpSpeedKmh.value,
    maxSpikes: s.maxConsecutiveSpikes.value,
    speedGapMs: s.maxReportGapS.value * 1000,
    bands: s.bands.value.map((b) => ({ band: b.band, below: b.belowRatio ?? Number.POSITIVE_INFINITY })),
    nightRatio: s.nightFactor.value.ratio,
    nightSpeedCategories: new Set(s.nightFactor.value.categories),
    contMaxMs: f.continuousMaxS.value * 1000,
    minRestMs: f.minRestS.value * 1000,
    nightContMaxMs: f.nightContinuousMaxS.value * 1000,
    nightContCategories: new Set(f.nightContinuousCategories.value),
    dailyMaxMs: f.dailyMaxS.value * 1000,
    dailyCategories: new Set(f.dailyCategories.value),
    movingKmh: f.movingMinSpeedKmh.value,
    fatigueGapMs: f.maxReportGapS.value * 1000,
    maxDrivers: Math.max(1, f.maxTrackedDrivers.value),
    latenessMs: rules.watermark.allowedLatenessS.value * 1000,
    maxPending: Math.max(1, rules.watermark.maxPendingReports.value),
    dedupeMemory: Math.max(0, rules.watermark.dedupeMemory.value),
    silentMs: rules.silentTerminal.thresholdS.value * 1000,
    alarmMask,
    alarmBits,
    evidenceSamples: Math.max(0, rules.evidenceSamples.value),
  };
  compiledCache.set(rules, c);
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-call context

interface Ctx {
  readonly c: Compiled;
  readonly st: VehicleRuleState;
  readonly vehicle: SupervisedVehicle;
  readonly supervised: boolean;
  /** Row of the speed-limit table (hazmat when the vehicle carries dangerous goods). */
  readonly speedCategory: SpeedCategory;
  readonly hazmat: boolean;
  readonly nightSpeed: boolean;
  readonly nightCont: boolean;
  readonly daily: boolean;
  readonly nightCoach: boolean;
  readonly violations: Violation[];
  readonly alarmEvents: TerminalAlarmEvent[];
  readonly applied: PositionReport[];
}

function makeCtx(c: Compiled, st: VehicleRuleState, vehicle: SupervisedVehicle): Ctx {
  const supervised = isSupervised(vehicle.category);
  // A vehicle registered as carrying dangerous goods (hazmatClass) is a 危险货物运输车辆 whatever its body category.
  const hazmat = supervised && (vehicle.category === 'hazmat' || (vehicle.hazmatClass ?? '') !== '');
  const cat = vehicle.category as SpeedCategory;
  return {
    c,
    st,
    vehicle,
    supervised,
    speedCategory: hazmat ? 'hazmat' : cat,
    hazmat,
    nightSpeed: supervised && c.nightSpeedCategories.has(cat),
    nightCont: supervised && c.nightContCategories.has(cat),
    daily: supervised && c.dailyCategories.has(cat),
    nightCoach: supervised && vehicle.nightRestricted === true,
    violations: [],
    alarmEvents: [],
    applied: [],
  };
}

function driverKeyOf(r: PositionReport): string {
  return r.driverId ?? '-';
}

function violationId(type: ViolationType, deviceId: string, driverKey: string, startMs: number, suffix = ''): string {
  return `${type}:${deviceId}:${driverKey}:${startMs}${suffix}`;
}

function withDriver(driverKey: string): { driverId?: string } {
  return driverKey === '-' ? {} : { driverId: driverKey };
}

/** Sorted by (tsMs, seq), one per key (by key, not identity: a state read back from JSON holds copies). */
function evidenceOf(reports: readonly (PositionReport | null)[]): PositionReport[] {
  const sorted = reports.filter((r): r is PositionReport => r !== null).sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq);
  const out: PositionReport[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || last.tsMs !== r.tsMs || last.seq !== r.seq) out.push(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Speed limit at a report

interface LimitScratch {
  limitKmh: number;
  roadClass: RoadClass;
  roadZoneId: string | null;
  postedZoneId: string | null;
  night: boolean;
}

const scratch: LimitScratch = { limitKmh: 0, roadClass: 'ordinary', roadZoneId: null, postedZoneId: null, night: false };

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Fills `scratch` with the limit at this report: min(category rule, posted zone limits), × night factor. */
function limitAt(ctx: Ctx, r: PositionReport, minute: number): LimitScratch {
  const c = ctx.c;
  let roadClass: RoadClass = 'ordinary';
  let roadZoneId: string | null = null;
  let posted = Number.POSITIVE_INFINITY;
  let postedZoneId: string | null = null;
  const zones = c.roadZones;
  for (let i = 0; i < zones.length; i++) {
    const cz = zones[i] as CompiledZone;
    if (!compiledZoneContains(cz, r.lon, r.lat, minute)) continue;
    const z = cz.zone;
    if (z.roadClass === 'expressway' && roadClass !== 'expressway') {
      roadClass = 'expressway';
      roadZoneId = z.zoneId;
    }
    if (z.speedLimitKmh !== undefined && z.speedLimitKmh < posted) {
      posted = z.speedLimitKmh;
      postedZoneId = z.zoneId;
    }
  }
  let limit = c.rules.speedLimits[ctx.speedCategory][roadClass].limitKmh;
  if (posted < limit) limit = posted;
  else postedZoneId = null;
  const night = ctx.nightSpeed && windowContainsMinute(c.nightWindow, minute);
  if (night) limit = round1(limit * c.nightRatio);
  scratch.limitKmh = limit;
  scratch.roadClass = roadClass;
  scratch.roadZoneId = roadZoneId;
  scratch.postedZoneId = postedZoneId;
  scratch.night = night;
  return scratch;
}

// ---------------------------------------------------------------------------------------------------------------
// Speeding

function bandOf(c: Compiled, ratio: number): SpeedingBand {
  for (const b of c.bands) if (ratio < b.below) return b.band;
  return (c.bands[c.bands.length - 1] as { band: SpeedingBand }).band;
}

function closeSpeeding(ctx: Ctx, ep: SpeedingEpisodeState): void {
  const c = ctx.c;
  const durationMs = ep.lastMs - ep.startMs;
  if (durationMs < c.minDurationMs) return;
  const rules = c.rules;
  const rule = rules.speedLimits[ctx.speedCategory][ep.roadClass];
  let ruleId = rule.ruleId;
  let source = rule.source;
  if (ep.postedZoneId !== null) {
    const z = c.zoneById.get(ep.postedZoneId)?.zone;
    ruleId = `speed.zone.${ep.postedZoneId}`;
    source = z?.source ?? source;
  }
  if (ep.night) {
    ruleId += '.night';
    source += `; night × ${c.nightRatio}: ${rules.speeding.nightFactor.source}`;
  }
  const ratio = (ep.peakSpeedKmh - ep.limitKmh) / ep.limitKmh;
  const driverKey = driverKeyOf(ep.first);
  const details: Record<string, string | number | boolean> = {
    peakSpeedKmh: ep.peakSpeedKmh,
    limitKmh: ep.limitKmh,
    overKmh: round1(ep.peakSpeedKmh - ep.limitKmh),
    overRatio: Math.round(ratio * 10_000) / 10_000,
    band: bandOf(c, ratio),
    durationS: durationMs / 1000,
    roadClass: ep.roadClass,
    night: ep.night,
    toleranceKmh: c.toleranceKmh,
  };
  const zoneId = ep.postedZoneId ?? ep.roadZoneId;
  if (zoneId !== null) details.zoneId = zoneId;
  ctx.violations.push({
    violationId: violationId('speeding', ctx.st.deviceId, driverKey, ep.startMs),
    deviceId: ctx.st.deviceId,
    type: 'speeding',
    startMs: ep.startMs,
    endMs: ep.lastMs,
    ...withDriver(driverKey),
    details,
    basis: { ruleId, source },
    evidence: evidenceOf([ep.first, ...ep.samples, ep.peak, ep.last]),
  });
}

/** Returns whether this report is over the limit. */
function stepSpeeding(ctx: Ctx, r: PositionReport, minute: number): boolean {
  const c = ctx.c;
  const st = ctx.st;
  const lim = limitAt(ctx, r, minute);
  const over = r.speedKmh > lim.limitKmh + c.toleranceKmh;
  let ep = st.speeding;
  if (ep !== null) {
    const broken =
      !over ||
      r.tsMs - ep.lastMs > c.speedGapMs ||
      ep.limitKmh !== lim.limitKmh ||
      ep.roadClass !== lim.roadClass ||
      ep.postedZoneId !== lim.postedZoneId ||
      ep.night !== lim.night;
    if (broken) {
      closeSpeeding(ctx, ep);
      st.speeding = ep = null;
    }
  }
  if (!over) return false;
  if (ep === null) {
    st.speeding = {
      startMs: r.tsMs,
      lastMs: r.tsMs,
      limitKmh: lim.limitKmh,
      roadClass: lim.roadClass,
      roadZoneId: lim.roadZoneId,
      postedZoneId: lim.postedZoneId,
      night: lim.night,
      peakSpeedKmh: r.speedKmh,
      first: r,
      peak: r,
      last: r,
      samples: [],
      sampleStride: 1,
      sampleCount: 0,
    };
    return true;
  }
  ep.lastMs = r.tsMs;
  ep.last = r;
  if (r.speedKmh > ep.peakSpeedKmh) {
    ep.peakSpeedKmh = r.speedKmh;
    ep.peak = r;
  }
  const max = c.evidenceSamples;
  if (max > 0) {
    ep.sampleCount++;
    if (ep.sampleCount % ep.sampleStride === 0) {
      ep.samples.push(r);
      if (ep.samples.length > max) {
        // Keep every other sample and halve the sampling rate: bounded, evenly spread, deterministic.
        ep.samples = ep.samples.filter((_, i) => i % 2 === 1);
        ep.sampleStride *= 2;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Fatigue

function findDriver(st: VehicleRuleState, key: string): DriverFatigueState | undefined {
  const ds = st.drivers;
  for (let i = 0; i < ds.length; i++) if ((ds[i] as DriverFatigueState).key === key) return ds[i];
  return undefined;
}

function newDriver(ctx: Ctx, key: string): DriverFatigueState {
  const st = ctx.st;
  if (st.drivers.length >= ctx.c.maxDrivers) {
    // Drop the driver who drove least recently (only reached with more drivers than configured within one rest).
    let oldest = 0;
    for (let i = 1; i < st.drivers.length; i++) {
      if ((st.drivers[i] as DriverFatigueState).lastDriveEndMs < (st.drivers[oldest] as DriverFatigueState).lastDriveEndMs) oldest = i;
    }
    st.drivers.splice(oldest, 1);
  }
  const d: DriverFatigueState = {
    key,
    lastDriveEndMs: NONE_MS,
    blockStartMs: NONE_MS,
    blockStart: null,
    continuousMs: 0,
    nightMs: 0,
    raisedContinuous: false,
    raisedNight: false,
    day: NONE_MS,
    dayMs: 0,
    dayFirst: null,
    raisedDaily: false,
  };
  st.drivers.push(d);
  return d;
}

function fatigueViolation(
  ctx: Ctx,
  type: ViolationType,
  ruleId: string,
  source: string,
  d: DriverFatigueState,
  startMs: number,
  details: Record<string, string | number | boolean>,
  evidence: PositionReport[],
): void {
  ctx.violations.push({
    violationId: violationId(type, ctx.st.deviceId, d.key, startMs),
    deviceId: ctx.st.deviceId,
    type,
    startMs,
    ...withDriver(d.key),
    details,
    basis: { ruleId, source },
    evidence,
  });
}

function stepFatigue(ctx: Ctx, p: PositionReport, r: PositionReport): void {
  const c = ctx.c;
  const st = ctx.st;
  const a = p.tsMs;
  const b = r.tsMs;
  const dt = b - a;
  if (dt <= 0) return;
  // Sample-and-hold: an interval takes the state of the report that opens it; across a long gap, the displacement.
  const driving =
    dt <= c.fatigueGapMs ? p.speedKmh >= c.movingKmh : (distanceM(p.lon, p.lat, r.lon, r.lat) / dt) * 3_600 >= c.movingKmh;
  // Pruned at the interval's START: every driving interval still to come starts at or after it.
  if (st.drivers.length > 0) pruneDrivers(ctx, a);
  if (!driving) return;
  const key = driverKeyOf(p);
  const d = findDriver(st, key) ?? newDriver(ctx, key);
  const f = c.rules.fatigue;
  if (d.lastDriveEndMs === NONE_MS || a - d.lastDriveEndMs >= c.minRestMs) {
    d.blockStartMs = a;
    d.blockStart = p;
    d.continuousMs = 0;
    d.nightMs = 0;
    d.raisedContinuous = false;
    d.raisedNight = false;
  }
  d.continuousMs += dt;
  d.lastDriveEndMs = b;
  if (!d.raisedContinuous && d.continuousMs > c.contMaxMs) {
    d.raisedContinuous = true;
    fatigueViolation(
      ctx,
      'fatigue-continuous',
      'fatigue.continuous',
      `${f.continuousMaxS.source}; rest ≥ ${f.minRestS.value} s: ${f.minRestS.source}`,
      d,
      d.blockStartMs,
      {
        continuousDrivingS: d.continuousMs / 1000,
        thresholdS: f.continuousMaxS.value,
        minRestS: f.minRestS.value,
        crossedAtMs: b - (d.continuousMs - c.contMaxMs),
      },
      evidenceOf([d.blockStart, r]),
    );
  }
  if (ctx.nightCont) {
    d.nightMs += overlapWithWindowMs(c.nightWindow, a, b, c.offsetMin);
    if (!d.raisedNight && d.nightMs > c.nightContMaxMs) {
      d.raisedNight = true;
      const w = c.rules.nightWindow.value;
      fatigueViolation(
        ctx,
        'fatigue-night-continuous',
        'fatigue.night-continuous',
        `${f.nightContinuousMaxS.source}; night ${w.from}–${w.to}: ${c.rules.nightWindow.source}`,
        d,
        d.blockStartMs,
        {
          nightDrivingS: d.nightMs / 1000,
          continuousDrivingS: d.continuousMs / 1000,
          thresholdS: f.nightContinuousMaxS.value,
          nightFrom: w.from,
          nightTo: w.to,
        },
        evidenceOf([d.blockStart, r]),
      );
    }
  }
  if (ctx.daily) {
    let from = a;
    while (from < b) {
      const day = localDayNumber(from, c.offsetMin);
      const dayEnd = localDayStartMs(day + 1, c.offsetMin);
      const to = Math.min(dayEnd, b);
      if (d.day !== day) {
        d.day = day;
        d.dayMs = 0;
        d.dayFirst = from === a ? p : r;
        d.raisedDaily = false;
      }
      d.dayMs += to - from;
      if (!d.raisedDaily && d.dayMs > c.dailyMaxMs) {
        d.raisedDaily = true;
        fatigueViolation(
          ctx,
          'fatigue-daily',
          'fatigue.daily',
          `${f.dailyMaxS.source}; day: ${f.dayBoundary.value} (${f.dayBoundary.source})`,
          d,
          localDayStartMs(day, c.offsetMin),
          {
            dailyDrivingS: d.dayMs / 1000,
            thresholdS: f.dailyMaxS.value,
            localDate: localDateText(day),
            dayBoundary: f.dayBoundary.value,
            crossedAtMs: to - (d.dayMs - c.dailyMaxMs),
          },
          evidenceOf([d.dayFirst, r]),
        );
      }
      from = to;
    }
  }
}

/**
 * Forgets drivers whose state can no longer matter: rested at least minRest (any new driving starts a fresh block)
 * and last driving on an earlier local day (a fresh daily count). Equivalent to keeping them, hence deterministic.
 */
function pruneDrivers(ctx: Ctx, fromMs: number): void {
  const c = ctx.c;
  const st = ctx.st;
  const today = ctx.daily ? localDayNumber(fromMs, c.offsetMin) : 0;
  let keep = 0;
  for (let i = 0; i < st.drivers.length; i++) {
    const d = st.drivers[i] as DriverFatigueState;
    const forgettable =
      fromMs - d.lastDriveEndMs >= c.minRestMs && (!ctx.daily || localDayNumber(d.lastDriveEndMs, c.offsetMin) < today);
    if (!forgettable) st.drivers[keep++] = d;
  }
  st.drivers.length = keep;
}

// ---------------------------------------------------------------------------------------------------------------
// Night coach, hazmat zones

function stepNightCoach(ctx: Ctx, r: PositionReport, minute: number): void {
  const c = ctx.c;
  if (r.speedKmh < c.movingKmh || !windowContainsMinute(c.nightCoachWindow, minute)) return;
  const occurrence = windowOccurrenceStartMs(c.nightCoachWindow, r.tsMs, c.offsetMin);
  const st = ctx.st;
  if (st.nightCoachWindowMs === occurrence) return;
  st.nightCoachWindowMs = occurrence;
  const rule = c.rules.nightCoach.window;
  const key = driverKeyOf(r);
  ctx.violations.push({
    violationId: violationId('night-coach', st.deviceId, key, r.tsMs),
    deviceId: st.deviceId,
    type: 'night-coach',
    startMs: r.tsMs,
    ...withDriver(key),
    details: {
      speedKmh: r.speedKmh,
      windowFrom: rule.value.from,
      windowTo: rule.value.to,
      windowStartMs: occurrence,
    },
    basis: { ruleId: 'night-coach', source: rule.source },
    evidence: [r],
  });
}

function stepHazmat(ctx: Ctx, r: PositionReport, minute: number): void {
  const st = ctx.st;
  const zones = ctx.c.hazmatZones;
  for (let i = 0; i < zones.length; i++) {
    const cz = zones[i] as CompiledZone;
    const inside = compiledZoneContains(cz, r.lon, r.lat, minute);
    const zoneId = cz.zone.zoneId;
    let at = -1;
    for (let k = 0; k < st.hazmatInside.length; k++) if ((st.hazmatInside[k] as HazmatPresence).zoneId === zoneId) at = k;
    if (inside && at < 0) {
      st.hazmatInside.push({ zoneId, startMs: r.tsMs });
      const key = driverKeyOf(r);
      const details: Record<string, string | number | boolean> = { zoneId, zoneName: cz.zone.name };
      if (ctx.vehicle.hazmatClass !== undefined) details.hazmatClass = ctx.vehicle.hazmatClass;
      if (cz.zone.timeWindows !== undefined) {
        details.timeWindows = cz.zone.timeWindows.map((w) => `${w.from}-${w.to}`).join(',');
      }
      ctx.violations.push({
        violationId: violationId('hazmat-zone', st.deviceId, key, r.tsMs, `:${zoneId}`),
        deviceId: st.deviceId,
        type: 'hazmat-zone',
        startMs: r.tsMs,
        ...withDriver(key),
        details,
        basis: { ruleId: `hazmat-zone.${zoneId}`, source: cz.zone.source },
        evidence: [r],
      });
    } else if (!inside && at >= 0) {
      st.hazmatInside.splice(at, 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Terminal alarms

/** `overLimit`: the report was accepted and over the server's limit (the server's view of overspeed at that time). */
function stepAlarms(ctx: Ctx, r: PositionReport, overLimit: boolean): void {
  const flags = r.alarmFlags;
  if (flags === undefined) return;
  const st = ctx.st;
  const c = ctx.c;
  const rising = (flags & ~st.lastAlarmFlags & c.alarmMask) >>> 0;
  st.lastAlarmFlags = flags >>> 0;
  if (rising === 0) return;
  for (const a of c.alarmBits) {
    if (((rising >>> a.bit) & 1) === 0) continue;
    const event: { -readonly [K in keyof TerminalAlarmEvent]: TerminalAlarmEvent[K] } = {
      eventId: `alarm:${st.deviceId}:${a.bit}:${r.tsMs}:${r.seq}`,
      deviceId: st.deviceId,
      tsMs: r.tsMs,
      bit: a.bit,
      name: a.name,
    };
    if (ctx.supervised) {
      if (a.bit === 1) event.serverAgrees = overLimit;
      else if (a.bit === 2) {
        const d = findDriver(st, driverKeyOf(r));
        event.serverAgrees =
          d !== undefined && (d.raisedContinuous || d.raisedNight) && r.tsMs - d.lastDriveEndMs < c.minRestMs;
      } else if (a.bit === 18) {
        const d = findDriver(st, driverKeyOf(r));
        event.serverAgrees = d?.raisedDaily === true && d.day === localDayNumber(r.tsMs, c.offsetMin);
      }
    }
    ctx.alarmEvents.push(event);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Applying reports

function applyReport(ctx: Ctx, r: PositionReport): void {
  const c = ctx.c;
  const st = ctx.st;
  const anchor = st.anchor;
  let accepted = r.speedKmh <= c.maxPlausibleKmh;
  if (accepted && anchor !== null) {
    const dt = r.tsMs - anchor.tsMs;
    const jumpKmh = (distanceM(anchor.lon, anchor.lat, r.lon, r.lat) / Math.max(dt, 1000)) * 3_600;
    if (jumpKmh > c.maxJumpKmh) {
      if (st.spikeRun < c.maxSpikes) {
        accepted = false;
        st.spikeRun++;
      }
    }
  }
  let overLimit = false;
  if (accepted) {
    st.spikeRun = 0;
    if (ctx.supervised) {
      const minute = localMinuteOfDay(r.tsMs, c.offsetMin);
      overLimit = stepSpeeding(ctx, r, minute);
      if (anchor !== null) stepFatigue(ctx, anchor, r);
      if (ctx.nightCoach) stepNightCoach(ctx, r, minute);
      if (ctx.hazmat) stepHazmat(ctx, r, minute);
    }
    st.anchor = r;
    ctx.applied.push(r);
  }
  st.lastApplied = r;
  stepAlarms(ctx, r, overLimit);
}

function applyUpTo(ctx: Ctx, watermarkMs: number): void {
  const st = ctx.st;
  const pending = st.pending;
  let k = 0;
  while (k < pending.length && (pending[k] as PositionReport).tsMs <= watermarkMs) {
    applyReport(ctx, pending[k] as PositionReport);
    k++;
  }
  if (k === 0) return;
  const memory = ctx.c.dedupeMemory;
  for (let i = Math.max(0, k - memory); i < k; i++) {
    const r = pending[i] as PositionReport;
    st.recentTs.push(r.tsMs);
    st.recentSeq.push(r.seq);
  }
  const excess = st.recentTs.length - memory;
  if (excess > 0) {
    st.recentTs.splice(0, excess);
    st.recentSeq.splice(0, excess);
  }
  st.pending = k === pending.length ? [] : pending.slice(k);
}

/** Orders (ts, seq) pairs. */
function cmpKey(ts1: number, seq1: number, ts2: number, seq2: number): number {
  return ts1 - ts2 || seq1 - seq2;
}

function inRecent(st: VehicleRuleState, r: PositionReport): boolean {
  let lo = 0;
  let hi = st.recentTs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmpKey(st.recentTs[mid] as number, st.recentSeq[mid] as number, r.tsMs, r.seq);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Inserts into the sorted pending list; false when the (seq, tsMs) key is already there. */
function insertPending(pending: PositionReport[], r: PositionReport): boolean {
  const n = pending.length;
  if (n === 0) {
    pending.push(r);
    return true;
  }
  const last = pending[n - 1] as PositionReport;
  const c = cmpKey(last.tsMs, last.seq, r.tsMs, r.seq);
  if (c < 0) {
    pending.push(r);
    return true;
  }
  if (c === 0) return false;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = pending[mid] as PositionReport;
    if (cmpKey(m.tsMs, m.seq, r.tsMs, r.seq) < 0) lo = mid + 1;
    else hi = mid;
  }
  const at = pending[lo] as PositionReport;
  if (at.tsMs === r.tsMs && at.seq === r.seq) return false;
  pending.splice(lo, 0, r);
  return true;
}

function finishApply(ctx: Ctx, watermarkMs: number): void {
  const st = ctx.st;
  st.watermarkMs = watermarkMs;
  applyUpTo(ctx, watermarkMs);
  const excess = st.pending.length - ctx.c.maxPending;
  if (excess > 0) {
    // Overflow: close time up to the excess-th oldest pending report (documented: determinism is lost only here).
    const forced = (st.pending[excess - 1] as PositionReport).tsMs;
    st.watermarkMs = forced;
    applyUpTo(ctx, forced);
  }
  // A speeding episode whose last report is more than the gap behind the watermark can only be ended by the gap:
  // any report still to be applied is later than the watermark. Closing it now gives the same violation, sooner.
  const ep = st.speeding;
  if (ep !== null && st.watermarkMs - ep.lastMs > ctx.c.speedGapMs) {
    if (ctx.supervised) closeSpeeding(ctx, ep);
    st.speeding = null;
  }
}

function checkDevice(vehicle: SupervisedVehicle, state: VehicleRuleState | undefined): void {
  if (state !== undefined && state.deviceId !== vehicle.deviceId) {
    throw new RangeError(`state of ${state.deviceId} used for vehicle ${vehicle.deviceId}`);
  }
}

/**
 * Feeds a batch of one vehicle's reports (any order, duplicates allowed) and returns the new state with what the
 * reports decided. Reports of another device are a caller error (RangeError).
 */
export function advanceVehicle(
  state: VehicleRuleState | undefined,
  vehicle: SupervisedVehicle,
  reports: readonly PositionReport[],
  rules: SupervisionRules = defaultSupervisionRules,
): AdvanceResult {
  checkDevice(vehicle, state);
  const c = compile(rules);
  const st = state === undefined ? initialVehicleState(vehicle.deviceId) : cloneState(state);
  const previousWatermark = st.watermarkMs;
  const lateReports: PositionReport[] = [];
  let duplicates = 0;
  for (const r of reports) {
    if (r.deviceId !== st.deviceId) throw new RangeError(`report of ${r.deviceId} fed to vehicle ${st.deviceId}`);
    if (r.tsMs <= previousWatermark) {
      if (inRecent(st, r)) duplicates++;
      else lateReports.push(r);
      continue;
    }
    if (!insertPending(st.pending, r)) {
      duplicates++;
      continue;
    }
    if (r.tsMs > st.newestTsMs) st.newestTsMs = r.tsMs;
  }
  const ctx = makeCtx(c, st, vehicle);
  const candidate = st.newestTsMs === NONE_MS ? NONE_MS : st.newestTsMs - c.latenessMs;
  finishApply(ctx, Math.max(candidate, previousWatermark));
  return { state: st, violations: ctx.violations, alarmEvents: ctx.alarmEvents, lateReports, duplicates, applied: ctx.applied };
}

/**
 * Advances the watermark by processing time (the scheduled sweep calls it with now − allowed lateness), so that a
 * vehicle that stopped reporting still gets its pending reports applied. Reports at or below it become late.
 */
export function flushAt(
  state: VehicleRuleState | undefined,
  vehicle: SupervisedVehicle,
  watermarkMs: number,
  rules: SupervisionRules = defaultSupervisionRules,
): AdvanceResult {
  checkDevice(vehicle, state);
  const c = compile(rules);
  const st = state === undefined ? initialVehicleState(vehicle.deviceId) : cloneState(state);
  const ctx = makeCtx(c, st, vehicle);
  finishApply(ctx, Math.max(watermarkMs, st.watermarkMs));
  return { state: st, violations: ctx.violations, alarmEvents: ctx.alarmEvents, lateReports: [], duplicates: 0, applied: ctx.applied };
}

/**
 * Silent terminal: a supervised, in-service vehicle whose newest report (applied or pending) is older than the
 * threshold at `nowMs` (strictly). One violation per silence episode, identified by the newest report's tsMs; the
 * returned state remembers it so later sweeps stay quiet until a newer report arrives. A vehicle that never
 * reported has no episode (that is an 入网 / onboarding matter, not a silence). Nor has a vehicle whose newest report
 * says ignition off, by default: it is parked, and terminals may sleep then (`parkedWithIgnitionOffIsOutOfService`).
 */
export function checkSilent(
  state: VehicleRuleState,
  vehicle: SupervisedVehicle,
  nowMs: number,
  rules?: SupervisionRules,
): { readonly state: VehicleRuleState; readonly violation?: Violation };
export function checkSilent(
  state: VehicleRuleState | undefined,
  vehicle: SupervisedVehicle,
  nowMs: number,
  rules?: SupervisionRules,
): SilentCheck;
export function checkSilent(
  state: VehicleRuleState | undefined,
  vehicle: SupervisedVehicle,
  nowMs: number,
  rules: SupervisionRules = defaultSupervisionRules,
): SilentCheck {
  checkDevice(vehicle, state);
  if (state === undefined || state.newestTsMs === NONE_MS) return { state };
  if (!isSupervised(vehicle.category) || vehicle.inService === false) return { state };
  const c = compile(rules);
  const newest = state.newestTsMs;
  if (nowMs - newest <= c.silentMs || state.silentForTsMs === newest) return { state };
  const last = state.pending.length > 0 ? (state.pending[state.pending.length - 1] as PositionReport) : state.lastApplied;
  if (last?.ignition === false && rules.silentTerminal.parkedWithIgnitionOffIsOutOfService.value) return { state };
  const rule = rules.silentTerminal.thresholdS;
  const violation: Violation = {
    violationId: violationId('silent-terminal', state.deviceId, '-', newest),
    deviceId: state.deviceId,
    type: 'silent-terminal',
    startMs: newest,
    details: { lastReportTsMs: newest, thresholdS: rule.value, silentS: Math.floor((nowMs - newest) / 1000) },
    basis: { ruleId: 'silent-terminal', source: rule.source },
    evidence: last === null ? [] : [last],
  };
  return { state: { ...state, silentForTsMs: newest }, violation };
}
