/**
 * Determinism of the engine: delivering a track in any split into batches, with duplicates, with the state read back
 * from JSON between batches, and reordered within the allowed lateness, gives exactly the same violations and alarm
 * events (ids and contents) and the same final state as delivering it once, in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceVehicle, flushAt } from '../../../functions/domain/supervision/engine.ts';
import type { VehicleRuleState } from '../../../functions/domain/supervision/engine.ts';
import type { LonLat } from '../../../functions/domain/supervision/hainan-geography.ts';
import { defineSupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import type { PositionReport, SupervisedVehicle, TerminalAlarmEvent, Violation } from '../../../functions/domain/supervision/types.ts';
import type { Segment } from './support.ts';
import { buildTrack } from './support.ts';

// Scaled-down fatigue thresholds so that a few hundred reports cross them several times.
const rules = defineSupervisionRules({
  fatigue: {
    continuousMaxS: { value: 1800 },
    minRestS: { value: 300 },
    nightContinuousMaxS: { value: 900 },
    dailyMaxS: { value: 3600 },
  },
});
const LATENESS_MS = rules.watermark.allowedLatenessS.value * 1000;

const vehicles: SupervisedVehicle[] = [
  { deviceId: 'HN-TEST-1', category: 'coach', nightRestricted: true },
  { deviceId: 'HN-TEST-1', category: 'hazmat', hazmatClass: '3' },
  { deviceId: 'HN-TEST-1', category: 'heavy-truck' },
  { deviceId: 'HN-TEST-1', category: 'charter' },
];

const OLD_TOWN: LonLat = [110.345, 20.032];

const segmentArb: fc.Arbitrary<Segment> = fc.record(
  {
    durationS: fc.integer({ min: 20, max: 1500 }),
    speedKmh: fc.oneof(fc.constantFrom(0, 0, 3, 50, 65), fc.integer({ min: 40, max: 130 })),
    driverId: fc.constantFrom('A', 'B'),
    alarmFlags: fc.constantFrom(0, 1, 2, 4, 6, 1 << 18, (1 << 20) | 2),
    reports: fc.constantFrom(true, true, true, true, true, false),
    at: fc.constant(OLD_TOWN),
  },
  { requiredKeys: ['durationS', 'speedKmh'] },
);

const trackArb = fc
  .record({
    vehicle: fc.constantFrom(...vehicles),
    startMinute: fc.integer({ min: 0, max: 1439 }),
    intervalS: fc.constantFrom(5, 10, 15, 30),
    segments: fc.array(segmentArb, { minLength: 3, maxLength: 14 }),
    spikes: fc.array(fc.record({ index: fc.nat(), speed: fc.boolean() }), { maxLength: 4 }),
  })
  .map(({ vehicle, startMinute, intervalS, segments, spikes }) => {
    const hh = String(Math.floor(startMinute / 60)).padStart(2, '0');
    const mm = String(startMinute % 60).padStart(2, '0');
    let reports = buildTrack({ start: `2024-06-03T${hh}:${mm}:00`, intervalS, segments });
    reports = reports.map((r, i) => {
      const s = spikes.find((x) => reports.length > 0 && x.index % reports.length === i);
      if (s === undefined) return r;
      return s.speed ? { ...r, speedKmh: 220 } : { ...r, lon: r.lon + 0.3, lat: r.lat - 0.2 };
    });
    return { vehicle, reports };
  })
  .filter(({ reports }) => reports.length >= 20 && reports.length <= 600);

interface Outcome {
  readonly violations: Violation[];
  readonly alarmEvents: TerminalAlarmEvent[];
  readonly state: VehicleRuleState;
  readonly late: number;
  readonly duplicates: number;
}

function deliver(vehicle: SupervisedVehicle, batches: readonly (readonly PositionReport[])[], roundTrip: readonly boolean[] = []): Outcome {
  let state: VehicleRuleState | undefined;
  const violations: Violation[] = [];
  const alarmEvents: TerminalAlarmEvent[] = [];
  let late = 0;
  let duplicates = 0;
  let newest = Number.MIN_SAFE_INTEGER;
  batches.forEach((batch, i) => {
    if (state !== undefined && roundTrip[i]) state = JSON.parse(JSON.stringify(state)) as VehicleRuleState;
    const r = advanceVehicle(state, vehicle, batch, rules);
    state = r.state;
    violations.push(...r.violations);
    alarmEvents.push(...r.alarmEvents);
    late += r.lateReports.length;
    duplicates += r.duplicates;
    for (const p of batch) newest = Math.max(newest, p.tsMs);
  });
  const f = flushAt(state, vehicle, newest + 86_400_000, rules);
  violations.push(...f.violations);
  alarmEvents.push(...f.alarmEvents);
  const byId = <T extends { violationId?: string; eventId?: string }>(a: T, b: T) =>
    (a.violationId ?? a.eventId ?? '').localeCompare(b.violationId ?? b.eventId ?? '');
  return { violations: violations.sort(byId), alarmEvents: alarmEvents.sort(byId), state: f.state, late, duplicates };
}

describe('engine determinism (property)', () => {
  it('any batching, duplicates and reordering within the allowed lateness give the same output as one in-order delivery', () => {
    fc.assert(
      fc.property(
        trackArb.chain(({ vehicle, reports }) =>
          fc.record({
            vehicle: fc.constant(vehicle),
            reports: fc.constant(reports),
            jitterMs: fc.array(fc.integer({ min: 0, max: LATENESS_MS - 1 }), { minLength: reports.length, maxLength: reports.length }),
            dups: fc.array(fc.record({ index: fc.nat(reports.length - 1), jitterMs: fc.integer({ min: 0, max: LATENESS_MS - 1 }) }), { maxLength: 30 }),
            cuts: fc.array(fc.nat(reports.length + 30), { maxLength: 25 }),
            roundTrip: fc.array(fc.boolean(), { maxLength: 30 }),
          }),
        ),
        ({ vehicle, reports, jitterMs, dups, cuts, roundTrip }) => {
          const reference = deliver(vehicle, [reports]);

          // Each delivery happens at ts + jitter (< ts + lateness), so no report is overtaken by one more than the
          // allowed lateness newer: none may be late.
          const deliveries = [
            ...reports.map((r, i) => ({ r, at: r.tsMs + (jitterMs[i] ?? 0) })),
            ...dups.map((d) => {
              const r = reports[d.index] as PositionReport;
              return { r: { ...r }, at: r.tsMs + d.jitterMs };
            }),
          ].sort((a, b) => a.at - b.at);
          const points = [...new Set(cuts.map((c) => c % (deliveries.length + 1)))].sort((a, b) => a - b);
          const batches: PositionReport[][] = [];
          let from = 0;
          for (const p of [...points, deliveries.length]) {
            batches.push(deliveries.slice(from, p).map((d) => d.r));
            from = p;
          }
          const shuffled = deliver(vehicle, batches, roundTrip);

          expect(shuffled.late).toBe(0);
          expect(shuffled.duplicates).toBe(dups.length);
          expect(shuffled.violations).toEqual(reference.violations);
          expect(shuffled.alarmEvents).toEqual(reference.alarmEvents);
          expect(JSON.parse(JSON.stringify(shuffled.state))).toEqual(JSON.parse(JSON.stringify(reference.state)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the generated tracks do exercise the rules (not a vacuous property)', () => {
    const samples = fc.sample(trackArb, { numRuns: 200, seed: 42 });
    const types = new Set<string>();
    let alarms = 0;
    for (const { vehicle, reports } of samples) {
      const out = deliver(vehicle, [reports]);
      for (const v of out.violations) types.add(v.type);
      alarms += out.alarmEvents.length;
    }
    expect([...types].sort()).toEqual(
      ['fatigue-continuous', 'fatigue-daily', 'fatigue-night-continuous', 'hazmat-zone', 'night-coach', 'speeding'].sort(),
    );
    expect(alarms).toBeGreaterThan(50);
  });
});
