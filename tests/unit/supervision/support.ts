/**
 * Test support for the supervision engine: fixture readers (CSV with # comments, JSON scenarios), local-time helpers
 * and a track builder that turns readable segments ("drive 4 h at 80 km/h, park 20 min") into position reports.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { advanceVehicle, flushAt } from '../../../functions/domain/supervision/engine.ts';
import type { VehicleRuleState } from '../../../functions/domain/supervision/engine.ts';
import type { LonLat } from '../../../functions/domain/supervision/hainan-geography.ts';
import type { SupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import { defaultSupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import type {
  PositionReport,
  SupervisedVehicle,
  TerminalAlarmEvent,
  Violation,
} from '../../../functions/domain/supervision/types.ts';

const fixtureDir = fileURLToPath(new URL('../../fixtures/supervision/', import.meta.url));

export type CsvRow = Readonly<Record<string, string>>;

/** Rows of a fixture CSV (no quoting needed in these fixtures); `#` lines are comments, the first other is the header. */
export function readCsv(name: string): CsvRow[] {
  const lines = readFileSync(`${fixtureDir}${name}`, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const [header, ...body] = lines;
  if (header === undefined) throw new Error(`${name}: no header`);
  const columns = header.split(',').map((c) => c.trim());
  return body.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new Error(`${name} row ${i + 1}: ${cells.length} cells, want ${columns.length}`);
    return Object.fromEntries(columns.map((c, k) => [c, (cells[k] ?? '').trim()]));
  });
}

export function cell(row: CsvRow, column: string): string {
  const v = row[column];
  if (v === undefined) throw new Error(`no column ${column}`);
  return v;
}

export function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(`${fixtureDir}${name}`, 'utf8')) as T;
}

/** '2024-06-03T10:00:00' (Asia/Shanghai local) → epoch ms. */
export function localMs(text: string): number {
  const ms = Date.parse(`${text}+08:00`);
  if (Number.isNaN(ms)) throw new Error(`bad local time ${text}`);
  return ms;
}

/** Sites with a known road class under the default zones (checked in rules-config.test.ts). */
export const sites = {
  /** Inland between Lingao and Tunchang: ≥ 20 km from G98, G9811 and every hazmat area. Circle of 2 km radius. */
  ordinary: { type: 'circle', centre: [109.9, 19.6], radiusM: 2_000 },
  /** On G98 between Dazhipo and Qionghai, driving south along the traced line (28 km). */
  g98: { type: 'line', from: [110.5, 19.75], to: [110.47, 19.5] },
  /** On G9811 between Tunchang and Qiongzhong (45 km). */
  g9811: { type: 'line', from: [110.1, 19.36], to: [109.85, 19.03] },
  /** Test only: a 415 km straight ordinary road at 21.5° N (Leizhou peninsula, outside every default zone). */
  longRoad: { type: 'line', from: [108.0, 21.5], to: [112.0, 21.5] },
} as const;

export type SiteName = keyof typeof sites;

export interface Segment {
  readonly durationS: number;
  readonly speedKmh: number;
  readonly driverId?: string;
  readonly alarmFlags?: number;
  /** Report interval for this segment (default: the track's). */
  readonly intervalS?: number;
  /** Hold the vehicle at this point (zone tests) instead of moving along the site. */
  readonly at?: LonLat;
  /** false: time passes without reports (a dead zone or a silent terminal); the vehicle keeps its speed. */
  readonly reports?: boolean;
}

export interface Spike {
  /** Offset of the report to corrupt, seconds from the start (a report must exist there). */
  readonly atS: number;
  readonly speedKmh?: number;
  /** Added to lon/lat (a position spike). */
  readonly jumpDeg?: number;
}

export interface TrackSpec {
  readonly deviceId?: string;
  readonly site?: SiteName;
  /** Local start time, e.g. '2024-06-03T10:00:00'. */
  readonly start: string;
  readonly intervalS: number;
  readonly segments: readonly Segment[];
  readonly spikes?: readonly Spike[];
  readonly driverId?: string;
}

const DEG = Math.PI / 180;
const M_PER_DEG = 6_371_008.8 * DEG;

/** Reports every intervalS over each segment [start, start + duration); the next segment starts where it ends. */
export function buildTrack(spec: TrackSpec): PositionReport[] {
  const deviceId = spec.deviceId ?? 'HN-TEST-1';
  const site = sites[spec.site ?? 'ordinary'];
  const t0 = localMs(spec.start);
  const out: PositionReport[] = [];
  let travelledM = 0;
  let t = 0;
  let seq = 1;
  let prevT = 0;
  let prevSpeed = 0;
  const position = (m: number): [number, number] => {
    if (site.type === 'circle') {
      const angle = m / site.radiusM;
      const [cx, cy] = site.centre;
      return [cx + (Math.cos(angle) * site.radiusM) / (M_PER_DEG * Math.cos(cy * DEG)), cy + (Math.sin(angle) * site.radiusM) / M_PER_DEG];
    }
    const [ax, ay] = site.from;
    const [bx, by] = site.to;
    const lengthM = Math.hypot((bx - ax) * Math.cos(ay * DEG), by - ay) * M_PER_DEG;
    // Bounce between the ends so that long tracks stay on the road.
    const u = (m / lengthM) % 2;
    const f = u <= 1 ? u : 2 - u;
    return [ax + (bx - ax) * f, ay + (by - ay) * f];
  };
  for (const seg of spec.segments) {
    const step = seg.intervalS ?? spec.intervalS;
    for (let s = 0; seg.reports !== false && s < seg.durationS; s += step) {
      travelledM += (prevSpeed / 3.6) * (t + s - prevT);
      prevT = t + s;
      prevSpeed = seg.speedKmh;
      const [lon, lat] = seg.at ?? position(travelledM);
      const driverId = seg.driverId ?? spec.driverId;
      out.push({
        deviceId,
        seq: seq++,
        tsMs: t0 + (t + s) * 1000,
        lat,
        lon,
        speedKmh: seg.speedKmh,
        headingDeg: 0,
        ...(driverId === undefined ? {} : { driverId }),
        ...(seg.alarmFlags === undefined ? {} : { alarmFlags: seg.alarmFlags }),
      });
    }
    t += seg.durationS;
  }
  for (const spike of spec.spikes ?? []) {
    const i = out.findIndex((r) => r.tsMs === t0 + spike.atS * 1000);
    if (i < 0) throw new Error(`no report at ${spike.atS} s to corrupt`);
    const r = out[i] as PositionReport;
    const jump = spike.jumpDeg ?? 0;
    out[i] = { ...r, speedKmh: spike.speedKmh ?? r.speedKmh, lon: r.lon + jump, lat: r.lat + jump };
  }
  return out;
}

export interface RunOutput {
  readonly state: VehicleRuleState;
  readonly violations: Violation[];
  readonly alarmEvents: TerminalAlarmEvent[];
  readonly lateReports: PositionReport[];
  readonly duplicates: number;
}

/** All reports in one batch, then a flush far past the end so that every report is applied. */
export function runAll(
  vehicle: SupervisedVehicle,
  reports: readonly PositionReport[],
  rules: SupervisionRules = defaultSupervisionRules,
  batches: readonly (readonly PositionReport[])[] = [reports],
): RunOutput {
  let state: VehicleRuleState | undefined;
  const violations: Violation[] = [];
  const alarmEvents: TerminalAlarmEvent[] = [];
  const lateReports: PositionReport[] = [];
  let duplicates = 0;
  let newest = Number.MIN_SAFE_INTEGER;
  for (const batch of batches) {
    const r = advanceVehicle(state, vehicle, batch, rules);
    state = r.state;
    violations.push(...r.violations);
    alarmEvents.push(...r.alarmEvents);
    lateReports.push(...r.lateReports);
    duplicates += r.duplicates;
    for (const p of batch) newest = Math.max(newest, p.tsMs);
  }
  const flushed = flushAt(state, vehicle, newest + 86_400_000, rules);
  violations.push(...flushed.violations);
  alarmEvents.push(...flushed.alarmEvents);
  return { state: flushed.state, violations, alarmEvents, lateReports, duplicates };
}

export function vehicle(spec: Partial<SupervisedVehicle> = {}): SupervisedVehicle {
  return { deviceId: 'HN-TEST-1', category: 'heavy-truck', ...spec };
}

export interface ExpectedViolation {
  readonly type: Violation['type'];
  readonly startS?: number;
  readonly startLocal?: string;
  readonly endS?: number;
  readonly driverId?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  /** Detail fields that hold instants, as seconds from the track start. */
  readonly timesS?: Readonly<Record<string, number>>;
}

export interface Scenario extends TrackSpec {
  readonly name: string;
  readonly vehicle: Partial<SupervisedVehicle>;
  readonly expect: readonly ExpectedViolation[];
}

export function byStart(a: Violation, b: Violation): number {
  return a.startMs - b.startMs || a.type.localeCompare(b.type);
}

/** Runs a scenario and compares the violations (sorted by start) with its expectations. */
export function checkScenario(s: Scenario, expectFn: (actual: unknown, message?: string) => { toBe(v: unknown): void; toMatchObject(v: object): void; toEqual(v: unknown): void }): Violation[] {
  const t0 = localMs(s.start);
  const reports = buildTrack(s);
  const { violations } = runAll(vehicle(s.vehicle), reports);
  const sorted = [...violations].sort(byStart);
  expectFn(
    sorted.map((v) => `${v.type}@${(v.startMs - t0) / 1000}`),
    'violations',
  ).toEqual(s.expect.map((e) => `${e.type}@${e.startLocal === undefined ? e.startS : (localMs(e.startLocal) - t0) / 1000}`));
  s.expect.forEach((e, i) => {
    const v = sorted[i] as Violation;
    if (e.endS !== undefined) expectFn(v.endMs, `${e.type} endMs`).toBe(t0 + e.endS * 1000);
    if (e.driverId !== undefined) expectFn(v.driverId, 'driverId').toBe(e.driverId);
    if (e.details !== undefined) expectFn(v.details, `${e.type} details`).toMatchObject(e.details);
    for (const [k, sec] of Object.entries(e.timesS ?? {})) expectFn(v.details[k], k).toBe(t0 + sec * 1000);
    expectFn(v.violationId, 'id').toBe(`${v.type}:${v.deviceId}:${v.driverId ?? '-'}:${v.startMs}`);
    expectFn(v.basis.source.length > 0, 'basis.source').toBe(true);
    expectFn(v.evidence.length > 0, 'evidence').toBe(true);
  });
  return violations;
}
