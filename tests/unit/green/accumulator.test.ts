import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GreenVehicle, GreenVehicleState } from '../../../functions/domain/green/accumulator.ts';
import {
  accumulateGreen,
  emptyGreenState,
  haversineKm,
  previousMonth,
  totalsObject,
} from '../../../functions/domain/green/accumulator.ts';
import { computeGreenMetrics } from '../../../functions/domain/green/metrics.ts';
import type { PositionReport } from '../../../functions/domain/supervision/types.ts';
import { localMs, toReports } from './support.ts';

const taxi: GreenVehicle = { deviceId: 'T1', category: 'taxi', energyType: 'bev' };

describe('accumulateGreen basics', () => {
  it('haversine: 0.01° of latitude = 6371.0088 × 0.01 × π/180 km', () => {
    expect(haversineKm(20, 110.3, 20.01, 110.3)).toBeCloseTo(6371.0088 * 0.01 * (Math.PI / 180), 9);
  });

  it('previousMonth', () => {
    expect(previousMonth('2024-01')).toBe('2023-12');
    expect(previousMonth('2024-10')).toBe('2024-09');
  });

  it('no reports: the state is returned unchanged (an empty state when there was none)', () => {
    expect(accumulateGreen(undefined, taxi, [])).toEqual(emptyGreenState());
    const s = accumulateGreen(undefined, taxi, toReports('T1', [{ t: '2024-06-03T08:00:00', odometerKm: 1 }]));
    expect(accumulateGreen(s, taxi, [])).toBe(s);
  });

  it('does not modify its input state', () => {
    const s1 = accumulateGreen(undefined, taxi, toReports('T1', [{ t: '2024-06-03T08:00:00', odometerKm: 1 }]));
    const copy = JSON.parse(JSON.stringify(s1)) as GreenVehicleState;
    accumulateGreen(s1, taxi, toReports('T1', [{ t: '2024-06-03T08:30:00', odometerKm: 20 }]));
    expect(s1).toEqual(copy);
  });

  it('skips reports of another device, older than the last, and a repeat of the last', () => {
    const reports = toReports('T1', [
      { t: '2024-06-03T08:00:00', odometerKm: 0 },
      { t: '2024-06-03T08:30:00', odometerKm: 20 },
    ]);
    const s = accumulateGreen(undefined, taxi, reports);
    const again = accumulateGreen(s, taxi, [
      reports[1] as PositionReport,
      { ...(reports[0] as PositionReport), seq: 9 },
      { ...(reports[1] as PositionReport), deviceId: 'OTHER', seq: 10, tsMs: localMs('2024-06-03T08:45:00'), odometerKm: 40 },
    ]);
    expect(again).toEqual(s);
    expect(totalsObject(s.days['2024-06-03']).vehicleKm).toBe(20);
  });

  it('retention: hours of today and yesterday, days and months of this month and the previous one', () => {
    const s = accumulateGreen(
      undefined,
      taxi,
      toReports('T1', [
        { t: '2024-04-30T10:00:00', odometerKm: 0 },
        { t: '2024-05-15T10:00:00', odometerKm: 10 },
        { t: '2024-06-01T10:00:00', odometerKm: 20 },
        { t: '2024-06-02T10:00:00', odometerKm: 30 },
        { t: '2024-06-03T10:00:00', odometerKm: 40 },
      ]),
    );
    expect(Object.keys(s.hours)).toEqual(['2024-06-02T10', '2024-06-03T10']);
    expect(Object.keys(s.days)).toEqual(['2024-05-15', '2024-06-01', '2024-06-02', '2024-06-03']);
    expect(Object.keys(s.months)).toEqual(['2024-05', '2024-06']);
    expect(s.last).toEqual({ tsMs: localMs('2024-06-03T10:00:00'), seq: 5, lat: 20, lon: 110.3, odometerKm: 40 });
  });

  it('a full month of 30 s reports, 24 h a day, stays well under 8 KB of JSON', () => {
    const start = localMs('2024-05-01T00:00:00');
    let odo = 0;
    let e = 0;
    const reports: PositionReport[] = [];
    for (let ts = start, i = 0; ts < localMs('2024-07-01T00:00:00'); ts += 30_000, i++) {
      odo += 0.3 + (i % 7) * 0.01;
      e += 0.05 + (i % 5) * 0.001;
      reports.push({ deviceId: 'T1', seq: i, tsMs: ts, lat: 20, lon: 110.3, speedKmh: 40, headingDeg: 0, odometerKm: odo, energyKWh: e });
    }
    const s = accumulateGreen(undefined, taxi, reports);
    expect(Object.keys(s.hours)).toHaveLength(48);
    expect(Object.keys(s.days)).toHaveLength(61);
    const bytes = Buffer.byteLength(JSON.stringify(s));
    expect(bytes).toBeLessThan(8 * 1024);
  });

  it('hours of a day sum to the day, days of a month to the month', () => {
    const reports = toReports('T1', [
      { t: '2024-06-03T08:00:00', odometerKm: 0, energyKWh: 0 },
      { t: '2024-06-03T08:40:00', odometerKm: 30.123, energyKWh: 4.5 },
      { t: '2024-06-03T09:20:00', odometerKm: 61.7, energyKWh: 9.4 },
      { t: '2024-06-03T10:05:00', odometerKm: 90.01, energyKWh: 13.9 },
    ]);
    const s = accumulateGreen(undefined, taxi, reports);
    const hours = Object.entries(s.hours).filter(([k]) => k.startsWith('2024-06-03')).map(([, t]) => totalsObject(t));
    const day = totalsObject(s.days['2024-06-03']);
    expect(hours.reduce((a, t) => a + t.vehicleKm, 0)).toBeCloseTo(day.vehicleKm, 6);
    expect(hours.reduce((a, t) => a + t.energyKWh, 0)).toBeCloseTo(day.energyKWh, 6);
    expect(hours.reduce((a, t) => a + t.reports, 0)).toBe(day.reports);
    expect(totalsObject(s.months['2024-06'])).toEqual(day);
  });
});

/** Generated in-order report streams, with counters present, missing, jumping or reset. */
const reportStream = fc
  .array(
    fc.record({
      dtS: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 121, max: 6 * 3600 })),
      dLat: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
      dLon: fc.double({ min: -0.02, max: 0.02, noNaN: true }),
      odo: fc.oneof(fc.constant<'none'>('none'), fc.double({ min: 0, max: 3, noNaN: true }), fc.constant<'jump'>('jump'), fc.constant<'back'>('back')),
      energy: fc.oneof(fc.constant<'none'>('none'), fc.double({ min: 0, max: 2, noNaN: true }), fc.constant<'reset'>('reset')),
      fuel: fc.oneof(fc.constant<'none'>('none'), fc.double({ min: 0, max: 1, noNaN: true })),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((steps) => {
    let ts = localMs('2024-06-29T20:00:00');
    let lat = 20;
    let lon = 110.3;
    let odo = 1000;
    let e = 500;
    let f = 50;
    return steps.map((s, i): PositionReport => {
      ts += s.dtS * 1000;
      lat += s.dLat;
      lon += s.dLon;
      const r: { -readonly [K in keyof PositionReport]: PositionReport[K] } = {
        deviceId: 'P1', seq: i, tsMs: ts, lat, lon, speedKmh: 30, headingDeg: 0,
      };
      if (s.odo !== 'none') {
        odo = s.odo === 'jump' ? odo + 500 : s.odo === 'back' ? odo - 5 : odo + s.odo;
        r.odometerKm = odo;
      }
      if (s.energy !== 'none') {
        e = s.energy === 'reset' ? 0 : e + s.energy;
        r.energyKWh = e;
      }
      if (s.fuel !== 'none') {
        f += s.fuel;
        r.fuelL = f;
      }
      return r;
    });
  });

const vehicleArb = fc.record({
  deviceId: fc.constant('P1'),
  category: fc.constantFrom('bus' as const, 'taxi' as const, 'heavy-truck' as const),
  energyType: fc.constantFrom('bev' as const, 'phev' as const, 'diesel' as const, 'hybrid' as const, 'cng' as const),
});

describe('property: batching does not change the result', () => {
  it('any split into batches, state serialised through JSON between calls = one call', () => {
    fc.assert(
      fc.property(reportStream, vehicleArb, fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }), (reports, vehicle, cuts) => {
        const whole = accumulateGreen(undefined, vehicle, reports);
        const points = [...new Set(cuts.map((c) => Math.min(c, reports.length)))].sort((a, b) => a - b);
        let state: GreenVehicleState | undefined;
        let from = 0;
        for (const to of [...points, reports.length]) {
          state = accumulateGreen(state, vehicle, reports.slice(from, to));
          state = JSON.parse(JSON.stringify(state)) as GreenVehicleState;
          from = to;
        }
        expect(state).toEqual(JSON.parse(JSON.stringify(whole)));
        expect(JSON.stringify(state)).toBe(JSON.stringify(whole));

        const v = { ...vehicle, city: '海口市' };
        const lastKey = Object.keys(whole.hours).at(-1);
        if (lastKey === undefined || state === undefined) return;
        for (const period of [
          { kind: 'hour' as const, key: lastKey },
          { kind: 'day' as const, key: lastKey.slice(0, 10) },
          { kind: 'month' as const, key: lastKey.slice(0, 7) },
        ]) {
          const a = computeGreenMetrics({ vehicles: [v], states: new Map([['P1', whole]]), period });
          const b = computeGreenMetrics({ vehicles: [v], states: new Map([['P1', state]]), period });
          expect(b).toEqual(a);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('totals are never negative and never NaN', () => {
    fc.assert(
      fc.property(reportStream, vehicleArb, (reports, vehicle) => {
        const s = accumulateGreen(undefined, vehicle, reports);
        for (const rec of [s.hours, s.days, s.months]) {
          for (const t of Object.values(rec)) for (const x of t) expect(Number.isFinite(x) && x >= 0).toBe(true);
        }
        for (const t of Object.values(s.days)) expect(t[1]).toBeLessThanOrEqual(t[0] + 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
