/**
 * Named, deterministic fleet scenarios: the messages a few vehicles publish, and the supervision outcome they must
 * produce (issue 3 §6). Each scenario is plain data — `{ name, vehicles, messages, expected }` — so unit tests check
 * its shape and the end-to-end tests push it through the pipeline and compare.
 *
 * Scenarios run on a fixed simulated date (SCENARIO_DATE, local time +08:00). The ingest rejects reports measured too
 * far in the future or too long ago, so tests move a scenario next to "now" with `rebase` (exact shift) or
 * `rebaseBefore` (latest placement that ends before now and keeps the scenario inside its local-time window: a
 * daytime coach scenario moved to 23:00 would meet the night speed factor and the night driving limit).
 *
 * All speeds are chosen with margin against the default rules (functions/domain/supervision/rules-config.ts): coaches
 * cruise at 85 km/h (≤ 90 with drift and noise; limit 100 by day), the night coach at 70 (night limit 80), the tanker
 * at 70 on G98 (hazmat 80) and 40 on the ordinary road (hazmat 60). Only the intended episodes exceed anything.
 */
import { type TelemetryReportV1, telemetryMessageV1 } from '../../functions/contracts/telemetry.v1.ts';
import type { VehicleV1 } from '../../functions/contracts/vehicle.v1.ts';
import { g98Ring, g9811, haikouCityLoop, hazmatRestrictedAreas, type LonLat, sanyaCityLine } from '../../functions/domain/supervision/hainan-geography.ts';
import type { ViolationType } from '../../functions/domain/supervision/types.ts';
import { topics } from '../../infra/topology.ts';
import { Rng } from '../simulator/prng.ts';
import { toShanghaiIso } from '../simulator/time.ts';
import { joinLines, pointInRing, RoutePath, ringCentroid, sliceLine } from './kinematics.ts';
import {
  ALARM_FATIGUE,
  ALARM_OVERSPEED,
  ALARM_SOS,
  type FleetVehicle,
  generateTrack,
  type PlanStep,
  type TrackPoint,
  toRegistryVehicle,
  type VehicleTrackOptions,
} from './vehicles.ts';

export const scenarioNames = [
  'speeding',
  'fatigue',
  'night-run',
  'hazmat-zone',
  'silent-terminal',
  'duplicates',
  'dead-zone-burst',
  'out-of-order',
  'malformed',
  'city-fleet',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** The fixed simulated day of every scenario (Asia/Shanghai). */
export const SCENARIO_DATE = '2026-11-29';
export const DEFAULT_SCENARIO_SEED = 20261129;

/** Epoch ms of a local (+08:00) wall time on SCENARIO_DATE (or `date`). */
export function localMs(hhmm: string, date = SCENARIO_DATE): number {
  const ms = Date.parse(`${date}T${hhmm.length === 5 ? `${hhmm}:00` : hhmm}+08:00`);
  if (!Number.isFinite(ms)) throw new RangeError(`bad local time ${date} ${hhmm}`);
  return ms;
}

/** Why a deliberately broken message is broken. */
export type MessageDefect =
  | 'not-json'
  | 'empty'
  | 'missing-fields'
  | 'out-of-range'
  | 'ts-without-offset'
  | 'device-mismatch'
  | 'batch-bad-report'
  | 'batch-device-mismatch';

export interface ScenarioMessage {
  readonly topic: string;
  /** The MQTT client (= thing name) that publishes it: the device of the topic. */
  readonly clientId: string;
  /** A JSON value, published as JSON.stringify(payload); or, when `raw` is true, a string published as is. */
  readonly payload: unknown;
  readonly raw?: boolean;
  /** Simulated time the terminal sends it (≥ every `ts` inside it). */
  readonly sentAtMs: number;
  /** false for deliberately malformed messages: the ingest must reject (dead-letter) them. */
  readonly valid: boolean;
  readonly defect?: MessageDefect;
  readonly note?: string;
}

export interface ExpectedViolation {
  readonly deviceId: string;
  readonly type: ViolationType;
  readonly driverId?: string;
  /**
   * The violation's `startMs` must fall in this window (both inclusive). Rule engines may start an episode at the
   * first offending report or at the moment a threshold is crossed; the window covers both readings.
   */
  readonly startWindow: { readonly fromMs: number; readonly toMs: number };
  /** Figures for assertions and for people; names follow `Violation.details` where one exists. */
  readonly facts: Readonly<Record<string, string | number | boolean>>;
}

export interface ExpectedTerminalAlarm {
  readonly deviceId: string;
  /** JT/T 808 alarm bit: 0 SOS, 1 overspeed, 2 fatigue. */
  readonly bit: number;
  readonly name: 'sos' | 'overspeed' | 'fatigue';
  /** `ts` of the first report with the bit set (rising edge). */
  readonly atMs: number;
}

export interface ScenarioExpectation {
  /** Exactly these violations, no others (by deviceId and type; startMs inside the window). */
  readonly violations: readonly ExpectedViolation[];
  /** Rising edges of the terminals' own alarm bits (recorded as terminal-alarm events). */
  readonly terminalAlarms: readonly ExpectedTerminalAlarm[];
  /** Distinct valid reports per device, after removing duplicates (same seq and ts): what Positions should hold. */
  readonly distinctReports: Readonly<Record<string, number>>;
  /** Messages the ingest must reject (dead-letter). */
  readonly rejectedMessages: number;
  /** silent-terminal: run the sweep at this time (epoch ms), before any later report of the device. */
  readonly sweepAtMs?: number;
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  readonly seed: number;
  /** First and last instant of the scenario (first report; last message, or the sweep time). */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * Local time of day ('HH:MM', from < to, no midnight crossing) that the whole scenario must stay within for the
   * expectation to hold; absent = any time of day. `rebaseBefore` respects it; `rebase` does not check it.
   */
  readonly localWindow?: { readonly from: string; readonly to: string };
  /**
   * The expectation depends on the exact local time (the 02:00 night ban): `rebaseBefore` moves the scenario by
   * whole days only.
   */
  readonly fixedTimeOfDay?: boolean;
  /** Registry records (vehicle.v1) to register before publishing. */
  readonly vehicles: readonly VehicleV1[];
  /** In publishing order. */
  readonly messages: readonly ScenarioMessage[];
  readonly expected: ScenarioExpectation;
}

export interface ScenarioOptions {
  /** Default DEFAULT_SCENARIO_SEED. Changes the drift and noise, never the expectation's shape. */
  readonly seed?: number;
  /** Appended to every device id (e.g. `-r2`), so a test can run a scenario twice on one stack. */
  readonly deviceSuffix?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers on reports (exported for tests)

const MOVING_KMH = 5;
const DAYTIME = { from: '06:00', to: '22:00' } as const;

export interface OverLimitRun {
  readonly fromMs: number;
  readonly toMs: number;
  readonly reports: number;
  readonly peakSpeedKmh: number;
}

const tsOf = (report: { ts: string }) => Date.parse(report.ts);

/**
 * Runs of consecutive reports (in time order) faster than `limitKmh`, split where two reports are more than
 * `maxGapS` apart; only runs lasting at least `minDurationS` (first to last report) are returned.
 */
export function overLimitRuns(
  reports: readonly TelemetryReportV1[],
  limitKmh: number,
  minDurationS = 60,
  maxGapS = 120,
): OverLimitRun[] {
  const sorted = [...reports].sort((a, b) => tsOf(a) - tsOf(b));
  const runs: OverLimitRun[] = [];
  let current: { fromMs: number; toMs: number; reports: number; peak: number } | undefined;
  const close = () => {
    if (current !== undefined && (current.toMs - current.fromMs) / 1000 >= minDurationS) {
      runs.push({ fromMs: current.fromMs, toMs: current.toMs, reports: current.reports, peakSpeedKmh: current.peak });
    }
    current = undefined;
  };
  for (const report of sorted) {
    const t = tsOf(report);
    if (report.speedKmh > limitKmh) {
      if (current !== undefined && t - current.toMs > maxGapS * 1000) close();
      if (current === undefined) current = { fromMs: t, toMs: t, reports: 1, peak: report.speedKmh };
      else {
        current.toMs = t;
        current.reports += 1;
        current.peak = Math.max(current.peak, report.speedKmh);
      }
    } else close();
  }
  close();
  return runs;
}

export interface StopSpan {
  /** First report below 5 km/h after moving, and the first moving report after it. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly durationS: number;
}

/** Stops between two moving stretches (reports ≥ 5 km/h), in time order. */
export function stopsOf(reports: readonly TelemetryReportV1[]): StopSpan[] {
  const sorted = [...reports].sort((a, b) => tsOf(a) - tsOf(b));
  const stops: StopSpan[] = [];
  let seenMoving = false;
  let stoppedAt: number | undefined;
  for (const report of sorted) {
    const t = tsOf(report);
    if (report.speedKmh >= MOVING_KMH) {
      if (stoppedAt !== undefined) stops.push({ fromMs: stoppedAt, toMs: t, durationS: (t - stoppedAt) / 1000 });
      stoppedAt = undefined;
      seenMoving = true;
    } else if (seenMoving && stoppedAt === undefined) stoppedAt = t;
  }
  return stops;
}

const ALARM_NAMES = [
  { bit: 0, mask: ALARM_SOS, name: 'sos' },
  { bit: 1, mask: ALARM_OVERSPEED, name: 'overspeed' },
  { bit: 2, mask: ALARM_FATIGUE, name: 'fatigue' },
] as const;

/** Rising edges of alarm bits 0–2 in one device's reports (time order). */
export function alarmRisingEdges(deviceId: string, reports: readonly TelemetryReportV1[]): ExpectedTerminalAlarm[] {
  const sorted = [...reports].sort((a, b) => tsOf(a) - tsOf(b));
  const out: ExpectedTerminalAlarm[] = [];
  let previous = 0;
  for (const report of sorted) {
    const flags = report.alarmFlags ?? 0;
    for (const { bit, mask, name } of ALARM_NAMES) if ((flags & mask) !== 0 && (previous & mask) === 0) out.push({ deviceId, bit, name, atMs: tsOf(report) });
    previous = flags;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Message construction

function reportMessage(report: TelemetryReportV1, sentAtMs: number, note?: string): ScenarioMessage {
  return {
    topic: topics.fleetTelemetry(report.deviceId),
    clientId: report.deviceId,
    payload: report,
    sentAtMs,
    valid: true,
    ...(note === undefined ? {} : { note }),
  };
}

/** The 0x0704-style batch: the device id once, reports without it. */
export function batchMessage(deviceId: string, reports: readonly TelemetryReportV1[], sentAtMs: number, note?: string): ScenarioMessage {
  return {
    topic: topics.fleetTelemetry(deviceId),
    clientId: deviceId,
    payload: {
      schemaVersion: 1,
      deviceId,
      reports: reports.map(({ schemaVersion: _v, deviceId: _d, ...rest }) => rest),
    },
    sentAtMs,
    valid: true,
    ...(note === undefined ? {} : { note }),
  };
}

function liveMessages(points: readonly TrackPoint[]): ScenarioMessage[] {
  return points.map((point) => reportMessage(point.report, point.tsMs));
}

/** Stable merge of several devices' messages by send time. */
function mergeBySendTime(...lists: ReadonlyArray<readonly ScenarioMessage[]>): ScenarioMessage[] {
  return lists
    .flatMap((list, listIndex) => list.map((message, index) => ({ message, listIndex, index })))
    .sort((a, b) => a.message.sentAtMs - b.message.sentAtMs || a.listIndex - b.listIndex || a.index - b.index)
    .map(({ message }) => message);
}

/** Reports carried by the valid messages, flattened (batches expanded, device id filled in). */
export function reportsOf(messages: readonly ScenarioMessage[]): TelemetryReportV1[] {
  const out: TelemetryReportV1[] = [];
  for (const message of messages) {
    if (!message.valid || message.raw === true) continue;
    const parsed = telemetryMessageV1.parse(message.payload);
    if ('reports' in parsed) for (const report of parsed.reports) out.push({ ...report, deviceId: parsed.deviceId });
    else out.push(parsed);
  }
  return out;
}

function distinctReports(messages: readonly ScenarioMessage[]): Record<string, number> {
  const keys = new Map<string, Set<string>>();
  for (const report of reportsOf(messages)) {
    const set = keys.get(report.deviceId) ?? new Set<string>();
    set.add(`${report.seq}@${report.ts}`);
    keys.set(report.deviceId, set);
  }
  return Object.fromEntries([...keys].map(([deviceId, set]) => [deviceId, set.size]));
}

function bandOf(peakKmh: number, limitKmh: number): string {
  const ratio = (peakKmh - limitKmh) / limitKmh;
  return ratio < 0.1 ? '<10' : ratio < 0.2 ? '10-20' : ratio < 0.5 ? '20-50' : '>=50';
}

function speedingExpectation(deviceId: string, reports: readonly TelemetryReportV1[], limitKmh: number): ExpectedViolation[] {
  return overLimitRuns(reports, limitKmh).map((run) => {
    const first = reports.find((report) => tsOf(report) === run.fromMs);
    return {
      deviceId,
      type: 'speeding',
      ...(first?.driverId === undefined ? {} : { driverId: first.driverId }),
      startWindow: { fromMs: run.fromMs, toMs: run.toMs },
      facts: {
        limitKmh,
        peakSpeedKmh: run.peakSpeedKmh,
        band: bandOf(run.peakSpeedKmh, limitKmh),
        overLimitS: (run.toMs - run.fromMs) / 1000,
        roadClass: 'expressway',
      },
    };
  });
}

function withSuffix(vehicle: FleetVehicle, suffix: string): FleetVehicle {
  const deviceId = `${vehicle.deviceId}${suffix}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(deviceId)) throw new RangeError(`device id ${deviceId} is not a valid thing name`);
  return { ...vehicle, deviceId };
}

function track(options: Omit<VehicleTrackOptions, 'plan'> & { plan: readonly PlanStep[] }): TrackPoint[] {
  return generateTrack(options);
}

function lastTs(messages: readonly ScenarioMessage[]): number {
  return messages.reduce((max, message) => Math.max(max, message.sentAtMs), Number.NEGATIVE_INFINITY);
}

/** A coach plan: cruise, a 3.5-minute overspeed episode at 112 km/h, cruise, park. */
function speedingPlan(beforeMin: number, afterMin: number): PlanStep[] {
  return [
    { kind: 'drive', speedKmh: 85, durationMin: beforeMin, label: 'cruise' },
    { kind: 'drive', speedKmh: 112, durationMin: 3.5, label: 'overspeed' },
    { kind: 'drive', speedKmh: 85, durationMin: afterMin, label: 'cruise-after' },
    { kind: 'stop', durationMin: 10, label: 'parked' },
  ];
}

const coach = (deviceId: string, extra: Partial<FleetVehicle> = {}): FleetVehicle => ({
  deviceId,
  category: 'coach',
  energyType: 'diesel',
  city: '海口市',
  nightRestricted: true,
  ...extra,
});

// ---------------------------------------------------------------------------------------------------------------
// The scenarios

type Builder = (seed: number, suffix: string) => Scenario;

const builders: Record<ScenarioName, Builder> = {
  speeding(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9101'), suffix);
    const points = track({ vehicle, route: g98Ring, seed, startMs: localMs('10:00'), plan: speedingPlan(20, 20) });
    // One GPS spike: a single report at 150 km/h in the middle of the cruise after the episode (the terminal's
    // overspeed bit, driven by its speed sensor, stays clear).
    const cruiseAfter = points.filter((p) => p.truth.label === 'cruise-after' && p.truth.reason === 'interval');
    const spike = cruiseAfter[Math.floor(cruiseAfter.length * 0.6)] as TrackPoint;
    const reports = points.map((p) => (p === spike ? { ...p.report, speedKmh: 150 } : p.report));
    const messages = reports.map((report) => reportMessage(report, tsOf(report), report.speedKmh === 150 ? 'GPS spike: one report at 150 km/h' : undefined));
    return {
      name: 'speeding',
      description:
        'A coach on G98 out of Haikou at 10:00: 85 km/h, then 112 km/h for 3.5 min (limit 100) → one speeding violation; ' +
        'later a single GPS spike to 150 km/h for one report → no violation (an episode needs ≥ 60 s).',
      seed,
      startMs: points[0]?.tsMs as number,
      endMs: lastTs(messages),
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: speedingExpectation(vehicle.deviceId, reports, 100),
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  fatigue(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9201'), suffix);
    const points = track({
      vehicle,
      route: g98Ring,
      seed,
      startMs: localMs('08:00'),
      plan: [
        { kind: 'drive', speedKmh: 85, durationMin: 135, label: 'leg-1' },
        { kind: 'stop', durationMin: 19, label: 'short-stop' },
        { kind: 'drive', speedKmh: 85, durationMin: 135, label: 'leg-2' },
        { kind: 'stop', durationMin: 30, label: 'rest' },
      ],
    });
    const reports = points.map((p) => p.report);
    const messages = liveMessages(points);
    const firstMoving = points.find((p) => p.report.speedKmh >= MOVING_KMH) as TrackPoint;
    const crossing = points.find((p) => p.truth.continuousDrivingS > 4 * 3600) as TrackPoint;
    const drivingS = points.filter((p) => p.truth.label === 'leg-2').at(-1)?.truth.continuousDrivingS ?? 0;
    const longestStop = Math.max(...stopsOf(reports).map((s) => s.durationS));
    return {
      name: 'fatigue',
      description:
        'A coach on G98 from Haikou at 08:00, one driver: 2 h 15 min at 85 km/h, a 19-minute stop (less than the 20-minute ' +
        'rest: does not reset), 2 h 15 min again → 4 h 30 min of continuous driving → one fatigue-continuous violation.',
      seed,
      startMs: points[0]?.tsMs as number,
      endMs: lastTs(messages),
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: [
          {
            deviceId: vehicle.deviceId,
            type: 'fatigue-continuous',
            ...(firstMoving.report.driverId === undefined ? {} : { driverId: firstMoving.report.driverId }),
            startWindow: { fromMs: points[0]?.tsMs as number, toMs: crossing.tsMs + 10 * 60_000 },
            facts: { continuousDrivingS: drivingS, thresholdS: 4 * 3600, longestStopS: longestStop, minRestS: 20 * 60 },
          },
        ],
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  'night-run'(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9301', { nightRestricted: true }), suffix);
    const points = track({
      vehicle,
      route: g9811,
      seed,
      startMs: localMs('01:20'),
      plan: [
        { kind: 'stop', durationMin: 5, ignition: true, label: 'boarding' },
        { kind: 'drive', speedKmh: 70, durationMin: 95, label: 'night-run' },
        { kind: 'stop', durationMin: 30, label: 'parked' },
      ],
    });
    const reports = points.map((p) => p.report);
    const messages = liveMessages(points);
    const banStart = localMs('02:00');
    const firstInBan = points.find((p) => p.tsMs >= banStart && p.report.speedKmh >= MOVING_KMH) as TrackPoint;
    const lastInBan = [...points].reverse().find((p) => p.tsMs < localMs('05:00') && p.report.speedKmh >= MOVING_KMH) as TrackPoint;
    const startMs = points[0]?.tsMs as number;
    const endMs = lastTs(messages);
    return {
      name: 'night-run',
      description:
        'A night-restricted coach leaves Haikou on G9811 at 01:25 and drives at 70 km/h (night limit 80) until 03:00, ' +
        'within the 2-hour night driving limit → one night-coach violation (moving between 02:00 and 05:00).',
      seed,
      startMs,
      endMs,
      fixedTimeOfDay: true,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: [
          {
            deviceId: vehicle.deviceId,
            type: 'night-coach',
            ...(firstInBan.report.driverId === undefined ? {} : { driverId: firstInBan.report.driverId }),
            startWindow: { fromMs: banStart, toMs: firstInBan.tsMs },
            facts: { window: '02:00-05:00', lastMovingInWindowTs: toShanghaiIso(lastInBan.tsMs) },
          },
        ],
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  'hazmat-zone'(seed, suffix) {
    const vehicle = withSuffix(
      { deviceId: 'hn-hazmat-9401', category: 'hazmat', energyType: 'diesel', city: '儋州市', hazmatClass: '3', ratedGrossKg: 31_000 },
      suffix,
    );
    const ring = hazmatRestrictedAreas.songtaoReservoir;
    // G98 from Lingao (vertex 18) back to Nada (vertex 17), then an ordinary road south to the reservoir.
    const onG98 = sliceLine(g98Ring, 18, 17);
    const access = joinLines('SONGTAO-ACCESS', 'G98 临高—那大, 那大—松涛水库', onG98, [ringCentroid(ring)]);
    const path = new RoutePath(access);
    const g98Km = path.distanceOfVertex(1) / 1000;
    const roadKm = (path.lengthM - path.distanceOfVertex(1)) / 1000;
    const points = track({
      vehicle,
      route: path,
      seed,
      startMs: localMs('09:00'),
      plan: [
        { kind: 'drive', speedKmh: 70, distanceKm: g98Km, label: 'g98' },
        { kind: 'drive', speedKmh: 40, distanceKm: roadKm, label: 'into-zone' },
        { kind: 'stop', durationMin: 10, label: 'inside-zone' },
        { kind: 'drive', speedKmh: 40, distanceKm: 15, label: 'out-of-zone' },
        { kind: 'stop', durationMin: 10, label: 'parked' },
      ],
    });
    const reports = points.map((p) => p.report);
    const messages = liveMessages(points);
    const inside = (p: TrackPoint) => pointInRing([p.report.lon, p.report.lat] as LonLat, ring);
    const firstInsideIndex = points.findIndex(inside);
    const firstInside = points[firstInsideIndex] as TrackPoint;
    const lastOutside = points[firstInsideIndex - 1] as TrackPoint;
    const exit = points.slice(firstInsideIndex).find((p) => !inside(p)) as TrackPoint;
    return {
      name: 'hazmat-zone',
      description:
        'A class-3 tanker from Lingao along G98 (70 km/h, hazmat limit 80) to Nada, then south on an ordinary road ' +
        '(40 km/h) into the Songtao reservoir protection area, stops 10 min and drives out → one hazmat-zone violation.',
      seed,
      startMs: points[0]?.tsMs as number,
      endMs: lastTs(messages),
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: [
          {
            deviceId: vehicle.deviceId,
            type: 'hazmat-zone',
            ...(firstInside.report.driverId === undefined ? {} : { driverId: firstInside.report.driverId }),
            startWindow: { fromMs: lastOutside.tsMs, toMs: firstInside.tsMs },
            facts: { zoneId: 'HZ-SONGTAO', area: 'songtaoReservoir', hazmatClass: '3', exitTs: toShanghaiIso(exit.tsMs) },
          },
        ],
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  'silent-terminal'(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9501'), suffix);
    const points = track({
      vehicle,
      route: g9811,
      seed,
      startMs: localMs('09:00'),
      plan: [{ kind: 'drive', speedKmh: 85, durationMin: 90, label: 'in-service' }],
    });
    // The terminal fails 40 minutes into the trip while the coach keeps driving: nothing more is published.
    const cutMs = localMs('09:40');
    const sent = points.filter((p) => p.tsMs <= cutMs);
    const messages = liveMessages(sent);
    const last = sent.at(-1) as TrackPoint;
    const sweepAtMs = last.tsMs + 45 * 60_000;
    return {
      name: 'silent-terminal',
      description:
        'A coach in service on G9811 reports normally from 09:00, then its terminal falls silent at 09:40 while the coach ' +
        'is driving; the sweep run 45 minutes after the last report → one silent-terminal violation (threshold 30 min).',
      seed,
      startMs: points[0]?.tsMs as number,
      endMs: sweepAtMs,
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: [
          {
            deviceId: vehicle.deviceId,
            type: 'silent-terminal',
            ...(last.report.driverId === undefined ? {} : { driverId: last.report.driverId }),
            startWindow: { fromMs: last.tsMs, toMs: last.tsMs + 1_800_000 + 1_000 },
            facts: { lastReportTs: toShanghaiIso(last.tsMs), silentForS: 45 * 60, thresholdS: 1_800, lastSpeedKmh: last.report.speedKmh },
          },
        ],
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, messages.map((m) => m.payload as TelemetryReportV1)),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
        sweepAtMs,
      },
    };
  },

  duplicates(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9601', { city: '三亚市' }), suffix);
    const route = sliceLine(g98Ring, 10, 4); // Sanya → Qionghai, anticlockwise
    const points = track({ vehicle, route, seed, startMs: localMs('14:00'), plan: speedingPlan(15, 15) });
    const live = liveMessages(points);
    const messages: ScenarioMessage[] = [];
    const firstOver = points.findIndex((p) => p.report.speedKmh > 100);
    live.forEach((message, i) => {
      messages.push(message);
      // The same message twice in a row (a QoS 1 redelivery: PUBACK lost), every 5th report and the first over-limit one.
      if (i % 5 === 2 || i === firstOver) messages.push({ ...message, note: 'duplicate: sent twice in a row' });
      // A report sent again three reports later (the terminal resends after a reconnect): 90 s late at most.
      const earlier = live[i - 3];
      if (i % 7 === 0 && earlier !== undefined) messages.push({ ...earlier, sentAtMs: message.sentAtMs, note: 'duplicate: resent three reports later' });
    });
    const reports = points.map((p) => p.report);
    return {
      name: 'duplicates',
      description:
        'A Sanya coach on G98 with one 3.5-minute overspeed episode; many reports are published twice (back to back, or ' +
        'again three reports later) → still exactly one speeding violation and one stored position per report.',
      seed,
      startMs: points[0]?.tsMs as number,
      endMs: lastTs(messages),
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: speedingExpectation(vehicle.deviceId, reports, 100),
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  'dead-zone-burst'(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9701'), suffix);
    const path = new RoutePath(g9811);
    const startMs = localMs('11:00');
    const points = track({
      vehicle,
      route: path,
      seed,
      startMs,
      // From Tunchang (vertex 2) south through the mountains towards Qiongzhong.
      startDistanceKm: path.distanceOfVertex(2) / 1000,
      plan: [
        { kind: 'drive', speedKmh: 85, durationMin: 26, label: 'cruise' },
        { kind: 'drive', speedKmh: 112, durationMin: 3.5, label: 'overspeed' },
        { kind: 'drive', speedKmh: 85, durationMin: 20, label: 'cruise-after' },
        { kind: 'stop', durationMin: 10, label: 'parked' },
      ],
    });
    // No signal from 11:20 to 11:35: the terminal buffers; on reconnecting it first sends the backlog as one batch
    // (0x0704), then live reports resume. The overspeed episode (11:26–11:29:30) is only in the backlog.
    const fromMs = startMs + 20 * 60_000;
    const toMs = startMs + 35 * 60_000;
    const buffered = points.filter((p) => p.tsMs >= fromMs && p.tsMs < toMs);
    const resumeAt = points.find((p) => p.tsMs >= toMs) as TrackPoint;
    const messages: ScenarioMessage[] = [];
    for (const point of points) {
      if (point.tsMs >= fromMs && point.tsMs < toMs) continue;
      if (point === resumeAt) {
        messages.push(batchMessage(vehicle.deviceId, buffered.map((p) => p.report), resumeAt.tsMs, `dead-zone backlog: ${buffered.length} reports`));
      }
      messages.push(reportMessage(point.report, point.tsMs));
    }
    const reports = points.map((p) => p.report);
    return {
      name: 'dead-zone-burst',
      description:
        'A coach on G9811 south of Tunchang loses the network for 15 minutes; the overspeed episode (112 km/h, 3.5 min) ' +
        'happens in the dead zone and arrives in the batch sent on reconnection, before live reports resume → one ' +
        'speeding violation, nothing late.',
      seed,
      startMs: points[0]?.tsMs as number,
      endMs: lastTs(messages),
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: speedingExpectation(vehicle.deviceId, reports, 100),
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  'out-of-order'(seed, suffix) {
    const vehicle = withSuffix(coach('hn-coach-9801', { city: '琼海市' }), suffix);
    const points = track({
      vehicle,
      route: sliceLine(g98Ring, 4, 10), // Qionghai → Sanya
      seed,
      startMs: localMs('15:00'),
      plan: speedingPlan(15, 15),
    });
    // Reports shuffled within consecutive 2-minute windows, each window sent at its end: at most 2 min late.
    const rng = Rng.derive(seed, 'shuffle', vehicle.deviceId);
    const windowMs = 120_000;
    const startMs = points[0]?.tsMs as number;
    const groups = new Map<number, TrackPoint[]>();
    for (const point of points) {
      const key = Math.floor((point.tsMs - startMs) / windowMs);
      groups.set(key, [...(groups.get(key) ?? []), point]);
    }
    const messages: ScenarioMessage[] = [];
    for (const group of groups.values()) {
      const shuffled = [...group];
      for (let i = shuffled.length - 1; i > 0; i -= 1) {
        const j = rng.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j] as TrackPoint, shuffled[i] as TrackPoint];
      }
      const sentAtMs = (group.at(-1) as TrackPoint).tsMs;
      for (const point of shuffled) messages.push(reportMessage(point.report, sentAtMs));
    }
    const reports = points.map((p) => p.report);
    return {
      name: 'out-of-order',
      description:
        'A coach on G98 from Qionghai with one 3.5-minute overspeed episode; reports arrive shuffled within 2-minute ' +
        'windows (inside the 5-minute allowed lateness) → the same single speeding violation as in order.',
      seed,
      startMs,
      endMs: lastTs(messages),
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(vehicle)],
      messages,
      expected: {
        violations: speedingExpectation(vehicle.deviceId, reports, 100),
        terminalAlarms: alarmRisingEdges(vehicle.deviceId, reports),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },

  malformed(seed, suffix) {
    const a = withSuffix(coach('hn-coach-9901'), suffix);
    const b = withSuffix(coach('hn-coach-9902', { city: '三亚市' }), suffix);
    const startMs = localMs('10:00');
    const plan: PlanStep[] = [
      { kind: 'drive', speedKmh: 85, durationMin: 20 },
      { kind: 'stop', durationMin: 5 },
    ];
    const pointsA = track({ vehicle: a, route: g98Ring, seed, startMs, plan });
    const pointsB = track({ vehicle: b, route: sliceLine(g98Ring, 10, 4), seed, startMs: startMs + 7_000, plan });
    const reportAt = (points: readonly TrackPoint[], minute: number) =>
      (points.find((p) => p.tsMs >= startMs + minute * 60_000) ?? (points.at(-1) as TrackPoint)).report;
    const topicA = topics.fleetTelemetry(a.deviceId);
    const bad = (minute: number, defect: MessageDefect, payload: unknown, note: string, raw = false): ScenarioMessage => ({
      topic: topicA,
      clientId: a.deviceId,
      payload,
      ...(raw ? { raw: true } : {}),
      sentAtMs: startMs + minute * 60_000 + 500,
      valid: false,
      defect,
      note,
    });
    const r2 = reportAt(pointsA, 2);
    const { lat: _lat, lon: _lon, ts: _ts, ...withoutPosition } = reportAt(pointsA, 4);
    const r6 = reportAt(pointsA, 6);
    const batchReports = pointsA.filter((p) => p.tsMs >= startMs + 8 * 60_000).slice(0, 3).map(({ report: { schemaVersion: _v, deviceId: _d, ...rest } }) => rest);
    const r12 = reportAt(pointsA, 12);
    const r14 = reportAt(pointsA, 14);
    const malformed: ScenarioMessage[] = [
      bad(1, 'not-json', `{"deviceId":"${a.deviceId}","seq":${r2.seq},"ts":"${r2.ts}","lat":`, 'truncated JSON', true),
      bad(3, 'empty', '', 'empty payload', true),
      bad(4, 'missing-fields', withoutPosition, 'report without ts, lat and lon'),
      bad(6, 'out-of-range', { ...r6, speedKmh: 300 }, 'speedKmh 300 (contract maximum 250)'),
      bad(10, 'batch-bad-report', { schemaVersion: 1, deviceId: a.deviceId, reports: batchReports.map((r, i) => (i === 1 ? { ...r, lat: 95 } : r)) }, 'batch whose second report has lat 95'),
      bad(
        11,
        'batch-device-mismatch',
        { schemaVersion: 1, deviceId: a.deviceId, reports: batchReports.map((r, i) => (i === 2 ? { ...r, deviceId: b.deviceId } : r)) },
        'batch of A whose third report names B',
      ),
      bad(12, 'ts-without-offset', { ...r12, ts: r12.ts.slice(0, 19) }, 'ts without a UTC offset'),
      bad(14, 'device-mismatch', { ...reportAt(pointsB, 14) }, `B's report published by A on A's topic (r14 of A has seq ${r14.seq})`),
    ];
    const messages = mergeBySendTime(liveMessages(pointsA), liveMessages(pointsB), malformed);
    return {
      name: 'malformed',
      description:
        'Two coaches report normally for 25 minutes while coach A also publishes eight broken messages (truncated JSON, ' +
        'empty, missing fields, out of range, bad batch report, batch naming another device, ts without offset, another ' +
        "device's report on its topic) → all eight rejected, every valid report kept, no violation.",
      seed,
      startMs,
      endMs: lastTs(messages),
      localWindow: DAYTIME,
      vehicles: [toRegistryVehicle(a), toRegistryVehicle(b)],
      messages,
      expected: {
        violations: [],
        terminalAlarms: [],
        distinctReports: distinctReports(messages),
        rejectedMessages: malformed.length,
      },
    };
  },

  'city-fleet'(seed, suffix) {
    const fleet: Array<{ vehicle: FleetVehicle; route: RoutePath; startKm: number; plan: PlanStep[] }> = [];
    const haikou = new RoutePath(haikouCityLoop);
    const sanya = new RoutePath(sanyaCityLine);
    const rng = Rng.derive(seed, 'city-fleet');
    const busPlan = (r: Rng): PlanStep[] => {
      const steps: PlanStep[] = [];
      const service = (n: number) => {
        for (let i = 0; i < n; i += 1) {
          steps.push({ kind: 'drive', speedKmh: r.range(28, 38), durationMin: r.range(1.5, 3) });
          steps.push({ kind: 'stop', durationMin: r.range(0.4, 1), ignition: true, label: 'bus-stop' });
        }
      };
      service(18);
      steps.push({ kind: 'stop', durationMin: 12, charge: true, label: 'terminus-charging' });
      service(8);
      return steps;
    };
    const taxiPlan = (r: Rng, sos: boolean): PlanStep[] => {
      const steps: PlanStep[] = [];
      for (let i = 0; i < 9; i += 1) {
        const occupied = i % 2 === 0;
        steps.push({ kind: 'drive', speedKmh: r.range(30, 50), durationMin: r.range(5, 10), occupied, label: occupied ? 'fare' : 'cruising' });
        steps.push(
          sos && i === 4
            ? { kind: 'stop', durationMin: 3, ignition: true, alarmBits: ALARM_SOS, label: 'sos' }
            : { kind: 'stop', durationMin: r.range(0.5, 2.5), ignition: true, occupied: !occupied, label: occupied ? 'drop-off' : 'pick-up' },
        );
      }
      return steps;
    };
    const add = (vehicle: FleetVehicle, route: RoutePath, plan: PlanStep[]) =>
      fleet.push({ vehicle: withSuffix(vehicle, suffix), route, startKm: rng.range(0, route.lengthM / 1000), plan });
    add({ deviceId: 'hn-bus-9001', category: 'bus', energyType: 'bev', city: '海口市' }, haikou, busPlan(Rng.derive(seed, 'bus', '1')));
    add({ deviceId: 'hn-bus-9002', category: 'bus', energyType: 'bev', city: '海口市' }, haikou, busPlan(Rng.derive(seed, 'bus', '2')));
    add({ deviceId: 'hn-bus-9003', category: 'bus', energyType: 'cng', city: '海口市' }, haikou, busPlan(Rng.derive(seed, 'bus', '3')));
    add({ deviceId: 'hn-taxi-9011', category: 'taxi', energyType: 'bev', city: '海口市' }, haikou, taxiPlan(Rng.derive(seed, 'taxi', '1'), true));
    add({ deviceId: 'hn-taxi-9012', category: 'taxi', energyType: 'cng', city: '海口市' }, haikou, taxiPlan(Rng.derive(seed, 'taxi', '2'), false));
    add({ deviceId: 'hn-bus-9021', category: 'bus', energyType: 'bev', city: '三亚市' }, sanya, busPlan(Rng.derive(seed, 'bus', '4')));
    add({ deviceId: 'hn-taxi-9031', category: 'taxi', energyType: 'phev', city: '三亚市' }, sanya, taxiPlan(Rng.derive(seed, 'taxi', '3'), false));
    const startMs = localMs('07:00');
    const tracks = fleet.map(({ vehicle, route, startKm, plan }, i) =>
      track({ vehicle, route, seed, startMs: startMs + i * 3_000, startDistanceKm: startKm, plan, socPct: 60 + 5 * i }),
    );
    const messages = mergeBySendTime(...tracks.map(liveMessages));
    return {
      name: 'city-fleet',
      description:
        'Haikou and Sanya buses (BEV, one CNG) and taxis (BEV, CNG, PHEV) in morning service for about 90 minutes: bus stops, ' +
        'a charging layover, taxi fares; one taxi driver presses SOS for 3 minutes. Not supervised categories → no violation.',
      seed,
      startMs,
      endMs: lastTs(messages),
      vehicles: fleet.map(({ vehicle }) => toRegistryVehicle(vehicle)),
      messages,
      expected: {
        violations: [],
        terminalAlarms: tracks.flatMap((points, i) => alarmRisingEdges(fleet[i]?.vehicle.deviceId as string, points.map((p) => p.report))),
        distinctReports: distinctReports(messages),
        rejectedMessages: 0,
      },
    };
  },
};

export function isScenarioName(name: string): name is ScenarioName {
  return (scenarioNames as readonly string[]).includes(name);
}

export function buildScenario(name: ScenarioName, options: ScenarioOptions = {}): Scenario {
  const builder = builders[name];
  if (builder === undefined) throw new RangeError(`unknown scenario ${String(name)}; known: ${scenarioNames.join(', ')}`);
  return builder(options.seed ?? DEFAULT_SCENARIO_SEED, options.deviceSuffix ?? '');
}

export function buildAllScenarios(options: ScenarioOptions = {}): Scenario[] {
  return scenarioNames.map((name) => buildScenario(name, options));
}

// ---------------------------------------------------------------------------------------------------------------
// Moving a scenario in time

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const ISO_LOCAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/;

function shiftTs(value: string, deltaMs: number): string {
  if (ISO_WITH_OFFSET.test(value)) return toShanghaiIso(Date.parse(value) + deltaMs);
  // The deliberately offset-less ts of the malformed scenario stays offset-less (read as local time).
  if (ISO_LOCAL.test(value)) return toShanghaiIso(Date.parse(`${value}+08:00`) + deltaMs).slice(0, value.length);
  return value;
}

function shiftPayload(value: unknown, deltaMs: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shiftPayload(item, deltaMs));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = key === 'ts' && typeof item === 'string' ? shiftTs(item, deltaMs) : shiftPayload(item, deltaMs);
  return out;
}

function shiftFact(key: string, value: string | number | boolean, deltaMs: number): string | number | boolean {
  return typeof value === 'string' && key.endsWith('Ts') ? shiftTs(value, deltaMs) : value;
}

/**
 * The same scenario moved in time so that it starts at `newStartMs`: every `ts` (also inside batches, and the
 * offset-less one of the malformed scenario), send time, expected window and sweep time shifts by the same amount;
 * spacing and order are unchanged. Raw (non-JSON) payloads are left as they are. Does not check `localWindow`.
 */
export function rebase(scenario: Scenario, newStartMs: number): Scenario {
  if (!Number.isFinite(newStartMs)) throw new RangeError('rebase: newStartMs must be a finite epoch time in ms');
  const deltaMs = Math.round(newStartMs) - scenario.startMs;
  if (deltaMs === 0) return scenario;
  const e = scenario.expected;
  return {
    ...scenario,
    startMs: scenario.startMs + deltaMs,
    endMs: scenario.endMs + deltaMs,
    messages: scenario.messages.map((message) => ({
      ...message,
      sentAtMs: message.sentAtMs + deltaMs,
      payload: message.raw === true ? message.payload : shiftPayload(message.payload, deltaMs),
    })),
    expected: {
      ...e,
      violations: e.violations.map((violation) => ({
        ...violation,
        startWindow: { fromMs: violation.startWindow.fromMs + deltaMs, toMs: violation.startWindow.toMs + deltaMs },
        facts: Object.fromEntries(Object.entries(violation.facts).map(([key, value]) => [key, shiftFact(key, value, deltaMs)])),
      })),
      terminalAlarms: e.terminalAlarms.map((alarm) => ({ ...alarm, atMs: alarm.atMs + deltaMs })),
      ...(e.sweepAtMs === undefined ? {} : { sweepAtMs: e.sweepAtMs + deltaMs }),
    },
  };
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

function minutesOf(hhmm: string): number {
  const match = /^(\d\d):(\d\d)$/.exec(hhmm);
  if (match === null) throw new RangeError(`bad HH:MM ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The latest placement of the scenario that ends at least `marginMs` before `nowMs` and, if the scenario has a
 * `localWindow`, lies inside that local time of day (looking back up to three days); a `fixedTimeOfDay` scenario
 * moves by whole days only (it may then end up to a day before now). Without a window the scenario
 * simply ends at `nowMs − marginMs`. Use it to feed a scenario to an ingest that checks event times against its clock.
 */
export function rebaseBefore(scenario: Scenario, nowMs: number, marginMs = 60_000): Scenario {
  const latestEnd = nowMs - marginMs;
  const span = scenario.endMs - scenario.startMs;
  if (scenario.fixedTimeOfDay === true) {
    const days = Math.floor((latestEnd - scenario.endMs) / DAY_MS);
    return rebase(scenario, scenario.startMs + days * DAY_MS);
  }
  const window = scenario.localWindow;
  if (window === undefined) return rebase(scenario, latestEnd - span);
  const fromMin = minutesOf(window.from);
  const toMin = minutesOf(window.to);
  if (!(fromMin < toMin)) throw new RangeError(`scenario ${scenario.name}: localWindow must not cross midnight`);
  const localMidnight = Math.floor((latestEnd + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
  for (let day = 0; day <= 3; day += 1) {
    const dayStart = localMidnight - day * DAY_MS;
    const windowStart = dayStart + fromMin * 60_000;
    const windowEnd = dayStart + toMin * 60_000;
    const end = Math.min(latestEnd, windowEnd);
    if (end - span >= windowStart) return rebase(scenario, end - span);
  }
  throw new RangeError(`scenario ${scenario.name} (${Math.round(span / 60_000)} min) does not fit its local window ${window.from}–${window.to}`);
}

/** The bytes to publish for a message. */
export function encodePayload(message: ScenarioMessage): string {
  return message.raw === true ? String(message.payload) : JSON.stringify(message.payload);
}
