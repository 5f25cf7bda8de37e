import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  distanceM,
  distanceToPolylineM,
  distanceToSegmentM,
  pointInPolygon,
  zoneContains,
} from '../../../functions/domain/supervision/geometry.ts';
import type { LonLat } from '../../../functions/domain/supervision/hainan-geography.ts';
import { g98Ring } from '../../../functions/domain/supervision/hainan-geography.ts';
import { localMinuteOfDay, overlapWithWindowMs, parseHhMm, windowOccurrenceStartMs } from '../../../functions/domain/supervision/local-time.ts';
import type { Zone } from '../../../functions/domain/supervision/rules-config.ts';
import { localMs } from './support.ts';

const square: LonLat[] = [
  [110.33, 20.025],
  [110.36, 20.025],
  [110.36, 20.04],
  [110.33, 20.04],
  [110.33, 20.025],
];

describe('point in polygon (ray casting, edges inside)', () => {
  it.each([
    ['centre', 110.345, 20.03, true],
    ['west edge', 110.33, 20.03, true],
    ['south edge', 110.345, 20.025, true],
    ['vertex', 110.36, 20.04, true],
    ['just outside west', 110.3299, 20.03, false],
    ['just outside north', 110.345, 20.0401, false],
    ['far away', 0, 0, false],
  ] as const)('%s', (_, lon, lat, inside) => {
    expect(pointInPolygon(square, lon, lat)).toBe(inside);
    // open ring (no closing point) gives the same answer
    expect(pointInPolygon(square.slice(0, 4), lon, lat)).toBe(inside);
  });

  it('concave polygon: the notch is outside', () => {
    const u: LonLat[] = [
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
    ];
    expect(pointInPolygon(u, 1.5, 2)).toBe(false);
    expect(pointInPolygon(u, 0.5, 2)).toBe(true);
    expect(pointInPolygon(u, 1.5, 0.5)).toBe(true);
  });

  it('property: a convex combination of a convex polygon’s vertices is inside; a point beyond the bounding box is outside', () => {
    const convexArb = fc
      .record({
        cx: fc.double({ min: 108, max: 111, noNaN: true }),
        cy: fc.double({ min: 18, max: 20.5, noNaN: true }),
        r: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        n: fc.integer({ min: 3, max: 12 }),
        phase: fc.double({ min: 0, max: 6.28, noNaN: true }),
      })
      .map(({ cx, cy, r, n, phase }) =>
        Array.from({ length: n }, (_, i): LonLat => [cx + r * Math.cos(phase + (2 * Math.PI * i) / n), cy + r * Math.sin(phase + (2 * Math.PI * i) / n)]),
      );
    fc.assert(
      fc.property(
        convexArb,
        fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
        fc.double({ min: 0.001, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 6.28, noNaN: true }),
        (ring, weights, far, angle) => {
          const w = weights.slice(0, ring.length);
          const sum = w.reduce((a, b) => a + b, 0);
          const lon = ring.reduce((a, p, i) => a + (p[0] * (w[i] as number)) / sum, 0);
          const lat = ring.reduce((a, p, i) => a + (p[1] * (w[i] as number)) / sum, 0);
          expect(pointInPolygon(ring, lon, lat)).toBe(true);
          const xs = ring.map((p) => p[0]);
          const ys = ring.map((p) => p[1]);
          const size = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
          const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
          const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
          const d = size + far;
          expect(pointInPolygon(ring, cx + d * Math.cos(angle), cy + d * Math.sin(angle))).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('distances (equirectangular)', () => {
  it('1° of latitude ≈ 111.195 km; 1° of longitude at 20° N ≈ 104.49 km', () => {
    expect(distanceM(110, 19.5, 110, 20.5)).toBeCloseTo(111_195, -1);
    expect(distanceM(110, 20, 111, 20)).toBeCloseTo(104_488, -2);
  });

  it('agrees with haversine to < 0.1 % over 50 km in Hainan', () => {
    const hav = (lon1: number, lat1: number, lon2: number, lat2: number) => {
      const r = Math.PI / 180;
      const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
      return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
    };
    const d = distanceM(110.3, 19.98, 110.1, 19.6);
    expect(Math.abs(d - hav(110.3, 19.98, 110.1, 19.6)) / d).toBeLessThan(0.001);
  });

  it('point to segment: perpendicular foot, and the nearest end beyond it', () => {
    const a: LonLat = [110, 20];
    const b: LonLat = [110.1, 20];
    expect(distanceToSegmentM(110.05, 20.01, a, b)).toBeCloseTo(1_112, -1);
    expect(distanceToSegmentM(110.2, 20, a, b)).toBeCloseTo(distanceM(110.2, 20, 110.1, 20), 3);
    expect(distanceToSegmentM(110.05, 20, a, a)).toBeCloseTo(distanceM(110.05, 20, 110, 20), 3);
  });

  it('point to polyline: the nearest segment', () => {
    expect(distanceToPolylineM(g98Ring.points, 110.5, 19.75)).toBeLessThan(1);
    expect(distanceToPolylineM(g98Ring.points, 109.9, 19.6)).toBeGreaterThan(20_000);
  });
});

describe('zoneContains', () => {
  const corridor: Zone = {
    zoneId: 'C',
    name: 'c',
    kind: 'road-class',
    roadClass: 'expressway',
    shape: { type: 'corridor', line: [[110, 20], [110.1, 20]], halfWidthM: 500 },
    source: 'test',
  };
  const windowed: Zone = {
    zoneId: 'W',
    name: 'w',
    kind: 'hazmat-restricted',
    shape: { type: 'polygon', ring: square },
    timeWindows: [{ from: '22:00', to: '06:00' }],
    source: 'test',
  };
  const dLat500 = 500 / 111_195;

  it('corridor: within the half width (inclusive), not beyond', () => {
    expect(zoneContains(corridor, 110.05, 20 + dLat500 * 0.999, 600)).toBe(true);
    expect(zoneContains(corridor, 110.05, 20 - dLat500 * 1.01, 600)).toBe(false);
    expect(zoneContains(corridor, 110.1 + (dLat500 * 0.9) / Math.cos((20 * Math.PI) / 180), 20, 600)).toBe(true);
    expect(zoneContains(corridor, 110.2, 20, 600)).toBe(false);
  });

  it('a window crossing midnight: [22:00, 06:00)', () => {
    expect(zoneContains(windowed, 110.345, 20.03, parseHhMm('21:59'))).toBe(false);
    expect(zoneContains(windowed, 110.345, 20.03, parseHhMm('22:00'))).toBe(true);
    expect(zoneContains(windowed, 110.345, 20.03, parseHhMm('00:00'))).toBe(true);
    expect(zoneContains(windowed, 110.345, 20.03, parseHhMm('05:59'))).toBe(true);
    expect(zoneContains(windowed, 110.345, 20.03, parseHhMm('06:00'))).toBe(false);
  });

  it('rejects malformed times and zones', () => {
    expect(() => parseHhMm('24:00')).toThrow(RangeError);
    expect(() => parseHhMm('7:00')).toThrow(RangeError);
    expect(() => zoneContains({ ...corridor, roadClass: undefined } as Zone, 110, 20, 0)).toThrow(RangeError);
  });
});

describe('local time (Asia/Shanghai, +08:00)', () => {
  it('minute of the local day', () => {
    expect(localMinuteOfDay(localMs('2024-06-03T00:00:00'), 480)).toBe(0);
    expect(localMinuteOfDay(localMs('2024-06-03T23:59:59'), 480)).toBe(1439);
    expect(localMinuteOfDay(Date.parse('2024-06-03T16:00:00Z'), 480)).toBe(0);
  });

  it('overlap of an interval with a daily window crossing midnight', () => {
    const night = { fromMin: 22 * 60, toMin: 6 * 60 };
    const h = 3_600_000;
    expect(overlapWithWindowMs(night, localMs('2024-06-03T21:00:00'), localMs('2024-06-03T23:30:00'), 480)).toBe(1.5 * h);
    expect(overlapWithWindowMs(night, localMs('2024-06-03T05:00:00'), localMs('2024-06-03T23:00:00'), 480)).toBe(2 * h);
    expect(overlapWithWindowMs(night, localMs('2024-06-03T12:00:00'), localMs('2024-06-05T12:00:00'), 480)).toBe(16 * h);
    expect(windowOccurrenceStartMs(night, localMs('2024-06-04T03:00:00'), 480)).toBe(localMs('2024-06-03T22:00:00'));
  });
});
