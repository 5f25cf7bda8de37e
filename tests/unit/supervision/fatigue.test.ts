import { describe, expect, it } from 'vitest';
import { advanceVehicle } from '../../../functions/domain/supervision/engine.ts';
import { defineSupervisionRules } from '../../../functions/domain/supervision/rules-config.ts';
import type { Scenario } from './support.ts';
import { buildTrack, checkScenario, readJson, runAll, vehicle } from './support.ts';

const scenarios = readJson<{ scenarios: Scenario[] }>('fatigue-scenarios.json').scenarios;

describe('fatigue scenarios (fixture fatigue-scenarios.json)', () => {
  it('covers the cases', () => expect(scenarios.length).toBeGreaterThanOrEqual(17));
  for (const s of scenarios) {
    it(s.name, () => {
      const violations = checkScenario(s, expect);
      for (const v of violations) expect(v.endMs).toBeUndefined();
    });
  }
});

describe('fatigue episodes', () => {
  it('one violation per block however long the block goes on; a new block after a rest raises again', () => {
    const reports = buildTrack({
      start: '2024-06-03T00:30:00',
      intervalS: 60,
      segments: [
        { durationS: 8 * 3600, speedKmh: 50 },
        { durationS: 1200, speedKmh: 0 },
        { durationS: 4 * 3600 + 60, speedKmh: 50 },
        { durationS: 600, speedKmh: 0 },
      ],
    });
    const { violations } = runAll(vehicle(), reports);
    expect(violations.map((v) => v.type)).toEqual(['fatigue-continuous', 'fatigue-continuous']);
  });

  it('is emitted when the threshold is crossed, before the block ends', () => {
    const reports = buildTrack({ start: '2024-06-03T08:00:00', intervalS: 60, segments: [{ durationS: 6 * 3600, speedKmh: 50 }] });
    const r = advanceVehicle(undefined, vehicle(), reports);
    expect(r.violations.map((v) => v.type)).toEqual(['fatigue-continuous']);
  });

  it('thresholds are configurable (continuous 2 h)', () => {
    const rules = defineSupervisionRules({ fatigue: { continuousMaxS: { value: 7200 } } });
    const reports = buildTrack({ start: '2024-06-03T08:00:00', intervalS: 60, segments: [{ durationS: 7260, speedKmh: 50 }, { durationS: 600, speedKmh: 0 }] });
    expect(runAll(vehicle(), reports, rules).violations).toHaveLength(1);
    expect(runAll(vehicle(), reports).violations).toHaveLength(0);
  });

  it('below the motion threshold (4 km/h creeping) is not driving', () => {
    const reports = buildTrack({ start: '2024-06-03T08:00:00', intervalS: 60, segments: [{ durationS: 5 * 3600, speedKmh: 4 }] });
    expect(runAll(vehicle(), reports).violations).toHaveLength(0);
  });

  it('unsupervised vehicles (bus) get no fatigue violations', () => {
    const reports = buildTrack({ start: '2024-06-03T08:00:00', intervalS: 60, segments: [{ durationS: 6 * 3600, speedKmh: 40 }, { durationS: 60, speedKmh: 0 }] });
    expect(runAll(vehicle({ category: 'bus' }), reports).violations).toHaveLength(0);
    expect(runAll(vehicle({ category: 'heavy-truck' }), reports).violations).toHaveLength(1);
  });

  it('driver state stays bounded: drivers who rested and last drove on an earlier day are forgotten', () => {
    const segments = Array.from({ length: 40 }, (_, i) => [
      { durationS: 1800, speedKmh: 50, driverId: `D${i}` },
      { durationS: 1800, speedKmh: 0, driverId: `D${i}` },
    ]).flat();
    const reports = buildTrack({ start: '2024-06-03T08:00:00', intervalS: 60, segments });
    const { state } = runAll(vehicle(), reports);
    expect(state.drivers.length).toBeLessThanOrEqual(16);
  });
});
