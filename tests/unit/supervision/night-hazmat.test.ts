import { describe, expect, it } from 'vitest';
import { defineSupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import type { VehicleCategory } from '../../../functions/domain/supervision/types.ts';
import { buildTrack, cell, localMs, readCsv, runAll, vehicle } from './support.ts';

describe('night coach 02:00–05:00 (fixture night-coach.csv)', () => {
  for (const row of readCsv('night-coach.csv')) {
    const restricted = cell(row, 'nightRestricted');
    const expected = cell(row, 'expectViolation') === 'true';
    it(`${cell(row, 'category')} nightRestricted=${restricted || 'absent'} at ${cell(row, 'localTime')} ${cell(row, 'speedKmh')} km/h → ${expected ? 'violation' : 'none'}`, () => {
      const v = vehicle({
        category: cell(row, 'category') as VehicleCategory,
        ...(restricted === '' ? {} : { nightRestricted: restricted === 'true' }),
      });
      const reports = buildTrack({
        start: `2024-06-04T${cell(row, 'localTime')}`,
        intervalS: 1,
        segments: [{ durationS: 1, speedKmh: Number(cell(row, 'speedKmh')) }],
      });
      const found = runAll(v, reports).violations.filter((x) => x.type === 'night-coach');
      expect(found).toHaveLength(expected ? 1 : 0);
      if (expected) {
        expect(found[0]?.startMs).toBe(reports[0]?.tsMs);
        expect(found[0]?.details.windowStartMs).toBe(localMs('2024-06-04T02:00:00'));
      }
    });
  }

  it('one violation per night, however long the coach drives in the window; the next night raises again', () => {
    const v = vehicle({ category: 'coach', nightRestricted: true });
    const night = [
      { durationS: 1800, speedKmh: 40 },
      { durationS: 4 * 3600, speedKmh: 40 },
    ];
    const reports = buildTrack({
      start: '2024-06-04T01:30:00',
      intervalS: 60,
      segments: [...night, { durationS: 18 * 3600 + 1800, speedKmh: 0 }, ...night],
    });
    const found = runAll(v, reports).violations.filter((x) => x.type === 'night-coach');
    expect(found.map((x) => x.startMs)).toEqual([localMs('2024-06-04T02:00:00'), localMs('2024-06-05T02:00:00')]);
  });

  it('the window is configurable', () => {
    const rules = defineSupervisionRules({ nightCoach: { window: { value: { from: '01:00', to: '05:00' } } } });
    const reports = buildTrack({ start: '2024-06-04T01:30:00', intervalS: 1, segments: [{ durationS: 1, speedKmh: 50 }] });
    const v = vehicle({ category: 'coach', nightRestricted: true });
    expect(runAll(v, reports, rules).violations.filter((x) => x.type === 'night-coach')).toHaveLength(1);
    expect(runAll(v, reports).violations.filter((x) => x.type === 'night-coach')).toHaveLength(0);
  });
});

describe('hazardous goods in restricted zones (fixture hazmat-zones.csv)', () => {
  for (const row of readCsv('hazmat-zones.csv')) {
    const zone = cell(row, 'expectedZone');
    it(`${cell(row, 'category')} at ${cell(row, 'lon')},${cell(row, 'lat')} ${cell(row, 'localTime')} → ${zone || 'none'} (${cell(row, 'why')})`, () => {
      const hazmatClass = cell(row, 'hazmatClass');
      const v = vehicle({ category: cell(row, 'category') as VehicleCategory, ...(hazmatClass === '' ? {} : { hazmatClass }) });
      const at = [Number(cell(row, 'lon')), Number(cell(row, 'lat'))] as const;
      const reports = buildTrack({
        start: `2024-06-03T${cell(row, 'localTime')}:00`,
        intervalS: 10,
        segments: [{ durationS: 30, speedKmh: 0, at }],
      });
      const found = runAll(v, reports).violations.filter((x) => x.type === 'hazmat-zone');
      expect(found.map((x) => x.details.zoneId)).toEqual(zone === '' ? [] : [zone]);
      if (zone !== '') {
        expect(found[0]?.startMs).toBe(reports[0]?.tsMs);
        expect(found[0]?.violationId).toBe(`hazmat-zone:HN-TEST-1:-:${reports[0]?.tsMs}:${zone}`);
        expect(found[0]?.basis.source).toContain('第四十九条');
      }
    });
  }

  it('one violation per entry: stay inside = one; leave and re-enter = a second', () => {
    const inside = [110.345, 20.032] as const;
    // 1.4 km apart, reports a minute apart (84 km/h): a real move, not a position spike.
    const outside = [110.345, 20.045] as const;
    const reports = buildTrack({
      start: '2024-06-03T10:00:00',
      intervalS: 60,
      segments: [
        { durationS: 60, speedKmh: 0, at: outside },
        { durationS: 600, speedKmh: 0, at: inside },
        { durationS: 60, speedKmh: 0, at: outside },
        { durationS: 60, speedKmh: 0, at: inside },
      ],
    });
    const found = runAll(vehicle({ category: 'hazmat' }), reports).violations.filter((x) => x.type === 'hazmat-zone');
    expect(found.map((x) => x.startMs)).toEqual([localMs('2024-06-03T10:01:00'), localMs('2024-06-03T10:12:00')]);
  });

  it('a time window opening while the vehicle is inside counts as an entry at 07:00', () => {
    const reports = buildTrack({
      start: '2024-06-03T06:50:00',
      intervalS: 60,
      segments: [{ durationS: 1200, speedKmh: 0, at: [110.345, 20.032] }],
    });
    const found = runAll(vehicle({ category: 'hazmat' }), reports).violations;
    expect(found.map((x) => [x.type, x.startMs])).toEqual([['hazmat-zone', localMs('2024-06-03T07:00:00')]]);
  });
});
