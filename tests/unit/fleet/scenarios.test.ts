import { describe, expect, it } from 'vitest';
import { telemetryMessageV1 } from '../../../functions/contracts/telemetry.v1.ts';
import { vehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { hazmatRestrictedAreas } from '../../../functions/domain/supervision/hainan-geography.ts';
import { pointInRing } from '../../../devices/fleet/kinematics.ts';
import {
  buildAllScenarios,
  buildScenario,
  encodePayload,
  localMs,
  overLimitRuns,
  rebase,
  rebaseBefore,
  reportsOf,
  type Scenario,
  scenarioNames,
  stopsOf,
} from '../../../devices/fleet/scenarios.ts';
import { msSinceShanghaiMidnight } from '../../../devices/simulator/time.ts';

const all = buildAllScenarios();
const byName = (name: Scenario['name']) => all.find((s) => s.name === name) as Scenario;
const localMinute = (ms: number) => msSinceShanghaiMidnight(ms) / 60_000;

describe('every scenario', () => {
  it('is deterministic for a seed', () => {
    expect(buildAllScenarios()).toEqual(all);
    expect(buildScenario('speeding', { seed: 99 })).not.toEqual(byName('speeding'));
  });

  it.each(scenarioNames)('%s: valid messages pass telemetryMessageV1 and match topic and client; malformed ones do not', (name) => {
    const scenario = byName(name);
    expect(scenario.messages.length).toBeGreaterThan(0);
    for (const vehicle of scenario.vehicles) expect(vehicleV1.parse(vehicle)).toEqual(vehicle);
    const deviceIds = new Set(scenario.vehicles.map((v) => v.deviceId));
    let previousSent = Number.NEGATIVE_INFINITY;
    for (const message of scenario.messages) {
      const topicDevice = message.topic.split('/')[1] as string;
      expect(message.topic).toBe(`fleet/${topicDevice}/telemetry`);
      expect(message.clientId).toBe(topicDevice);
      expect(deviceIds.has(topicDevice)).toBe(true);
      expect(message.sentAtMs).toBeGreaterThanOrEqual(previousSent);
      previousSent = message.sentAtMs;
      const parsed = message.raw === true ? { success: false as const } : telemetryMessageV1.safeParse(message.payload);
      if (message.valid) {
        expect(parsed.success).toBe(true);
        if (parsed.success) {
          expect(parsed.data.deviceId).toBe(topicDevice);
          const tss = 'reports' in parsed.data ? parsed.data.reports.map((r) => Date.parse(r.ts)) : [Date.parse(parsed.data.ts)];
          for (const ts of tss) expect(ts).toBeLessThanOrEqual(message.sentAtMs);
        }
        // Published bytes round-trip.
        expect(JSON.parse(encodePayload(message))).toEqual(message.payload);
      } else if (message.defect === 'device-mismatch') {
        // Schema-valid, but another device's report on this device's topic.
        expect(parsed.success && parsed.data.deviceId !== topicDevice).toBe(true);
      } else if (message.defect === 'batch-device-mismatch') {
        // Schema-valid, but a report inside names another device ("may be repeated but must then match").
        expect(parsed.success && 'reports' in parsed.data && parsed.data.reports.some((r) => r.deviceId !== undefined && r.deviceId !== topicDevice)).toBe(true);
      } else {
        expect(parsed.success).toBe(false);
      }
    }
    expect(scenario.messages.filter((m) => !m.valid)).toHaveLength(scenario.expected.rejectedMessages);
    expect(scenario.startMs).toBeLessThanOrEqual(scenario.messages[0]?.sentAtMs ?? 0);
    expect(scenario.endMs).toBeGreaterThanOrEqual(previousSent);
    // Starts on the fixed simulated day (the night run at 01:20 that day, the city fleet at 07:00).
    expect(new Date(scenario.startMs + 8 * 3_600_000).toISOString().slice(0, 10)).toBe('2026-11-29');
  });

  it('expects exactly the violation each scenario is about', () => {
    const summary = Object.fromEntries(all.map((s) => [s.name, s.expected.violations.map((v) => v.type)]));
    expect(summary).toEqual({
      speeding: ['speeding'],
      fatigue: ['fatigue-continuous'],
      'night-run': ['night-coach'],
      'hazmat-zone': ['hazmat-zone'],
      'silent-terminal': ['silent-terminal'],
      duplicates: ['speeding'],
      'dead-zone-burst': ['speeding'],
      'out-of-order': ['speeding'],
      malformed: [],
      'city-fleet': [],
    });
    for (const scenario of all) {
      for (const v of scenario.expected.violations) {
        expect(v.startWindow.fromMs).toBeLessThanOrEqual(v.startWindow.toMs);
        expect(scenario.vehicles.some((vehicle) => vehicle.deviceId === v.deviceId)).toBe(true);
      }
    }
  });
});

describe('scenario shapes', () => {
  it('speeding: ≥ 3 min above 100 km/h in one episode, one single-report spike at 150, nothing else over the limit', () => {
    const reports = reportsOf(byName('speeding').messages);
    const runs = overLimitRuns(reports, 100, 0);
    expect(runs).toHaveLength(2);
    const [episode, spike] = runs;
    expect((episode?.toMs ?? 0) - (episode?.fromMs ?? 0)).toBeGreaterThanOrEqual(180_000);
    expect(episode?.peakSpeedKmh).toBeLessThan(120);
    expect(spike).toMatchObject({ reports: 1, peakSpeedKmh: 150 });
    expect(byName('speeding').expected.violations[0]?.facts).toMatchObject({ limitKmh: 100, band: '10-20' });
    // The terminal's overspeed bit rises once, for the real episode only.
    expect(byName('speeding').expected.terminalAlarms.map((a) => a.name)).toEqual(['overspeed']);
  });

  it('fatigue: 4 h 30 min of driving by one driver, longest stop 19 min (< 20)', () => {
    const scenario = byName('fatigue');
    const reports = reportsOf(scenario.messages);
    expect(new Set(reports.map((r) => r.driverId)).size).toBe(1);
    const stops = stopsOf(reports);
    expect(stops).toHaveLength(1);
    expect(stops[0]?.durationS).toBeGreaterThanOrEqual(19 * 60);
    expect(stops[0]?.durationS).toBeLessThan(20 * 60);
    // Even measured from the last moving report before the stop, it stays under 20 minutes.
    const sorted = [...reports].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    const lastMovingBefore = sorted.filter((r) => r.speedKmh >= 5 && Date.parse(r.ts) < (stops[0]?.fromMs ?? 0)).at(-1);
    expect((stops[0]?.toMs ?? 0) - Date.parse(lastMovingBefore?.ts ?? '')).toBeLessThan(20 * 60_000);
    expect(scenario.expected.violations[0]?.facts.continuousDrivingS).toBeGreaterThan(4.4 * 3600);
    expect(Math.max(...reports.map((r) => r.speedKmh))).toBeLessThan(100);
    expect(scenario.expected.terminalAlarms.map((a) => a.name)).toEqual(['fatigue']);
  });

  it('night-run: moving between 02:00 and 05:00 local, below the night limit of 80, under 2 h', () => {
    const scenario = byName('night-run');
    const reports = reportsOf(scenario.messages);
    const moving = reports.filter((r) => r.speedKmh >= 5);
    expect(moving.some((r) => localMinute(Date.parse(r.ts)) >= 120 && localMinute(Date.parse(r.ts)) < 300)).toBe(true);
    expect(Math.max(...reports.map((r) => r.speedKmh))).toBeLessThan(80);
    const spanMs = Date.parse(moving.at(-1)?.ts ?? '') - Date.parse(moving[0]?.ts ?? '');
    expect(spanMs).toBeLessThan(2 * 3_600_000);
    expect(scenario.vehicles[0]?.nightRestricted).toBe(true);
  });

  it('hazmat-zone: the tanker enters Songtao reservoir and leaves it, within the hazmat speed limits', () => {
    const reports = reportsOf(byName('hazmat-zone').messages);
    const inside = reports.map((r) => pointInRing([r.lon, r.lat], hazmatRestrictedAreas.songtaoReservoir));
    expect(inside.filter(Boolean).length).toBeGreaterThan(10);
    expect(inside[0]).toBe(false);
    expect(inside.at(-1)).toBe(false);
    expect(Math.max(...reports.map((r) => r.speedKmh))).toBeLessThan(80);
    expect(Math.max(...reports.filter((_, i) => inside[i]).map((r) => r.speedKmh))).toBeLessThan(60);
  });

  it('silent-terminal: the coach is moving at its last report, and the sweep is 45 min later', () => {
    const scenario = byName('silent-terminal');
    const last = reportsOf(scenario.messages).at(-1);
    expect(last?.speedKmh).toBeGreaterThan(50);
    expect(last?.ignition).toBe(true);
    expect(scenario.expected.sweepAtMs).toBe(Date.parse(last?.ts ?? '') + 45 * 60_000);
    expect(scenario.endMs).toBe(scenario.expected.sweepAtMs);
  });

  it('duplicates: the same payloads published more than once, distinct reports counted once', () => {
    const scenario = byName('duplicates');
    const bodies = scenario.messages.map((m) => JSON.stringify(m.payload));
    expect(new Set(bodies).size).toBeLessThan(bodies.length);
    expect(bodies.length - new Set(bodies).size).toBeGreaterThanOrEqual(15);
    expect(scenario.expected.distinctReports['hn-coach-9601']).toBe(new Set(bodies).size);
    // Adjacent duplicates and late ones (a resend, ≤ 90 s behind).
    expect(bodies.some((b, i) => i > 0 && bodies[i - 1] === b)).toBe(true);
  });

  it('dead-zone-burst: 15 min without live reports, one batch covering the gap, sent before live reports resume', () => {
    const scenario = byName('dead-zone-burst');
    const batchIndex = scenario.messages.findIndex((m) => 'reports' in (m.payload as object));
    const batch = scenario.messages[batchIndex];
    if (batch === undefined) throw new Error('no batch message');
    const reports = (batch.payload as { reports: Array<{ ts: string; speedKmh: number }> }).reports;
    // A report every 30 s for 15 min, plus the terminal's event reports (alarm bit set and cleared).
    expect(reports.length).toBeGreaterThanOrEqual(30);
    expect(reports.length).toBeLessThanOrEqual(34);
    const live = scenario.messages.filter((m) => !('reports' in (m.payload as object))).map((m) => Date.parse((m.payload as { ts: string }).ts));
    const gaps = live.slice(1).map((t, i) => t - (live[i] as number));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(15 * 60_000);
    const firstBuffered = Date.parse(reports[0]?.ts ?? '');
    const lastBuffered = Date.parse(reports.at(-1)?.ts ?? '');
    const beforeGap = live.filter((t) => t < firstBuffered).at(-1) as number;
    const afterGap = live.find((t) => t > lastBuffered) as number;
    expect(firstBuffered - beforeGap).toBeLessThanOrEqual(30_000);
    expect(afterGap - lastBuffered).toBeLessThanOrEqual(30_000);
    // Sent right after the last live report before the gap ended, ahead of the first live report after it.
    const next = scenario.messages[batchIndex + 1]?.payload as { ts: string };
    expect(Date.parse(next.ts)).toBe(afterGap);
    // The overspeed episode is only in the batch.
    expect(reports.filter((r) => r.speedKmh > 100).length).toBeGreaterThanOrEqual(7);
  });

  it('out-of-order: reports arrive shuffled, none more than 2 min behind the newest already sent', () => {
    const scenario = byName('out-of-order');
    const tss = scenario.messages.map((m) => Date.parse((m.payload as { ts: string }).ts));
    let inversions = 0;
    let newest = Number.NEGATIVE_INFINITY;
    for (const ts of tss) {
      if (ts < newest) inversions += 1;
      expect(newest - ts).toBeLessThan(120_000);
      newest = Math.max(newest, ts);
    }
    expect(inversions).toBeGreaterThan(10);
    expect(new Set(tss).size).toBe(tss.length);
  });

  it('malformed: eight broken messages of every kind, interleaved with valid reports of two coaches', () => {
    const scenario = byName('malformed');
    const defects = scenario.messages.filter((m) => !m.valid).map((m) => m.defect);
    expect(defects.sort()).toEqual(
      ['batch-bad-report', 'batch-device-mismatch', 'device-mismatch', 'empty', 'missing-fields', 'not-json', 'out-of-range', 'ts-without-offset'].sort(),
    );
    expect(() => JSON.parse(encodePayload(scenario.messages.find((m) => m.defect === 'not-json') as Scenario['messages'][number]))).toThrow();
    expect(Object.keys(scenario.expected.distinctReports).sort()).toEqual(['hn-coach-9901', 'hn-coach-9902']);
  });

  it('city-fleet: buses and taxis of Haikou and Sanya, new-energy fields, one SOS, charging layovers', () => {
    const scenario = byName('city-fleet');
    expect(new Set(scenario.vehicles.map((v) => v.category))).toEqual(new Set(['bus', 'taxi']));
    expect(new Set(scenario.vehicles.map((v) => v.city))).toEqual(new Set(['海口市', '三亚市']));
    expect(scenario.expected.terminalAlarms).toEqual([expect.objectContaining({ deviceId: 'hn-taxi-9011', name: 'sos', bit: 0 })]);
    const reports = reportsOf(scenario.messages);
    const busSoc = reports.filter((r) => r.deviceId === 'hn-bus-9001').map((r) => r.socPct ?? 0);
    expect(busSoc.some((soc, i) => i > 0 && soc > (busSoc[i - 1] as number))).toBe(true); // charged at the terminus
    expect(reports.filter((r) => r.deviceId.startsWith('hn-taxi')).every((r) => typeof r.occupied === 'boolean')).toBe(true);
    expect(Math.max(...reports.map((r) => r.speedKmh))).toBeLessThan(60);
  });
});

describe('rebase', () => {
  it('shifts every timestamp, send time and expectation by the same amount and keeps the spacing', () => {
    for (const scenario of all) {
      const delta = 3 * 86_400_000 + 12_345;
      const moved = rebase(scenario, scenario.startMs + delta);
      expect(moved.startMs - scenario.startMs).toBe(delta);
      expect(moved.endMs - scenario.endMs).toBe(delta);
      expect(moved.messages.map((m) => m.sentAtMs - delta)).toEqual(scenario.messages.map((m) => m.sentAtMs));
      const before = reportsOf(scenario.messages);
      const after = reportsOf(moved.messages);
      expect(after.map((r) => Date.parse(r.ts) - delta)).toEqual(before.map((r) => Date.parse(r.ts)));
      expect(after.map((r) => ({ ...r, ts: '' }))).toEqual(before.map((r) => ({ ...r, ts: '' })));
      expect(after.every((r) => r.ts.endsWith('+08:00'))).toBe(true);
      expect(moved.expected.violations.map((v) => v.startWindow.fromMs - delta)).toEqual(scenario.expected.violations.map((v) => v.startWindow.fromMs));
      expect(moved.expected.terminalAlarms.map((a) => a.atMs - delta)).toEqual(scenario.expected.terminalAlarms.map((a) => a.atMs));
      expect(moved.expected.distinctReports).toEqual(scenario.expected.distinctReports);
      // Still the same message kinds: raw stays raw, invalid stays invalid.
      expect(moved.messages.map((m) => [m.valid, m.raw ?? false])).toEqual(scenario.messages.map((m) => [m.valid, m.raw ?? false]));
    }
    const malformed = rebase(byName('malformed'), byName('malformed').startMs + 60_000);
    const offsetless = malformed.messages.find((m) => m.defect === 'ts-without-offset')?.payload as { ts: string };
    expect(offsetless.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(buildScenario('silent-terminal').expected.sweepAtMs).toBeDefined();
    expect(rebase(byName('silent-terminal'), 0).expected.sweepAtMs).toBe(byName('silent-terminal').endMs - byName('silent-terminal').startMs);
  });

  it('rebaseBefore ends before now and keeps the local time of day where it matters', () => {
    const nows = ['2027-03-10T15:30:00+08:00', '2027-03-10T03:10:00+08:00', '2027-03-10T23:59:00+08:00', '2027-03-10T06:05:00+08:00'].map(Date.parse);
    for (const now of nows) {
      for (const scenario of all) {
        const moved = rebaseBefore(scenario, now);
        expect(moved.endMs).toBeLessThanOrEqual(now - 60_000);
        expect(now - moved.endMs).toBeLessThan(2 * 86_400_000);
        if (scenario.localWindow === undefined && scenario.fixedTimeOfDay !== true) expect(moved.endMs).toBe(now - 60_000);
        if (scenario.localWindow !== undefined) {
          expect(localMinute(moved.startMs)).toBeGreaterThanOrEqual(6 * 60);
          expect(localMinute(moved.endMs)).toBeLessThanOrEqual(22 * 60);
          expect(localMinute(moved.endMs)).toBeGreaterThan(localMinute(moved.startMs));
        }
        if (scenario.fixedTimeOfDay === true) expect((moved.startMs - scenario.startMs) % 86_400_000).toBe(0);
      }
    }
    expect(localMs('08:00')).toBe(Date.parse('2026-11-29T08:00:00+08:00'));
  });
});
