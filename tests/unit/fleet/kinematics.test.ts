import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { telemetryReportV1 } from '../../../functions/contracts/telemetry.v1.ts';
import { energyTypes, type EnergyType } from '../../../functions/contracts/vehicle.v1.ts';
import { g98Ring, g9811, haikouCityLoop, hazmatRestrictedAreas, sanyaCityLine } from '../../../functions/domain/supervision/hainan-geography.ts';
import {
  bearingDeg,
  EnergyMeter,
  energyProfileFor,
  haversineM,
  pointInRing,
  polylineLengthM,
  RoutePath,
  ringCentroid,
  sliceLine,
} from '../../../devices/fleet/kinematics.ts';
import { Rng } from '../../../devices/simulator/prng.ts';
import { generateTrack, type PlanStep } from '../../../devices/fleet/vehicles.ts';

const START = Date.parse('2026-11-29T08:00:00+08:00');

describe('geometry', () => {
  it('haversine and bearing agree with known values', () => {
    // One degree of latitude ≈ 111.19 km on the mean sphere.
    expect(haversineM([110, 19], [110, 20])).toBeCloseTo(111_195, -1);
    expect(haversineM([110.3, 20], [110.3, 20])).toBe(0);
    expect(bearingDeg([110, 19], [110, 20])).toBeCloseTo(0, 6);
    expect(bearingDeg([110, 19], [111, 19])).toBeCloseTo(90, 0);
    expect(bearingDeg([110, 20], [110, 19])).toBeCloseTo(180, 6);
    expect(bearingDeg([111, 19], [110, 19])).toBeCloseTo(270, 0);
  });

  it('route lengths are plausible for the traced roads', () => {
    // The real G98 ring is about 612 km; the traced line cuts corners.
    expect(polylineLengthM(g98Ring.points) / 1000).toBeGreaterThan(520);
    expect(polylineLengthM(g98Ring.points) / 1000).toBeLessThan(700);
    expect(polylineLengthM(g9811.points) / 1000).toBeGreaterThan(200);
    expect(polylineLengthM(haikouCityLoop.points) / 1000).toBeGreaterThan(10);
    expect(polylineLengthM(sanyaCityLine.points) / 1000).toBeGreaterThan(10);
  });

  it('a closed line wraps, an open line is driven there and back', () => {
    const ring = new RoutePath(g98Ring);
    expect(ring.closed).toBe(true);
    const a = ring.at(1_000);
    const b = ring.at(ring.lengthM + 1_000);
    expect(b.lon).toBeCloseTo(a.lon, 9);
    expect(b.lat).toBeCloseTo(a.lat, 9);
    const line = new RoutePath(g9811);
    expect(line.closed).toBe(false);
    const out = line.at(5_000);
    const back = line.at(2 * line.lengthM - 5_000);
    expect(back.lat).toBeCloseTo(out.lat, 9);
    expect((back.headingDeg - out.headingDeg + 360) % 360).toBeCloseTo(180, 6);
    expect(line.at(0)).toMatchObject({ lon: 110.3, lat: 19.98 });
  });

  it('positions stay on the polyline: the distance along it equals the arc length (property)', () => {
    const path = new RoutePath(g98Ring);
    fc.assert(
      fc.property(fc.double({ min: 0, max: path.lengthM - 200, noNaN: true }), fc.double({ min: 1, max: 200, noNaN: true }), (d, step) => {
        const p = path.at(d);
        const q = path.at(d + step);
        // The straight distance never exceeds the distance along the line, and is close to it (corners cut ≤ 200 m).
        const direct = haversineM([p.lon, p.lat], [q.lon, q.lat]);
        expect(direct).toBeLessThanOrEqual(step * 1.001 + 0.01);
        expect(direct).toBeGreaterThan(step * 0.5);
        expect(p.headingDeg).toBeGreaterThanOrEqual(0);
        expect(p.headingDeg).toBeLessThan(360);
      }),
      { numRuns: 300 },
    );
  });

  it('slices, centroids and point-in-ring', () => {
    const back = sliceLine(g98Ring, 18, 17);
    expect(back.points).toEqual([g98Ring.points[18], g98Ring.points[17]]);
    const centre = ringCentroid(hazmatRestrictedAreas.songtaoReservoir);
    expect(pointInRing(centre, hazmatRestrictedAreas.songtaoReservoir)).toBe(true);
    expect(pointInRing([110.33, 20.0], hazmatRestrictedAreas.songtaoReservoir)).toBe(false);
    expect(() => sliceLine(g98Ring, 3, 3)).toThrow(RangeError);
  });
});

describe('driving along a route', () => {
  const coach = { deviceId: 'hn-coach-k1', category: 'coach', energyType: 'diesel', city: '海口市' } as const;

  it('distance along the polyline ≈ speed × time within 1 %, heading follows the road, odometer monotonic', () => {
    const points = generateTrack({
      vehicle: coach,
      route: g98Ring,
      seed: 7,
      startMs: START,
      speedNoise: false,
      plan: [{ kind: 'drive', speedKmh: 90, durationMin: 60 }, { kind: 'drive', speedKmh: 90, durationMin: 30 }],
    });
    // Steady part: from the first report at cruising speed to the last one before braking.
    const steady = points.filter((p) => p.truth.trueSpeedKmh === 90);
    const first = steady[0];
    const last = steady.at(-1);
    if (first === undefined || last === undefined) throw new Error('no steady reports');
    const hours = (last.tsMs - first.tsMs) / 3_600_000;
    const alongM = last.truth.distanceM - first.truth.distanceM;
    expect(Math.abs(alongM - 90_000 * hours) / (90_000 * hours)).toBeLessThan(0.01);
    // Summed great-circle distance between consecutive fixes (corners cut) is within 1 % of it as well.
    let chordM = 0;
    for (let i = steady.indexOf(first) + 1; i <= steady.indexOf(last); i += 1) {
      const a = steady[i - 1]?.report;
      const b = steady[i]?.report;
      if (a && b) chordM += haversineM([a.lon, a.lat], [b.lon, b.lat]);
    }
    expect(Math.abs(chordM - 90_000 * hours) / (90_000 * hours)).toBeLessThan(0.01);
    // The odometer (0.1 km resolution) moved by the same distance.
    expect(Math.abs((last.report.odometerKm ?? 0) - (first.report.odometerKm ?? 0) - alongM / 1000)).toBeLessThan(0.2);
    // Heading: the direction between consecutive fixes matches the reported heading (except across a vertex).
    let agreeing = 0;
    for (let i = 1; i < steady.length; i += 1) {
      const a = steady[i - 1]?.report;
      const b = steady[i]?.report;
      if (!a || !b) continue;
      const course = bearingDeg([a.lon, a.lat], [b.lon, b.lat]);
      const diff = Math.abs(((course - b.headingDeg + 540) % 360) - 180);
      if (diff < 2) agreeing += 1;
    }
    expect(agreeing / (steady.length - 1)).toBeGreaterThan(0.9);
    for (let i = 1; i < points.length; i += 1) {
      expect(points[i]?.report.odometerKm).toBeGreaterThanOrEqual(points[i - 1]?.report.odometerKm ?? 0);
      expect(points[i]?.tsMs).toBeGreaterThan(points[i - 1]?.tsMs ?? 0);
    }
  });

  it('energy counters never decrease, for every energy type and any plan (property)', () => {
    const step: fc.Arbitrary<PlanStep> = fc.oneof(
      fc.record({ kind: fc.constant('drive' as const), speedKmh: fc.integer({ min: 10, max: 110 }), durationMin: fc.integer({ min: 1, max: 40 }) }),
      fc.record({
        kind: fc.constant('stop' as const),
        durationMin: fc.integer({ min: 1, max: 40 }),
        ignition: fc.boolean(),
        charge: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...energyTypes), fc.constantFrom('bus', 'taxi', 'coach', 'hazmat' as const), fc.array(step, { minLength: 1, maxLength: 6 }), fc.integer(), (energyType: EnergyType, category, plan, seed) => {
        const points = generateTrack({ vehicle: { deviceId: 'p-1', category, energyType, city: '海口市' }, route: g9811, seed, startMs: START, plan });
        for (let i = 1; i < points.length; i += 1) {
          const a = points[i - 1]?.report;
          const b = points[i]?.report;
          if (!a || !b) continue;
          expect(b.odometerKm ?? 0).toBeGreaterThanOrEqual(a.odometerKm ?? 0);
          expect(b.energyKWh ?? 0).toBeGreaterThanOrEqual(a.energyKWh ?? 0);
          expect(b.fuelL ?? 0).toBeGreaterThanOrEqual(a.fuelL ?? 0);
          expect(telemetryReportV1.safeParse(b).success).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a BEV draws energy while driving and charges when parked at a charger', () => {
    const points = generateTrack({
      vehicle: { deviceId: 'hn-bus-k2', category: 'bus', energyType: 'bev', city: '海口市' },
      route: haikouCityLoop,
      seed: 3,
      startMs: START,
      socPct: 70,
      speedNoise: false,
      plan: [
        { kind: 'drive', speedKmh: 30, durationMin: 60 },
        { kind: 'stop', durationMin: 30, charge: true },
      ],
    });
    const atStop = points.find((p) => p.truth.stepIndex === 1);
    const end = points.at(-1);
    if (!atStop || !end) throw new Error('missing reports');
    const kmDriven = (atStop.report.odometerKm ?? 0) - (points[0]?.report.odometerKm ?? 0);
    const kWh = (atStop.report.energyKWh ?? 0) - (points[0]?.report.energyKWh ?? 0);
    // 12 m e-bus: 104–130 kWh/100 km traction plus A/C (domain-rules §D4).
    expect((kWh / kmDriven) * 100).toBeGreaterThan(104);
    expect((kWh / kmDriven) * 100).toBeLessThan(170);
    expect(atStop.report.socPct).toBeLessThan(70);
    expect(end.report.socPct).toBeGreaterThan(atStop.report.socPct ?? 100);
    expect(end.report.energyKWh).toBe(atStop.report.energyKWh); // charging does not count as energy drawn
    expect(end.report.fuelL).toBeUndefined();
  });

  it('fuel figures follow the category (petrol taxi ≈ 7 L/100 km, diesel coach 22–28)', () => {
    const perHundred = (category: 'taxi' | 'coach', energyType: EnergyType) => {
      const profile = energyProfileFor(category, energyType, new Rng(1));
      const meter = new EnergyMeter(profile);
      for (let s = 0; s < 3600; s += 1) meter.step(25, 1, true);
      return (meter.reading().fuelL ?? 0) / 0.9;
    };
    expect(perHundred('taxi', 'gasoline')).toBeGreaterThan(6.5);
    expect(perHundred('taxi', 'gasoline')).toBeLessThan(8);
    expect(perHundred('coach', 'diesel')).toBeGreaterThan(22);
    expect(perHundred('coach', 'diesel')).toBeLessThan(28);
  });
});
