import { describe, expect, it } from 'vitest';
import { NONE_MS, advanceVehicle, checkSilent, flushAt } from '../../../functions/domain/supervision/engine.ts';
import type { VehicleRuleState } from '../../../functions/domain/supervision/engine.ts';
import { defaultSupervisionRules, defineSupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import type { PositionReport } from '../../../functions/domain/supervision/types.ts';
import { buildTrack, localMs, runAll, vehicle } from './support.ts';

const T0 = localMs('2024-06-03T10:00:00');
const track = (durationS: number, speedKmh = 50, intervalS = 10): PositionReport[] =>
  buildTrack({ start: '2024-06-03T10:00:00', intervalS, segments: [{ durationS, speedKmh }] });

describe('watermark and pending', () => {
  it('applies reports up to newest − 300 s; the rest wait in pending', () => {
    const reports = track(600);
    const r = advanceVehicle(undefined, vehicle(), reports);
    expect(r.state.watermarkMs).toBe(T0 + 590_000 - 300_000);
    expect(r.state.pending.map((p) => p.tsMs)).toEqual(reports.filter((p) => p.tsMs > T0 + 290_000).map((p) => p.tsMs));
    expect(r.state.lastApplied?.tsMs).toBe(T0 + 290_000);
    expect(r.lateReports).toEqual([]);
  });

  it('a report at or below the previous watermark is late: returned, never applied', () => {
    const reports = track(600);
    const first = advanceVehicle(undefined, vehicle(), reports);
    const atWatermark = { ...(reports[29] as PositionReport), seq: 9_001 };
    const older = { ...(reports[3] as PositionReport), seq: 9_002, speedKmh: 120 };
    const inTime = { ...(reports[40] as PositionReport), seq: 9_003, tsMs: (reports[40] as PositionReport).tsMs + 1 };
    const second = advanceVehicle(first.state, vehicle(), [atWatermark, older, inTime]);
    expect(second.lateReports).toEqual([atWatermark, older]);
    expect(second.state.pending).toContain(inTime);
    expect(second.duplicates).toBe(0);
  });

  it('a late report never changes the outcome (an overspeed minute delivered late is not applied)', () => {
    const calm = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 1, segments: [{ durationS: 1200, speedKmh: 50 }] });
    const first = advanceVehicle(undefined, vehicle(), calm.slice(400));
    const fast = calm.slice(0, 200).map((p) => ({ ...p, speedKmh: 90 }));
    const second = advanceVehicle(first.state, vehicle(), fast);
    expect(second.lateReports).toHaveLength(200);
    expect(flushAt(second.state, vehicle(), T0 + 86_400_000).violations).toEqual([]);
  });

  it('the watermark never goes back', () => {
    const reports = track(600);
    const first = advanceVehicle(undefined, vehicle(), reports);
    const flushed = flushAt(first.state, vehicle(), T0);
    expect(flushed.state.watermarkMs).toBe(first.state.watermarkMs);
  });

  it('flushAt applies pending reports of a vehicle that stopped reporting', () => {
    const reports = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 1, segments: [{ durationS: 30, speedKmh: 50 }, { durationS: 90, speedKmh: 90 }, { durationS: 10, speedKmh: 40 }] });
    const first = advanceVehicle(undefined, vehicle(), reports);
    expect(first.violations).toEqual([]);
    const flushed = flushAt(first.state, vehicle(), T0 + 3_600_000);
    expect(flushed.violations.map((v) => v.type)).toEqual(['speeding']);
    expect(flushed.state.pending).toEqual([]);
    // and once only
    expect(flushAt(flushed.state, vehicle(), T0 + 7_200_000).violations).toEqual([]);
  });

  it('pending is bounded: overflow applies the oldest and closes time up to them', () => {
    const rules = defineSupervisionRules({ watermark: { maxPendingReports: { value: 50 } } });
    const reports = track(290, 50, 1);
    const r = advanceVehicle(undefined, vehicle(), reports, rules);
    expect(r.state.pending).toHaveLength(50);
    expect(r.state.watermarkMs).toBe((reports[reports.length - 51] as PositionReport).tsMs);
  });

  it('does not mutate the state it is given', () => {
    const reports = track(1200);
    const first = advanceVehicle(undefined, vehicle(), reports.slice(0, 60));
    const snapshot = JSON.stringify(first.state);
    advanceVehicle(first.state, vehicle(), reports.slice(60));
    flushAt(first.state, vehicle(), T0 + 86_400_000);
    expect(JSON.stringify(first.state)).toBe(snapshot);
  });

  it('rejects reports or state of another device', () => {
    const other = { ...(track(10)[0] as PositionReport), deviceId: 'OTHER' };
    expect(() => advanceVehicle(undefined, vehicle(), [other])).toThrow(RangeError);
    const st = advanceVehicle(undefined, vehicle(), track(10)).state;
    expect(() => advanceVehicle(st, vehicle({ deviceId: 'OTHER' }), [])).toThrow(RangeError);
  });
});

describe('duplicates', () => {
  it('counts a report repeated in the same batch, against pending, and against recently applied keys', () => {
    const reports = track(900);
    const first = advanceVehicle(undefined, vehicle(), [...reports, reports[5] as PositionReport, reports[80] as PositionReport]);
    expect(first.duplicates).toBe(2);
    const again = advanceVehicle(first.state, vehicle(), [reports[85] as PositionReport, reports[10] as PositionReport]);
    expect(again.duplicates).toBe(2);
    expect(again.lateReports).toEqual([]);
  });

  it('duplicates change nothing', () => {
    const reports = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 1, segments: [{ durationS: 30, speedKmh: 50 }, { durationS: 90, speedKmh: 90 }, { durationS: 30, speedKmh: 50 }] });
    const once = runAll(vehicle(), reports);
    const twice = runAll(vehicle(), reports, defaultSupervisionRules, [reports, reports, reports.slice(50, 60)]);
    expect(twice.violations).toEqual(once.violations);
    expect(twice.duplicates).toBe(reports.length + 10);
  });

  it('the memory of applied keys is bounded', () => {
    const rules = defineSupervisionRules({ watermark: { dedupeMemory: { value: 20 } } });
    const r = advanceVehicle(undefined, vehicle(), track(3600), rules);
    expect(r.state.recentTs).toHaveLength(20);
    expect(r.state.recentSeq).toHaveLength(20);
    // older than the memory and below the watermark: reported as late instead (still never applied)
    const again = advanceVehicle(r.state, vehicle(), [track(3600)[0] as PositionReport], rules);
    expect(again.lateReports).toHaveLength(1);
  });
});

describe('silent terminal', () => {
  const reports = track(60);
  const lastTs = (reports[reports.length - 1] as PositionReport).tsMs;
  const st = advanceVehicle(undefined, vehicle(), reports).state;

  it('exactly 30 min after the newest report: not yet; later: one violation', () => {
    expect(checkSilent(st, vehicle(), lastTs + 1_800_000).violation).toBeUndefined();
    const c = checkSilent(st, vehicle(), lastTs + 1_800_001);
    expect(c.violation).toMatchObject({
      type: 'silent-terminal',
      startMs: lastTs,
      violationId: `silent-terminal:HN-TEST-1:-:${lastTs}`,
      details: { lastReportTsMs: lastTs, thresholdS: 1800 },
    });
    expect(c.violation?.evidence.map((r) => r.tsMs)).toEqual([lastTs]);
  });

  it('raised once per silence episode; a new report opens a new episode', () => {
    const c1 = checkSilent(st, vehicle(), lastTs + 2_000_000);
    expect(c1.violation).toBeDefined();
    expect(checkSilent(c1.state, vehicle(), lastTs + 9_000_000).violation).toBeUndefined();
    const later = { ...(reports[0] as PositionReport), seq: 999, tsMs: lastTs + 3_000_000 };
    const resumed = advanceVehicle(c1.state, vehicle(), [later]).state;
    expect(checkSilent(resumed, vehicle(), lastTs + 3_000_000 + 1_000_000).violation).toBeUndefined();
    expect(checkSilent(resumed, vehicle(), lastTs + 3_000_000 + 1_800_001).violation?.startMs).toBe(later.tsMs);
  });

  it('not for a vehicle parked with the ignition off (configurable)', () => {
    const parked = reports.map((r, i) => (i === reports.length - 1 ? { ...r, speedKmh: 0, ignition: false } : r));
    const parkedState = advanceVehicle(undefined, vehicle(), parked).state;
    expect(checkSilent(parkedState, vehicle(), lastTs + 9_000_000).violation).toBeUndefined();
    const strict = defineSupervisionRules({ silentTerminal: { parkedWithIgnitionOffIsOutOfService: { value: false } } });
    expect(checkSilent(parkedState, vehicle(), lastTs + 9_000_000, strict).violation?.type).toBe('silent-terminal');
  });

  it('not for out-of-service, unsupervised or never-reporting vehicles', () => {
    expect(checkSilent(st, vehicle({ inService: false }), lastTs + 9_000_000).violation).toBeUndefined();
    expect(checkSilent(st, vehicle({ category: 'taxi' }), lastTs + 9_000_000).violation).toBeUndefined();
    expect(checkSilent(undefined, vehicle(), lastTs + 9_000_000)).toEqual({ state: undefined });
    const empty = advanceVehicle(undefined, vehicle(), []).state;
    expect(empty.newestTsMs).toBe(NONE_MS);
    expect(checkSilent(empty, vehicle(), lastTs).violation).toBeUndefined();
  });
});

describe('terminal alarm rising edges', () => {
  const bits = (...b: number[]) => b.reduce((m, x) => (m | (1 << x)) >>> 0, 0);

  it('a recorded bit going from clear to set is one event; held bits and unrecorded bits are not', () => {
    const reports = buildTrack({
      start: '2024-06-03T10:00:00',
      intervalS: 10,
      segments: [
        { durationS: 20, speedKmh: 50, alarmFlags: 0 },
        { durationS: 30, speedKmh: 50, alarmFlags: bits(0, 3) },
        { durationS: 10, speedKmh: 50, alarmFlags: 0 },
        { durationS: 10, speedKmh: 50, alarmFlags: bits(0, 20, 21, 31) },
        { durationS: 10, speedKmh: 50 },
        { durationS: 10, speedKmh: 50, alarmFlags: bits(0, 20, 21, 31) },
      ],
    });
    const { alarmEvents } = runAll(vehicle(), reports);
    expect(alarmEvents.map((e) => [e.bit, e.name, (e.tsMs - T0) / 1000])).toEqual([
      [0, 'sos', 20],
      [0, 'sos', 60],
      [20, 'area-in-out', 60],
      [21, 'route-in-out', 60],
    ]);
    expect(alarmEvents[0]?.eventId).toBe(`alarm:HN-TEST-1:0:${T0 + 20_000}:3`);
    expect(alarmEvents[0]?.serverAgrees).toBeUndefined();
  });

  it('overspeed bit: serverAgrees tells whether the server saw the vehicle over its limit', () => {
    const reports = buildTrack({
      start: '2024-06-03T10:00:00',
      intervalS: 10,
      segments: [
        { durationS: 20, speedKmh: 60, alarmFlags: 0 },
        { durationS: 20, speedKmh: 60, alarmFlags: bits(1) },
        { durationS: 20, speedKmh: 80, alarmFlags: 0 },
        { durationS: 20, speedKmh: 80, alarmFlags: bits(1) },
      ],
    });
    const { alarmEvents } = runAll(vehicle(), reports);
    expect(alarmEvents.map((e) => [e.name, e.serverAgrees])).toEqual([
      ['overspeed', false],
      ['overspeed', true],
    ]);
  });

  it('fatigue bit: serverAgrees once the server has crossed 4 h', () => {
    const reports = buildTrack({
      start: '2024-06-03T06:00:00',
      intervalS: 60,
      segments: [
        { durationS: 3600, speedKmh: 50, alarmFlags: bits(2) },
        { durationS: 3 * 3600 + 60, speedKmh: 50, alarmFlags: 0 },
        { durationS: 600, speedKmh: 50, alarmFlags: bits(2, 14) },
      ],
    });
    const { alarmEvents } = runAll(vehicle(), reports);
    expect(alarmEvents.map((e) => [e.name, e.serverAgrees])).toEqual([
      ['fatigue', false],
      ['fatigue', true],
      ['fatigue-prewarning', undefined],
    ]);
  });

  it('which bits are recorded is configurable', () => {
    const rules = defineSupervisionRules({
      terminalAlarms: defaultSupervisionRules.terminalAlarms.map((a) => ({ ...a, recorded: a.bit === 1 })),
    });
    const reports = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 10, segments: [{ durationS: 20, speedKmh: 50, alarmFlags: bits(0, 1, 2) }] });
    expect(runAll(vehicle(), reports, rules).alarmEvents.map((e) => e.bit)).toEqual([1]);
  });

  it('unsupervised vehicles still report alarm events, without serverAgrees', () => {
    const reports = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 10, segments: [{ durationS: 20, speedKmh: 50, alarmFlags: bits(1) }] });
    expect(runAll(vehicle({ category: 'taxi' }), reports).alarmEvents.map((e) => [e.bit, e.serverAgrees])).toEqual([[1, undefined]]);
  });
});

describe('state is JSON-safe', () => {
  it('round-trips through JSON mid-track with the same outcome', () => {
    const reports = buildTrack({
      start: '2024-06-03T21:00:00',
      intervalS: 30,
      segments: [
        { durationS: 3600, speedKmh: 50, driverId: 'A' },
        { durationS: 600, speedKmh: 95, driverId: 'A' },
        { durationS: 4 * 3600, speedKmh: 50, driverId: 'A', alarmFlags: 4 },
        { durationS: 600, speedKmh: 0, driverId: 'A' },
      ],
    });
    const v = vehicle({ category: 'coach', nightRestricted: true });
    const direct = runAll(v, reports);
    let state: VehicleRuleState | undefined;
    const violations = [];
    for (let i = 0; i < reports.length; i += 37) {
      const r = advanceVehicle(state === undefined ? undefined : (JSON.parse(JSON.stringify(state)) as VehicleRuleState), v, reports.slice(i, i + 37));
      state = r.state;
      violations.push(...r.violations);
    }
    violations.push(...flushAt(state, v, T0 + 10 * 86_400_000).violations);
    expect(direct.violations.length).toBeGreaterThanOrEqual(3);
    expect(violations).toEqual(direct.violations);
  });
});
