import { describe, expect, it } from 'vitest';
import { advanceVehicle } from '../../../functions/domain/supervision/engine.ts';
import { defineSupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import type { PositionReport, Violation } from '../../../functions/domain/supervision/types.ts';
import type { Scenario, SiteName } from './support.ts';
import { buildTrack, cell, checkScenario, localMs, readCsv, readJson, runAll, vehicle } from './support.ts';

const scenarios = readJson<{ scenarios: Scenario[] }>('speeding-scenarios.json').scenarios;

describe('speeding scenarios (fixture speeding-scenarios.json)', () => {
  it('covers the cases', () => expect(scenarios.length).toBeGreaterThanOrEqual(15));
  for (const s of scenarios) {
    it(s.name, () => {
      const violations = checkScenario(s, expect);
      for (const v of violations) {
        expect(v.evidence[0]?.tsMs).toBe(v.startMs);
        expect(v.evidence[v.evidence.length - 1]?.tsMs).toBe(v.endMs);
        expect(v.evidence.some((r) => r.speedKmh === v.details.peakSpeedKmh)).toBe(true);
      }
    });
  }
});

function overTrack(category: string, hazmatClass: string, site: SiteName, localTime: string, speed: number) {
  return {
    v: vehicle({ category: category as never, ...(hazmatClass === '' ? {} : { hazmatClass }) }),
    reports: buildTrack({
      site,
      start: `2024-06-03T${localTime}:00`,
      intervalS: 1,
      segments: [
        { durationS: 61, speedKmh: speed },
        { durationS: 10, speedKmh: 20 },
      ],
    }),
  };
}

describe('speed limits per category × road class × day/night (fixture speed-limits.csv)', () => {
  const rows = readCsv('speed-limits.csv');
  it('covers the table', () => expect(rows.length).toBeGreaterThanOrEqual(25));
  for (const row of rows) {
    const limit = Number(cell(row, 'expectedLimitKmh'));
    const label = `${cell(row, 'category')}${cell(row, 'hazmatClass') ? ` (class ${cell(row, 'hazmatClass')})` : ''} on ${cell(row, 'site')} at ${cell(row, 'localTime')} → ${limit} km/h (${cell(row, 'source')})`;
    it(label, () => {
      const args = [cell(row, 'category'), cell(row, 'hazmatClass'), cell(row, 'site') as SiteName, cell(row, 'localTime')] as const;
      const atLimit = overTrack(...args, limit);
      expect(runAll(atLimit.v, atLimit.reports).violations).toEqual([]);
      const over = overTrack(...args, limit + 1);
      const { violations } = runAll(over.v, over.reports);
      expect(violations.map((v) => v.type)).toEqual(['speeding']);
      const v = violations[0] as Violation;
      expect(v.details.limitKmh).toBe(limit);
      // The night factor applies to coaches and charter only (a coach carrying dangerous goods takes the hazmat row).
      const nightFactor = cell(row, 'period') === 'night' && ['coach', 'charter'].includes(cell(row, 'category'));
      expect(v.details.night).toBe(nightFactor);
      expect(v.details.roadClass).toBe(cell(row, 'site') === 'ordinary' ? 'ordinary' : 'expressway');
      expect(v.basis.ruleId).toMatch(/^speed\./);
    });
  }
});

describe('bands by the peak over-ratio (fixture speeding-bands.csv)', () => {
  for (const row of readCsv('speeding-bands.csv')) {
    const limit = Number(cell(row, 'limitKmh'));
    const peak = Number(cell(row, 'peakKmh'));
    it(`${cell(row, 'category')} on ${cell(row, 'site')}: ${peak} vs ${limit} → ${cell(row, 'expectedBand')}`, () => {
      const reports = buildTrack({
        site: cell(row, 'site') as SiteName,
        start: '2024-06-03T10:00:00',
        intervalS: 1,
        segments: [
          { durationS: 30, speedKmh: limit - 10 },
          { durationS: 70, speedKmh: peak },
          { durationS: 30, speedKmh: limit - 10 },
        ],
      });
      const { violations } = runAll(vehicle({ category: cell(row, 'category') as never }), reports);
      expect(violations).toHaveLength(1);
      expect(violations[0]?.details).toMatchObject({ limitKmh: limit, peakSpeedKmh: peak, band: cell(row, 'expectedBand') });
    });
  }
});

describe('zones and configuration', () => {
  // A 40 km/h posted zone: the square 109.89–109.91 E × 19.59–19.61 N around the ordinary test site's west side.
  const posted = defineSupervisionRules({
    zones: [
      {
        zoneId: 'SL-TEST-40',
        name: 'test 40 km/h zone',
        kind: 'speed-limit',
        speedLimitKmh: 40,
        shape: {
          type: 'polygon',
          ring: [
            [109.88, 19.59],
            [109.88, 19.61],
            [109.9, 19.61],
            [109.9, 19.59],
            [109.88, 19.59],
          ],
        },
        source: 'test',
      },
    ],
  });
  const at = (lon: number, lat: number, speedKmh: number): PositionReport[] =>
    buildTrack({ start: '2024-06-03T10:00:00', intervalS: 1, segments: [{ durationS: 61, speedKmh, at: [lon, lat] }, { durationS: 5, speedKmh: 10, at: [lon, lat] }] });

  it('a posted limit lower than the rule applies inside the zone (40 < 70)', () => {
    const { violations } = runAll(vehicle(), at(109.89, 19.6, 50), posted);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.details).toMatchObject({ limitKmh: 40, zoneId: 'SL-TEST-40', roadClass: 'ordinary' });
    expect(violations[0]?.basis.ruleId).toBe('speed.zone.SL-TEST-40');
  });

  it('a point exactly on the zone edge is inside (posted limit applies)', () => {
    expect(runAll(vehicle(), at(109.9, 19.6, 50), posted).violations).toHaveLength(1);
  });

  it('just outside the edge the ordinary 70 km/h applies', () => {
    expect(runAll(vehicle(), at(109.9001, 19.6, 50), posted).violations).toHaveLength(0);
  });

  it('a posted limit above the rule does not raise it', () => {
    const high = defineSupervisionRules({ zones: [{ ...posted.zones[0], speedLimitKmh: 120 } as never] });
    const { violations } = runAll(vehicle(), at(109.89, 19.6, 75), high);
    expect(violations[0]?.details).toMatchObject({ limitKmh: 70 });
    expect(violations[0]?.details.zoneId).toBeUndefined();
  });

  it('the ordinary-road default is configurable (80 km/h)', () => {
    const rules = defineSupervisionRules({ speedLimits: { 'heavy-truck': { ordinary: { limitKmh: 80 } } } });
    expect(runAll(vehicle(), at(109.95, 19.6, 75), rules).violations).toHaveLength(0);
    expect(runAll(vehicle(), at(109.95, 19.6, 81), rules).violations[0]?.details.limitKmh).toBe(80);
  });

  it('a tolerance lets speeds up to limit + tolerance pass', () => {
    const rules = defineSupervisionRules({ speeding: { toleranceKmh: { value: 5 } } });
    expect(runAll(vehicle(), at(109.95, 19.6, 75), rules).violations).toHaveLength(0);
    expect(runAll(vehicle(), at(109.95, 19.6, 75.1), rules).violations).toHaveLength(1);
  });

  it('the minimum duration is configurable', () => {
    const rules = defineSupervisionRules({ speeding: { minDurationS: { value: 90 } } });
    expect(runAll(vehicle(), at(109.95, 19.6, 80), rules).violations).toHaveLength(0);
  });

  it('evidence is bounded: first, peak, last and at most evidenceSamples more', () => {
    const reports = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 1, segments: [{ durationS: 3600, speedKmh: 80 }, { durationS: 5, speedKmh: 10 }] });
    const withPeak = reports.map((r, i) => (i === 1800 ? { ...r, speedKmh: 95 } : r));
    const { violations } = runAll(vehicle(), withPeak);
    expect(violations).toHaveLength(1);
    const ev = violations[0]?.evidence ?? [];
    expect(ev.length).toBeLessThanOrEqual(3 + 8);
    expect(ev.length).toBeGreaterThanOrEqual(5);
    expect(ev.some((r) => r.speedKmh === 95)).toBe(true);
    expect(ev[0]?.tsMs).toBe(localMs('2024-06-03T10:00:00'));
  });

  it('a violation is emitted only when the episode ends (not while it is still open)', () => {
    const reports = buildTrack({ start: '2024-06-03T10:00:00', intervalS: 1, segments: [{ durationS: 1200, speedKmh: 80 }] });
    const open = advanceVehicle(undefined, vehicle(), reports);
    expect(open.violations).toEqual([]);
    expect(open.state.speeding).not.toBeNull();
  });
});
