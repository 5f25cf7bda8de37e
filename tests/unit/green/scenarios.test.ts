import { describe, expect, it } from 'vitest';
import { accumulateGreen, totalsObject } from '../../../functions/domain/green/accumulator.ts';
import type { GreenVehicleState } from '../../../functions/domain/green/accumulator.ts';
import type { GreenPeriod } from '../../../functions/domain/green/metrics.ts';
import { computeGreenMetrics } from '../../../functions/domain/green/metrics.ts';
import type { FixtureReport, FixtureVehicle } from './support.ts';
import { expectFields, readJson, toReports } from './support.ts';

interface Scenario {
  readonly name: string;
  readonly vehicle: FixtureVehicle;
  readonly reports: readonly FixtureReport[];
  readonly checks: ReadonlyArray<{
    readonly period: GreenPeriod;
    readonly totals?: Record<string, number>;
    readonly metrics?: Record<string, number>;
  }>;
}

const { scenarios } = readJson<{ scenarios: Scenario[] }>('scenarios.json');

function periodTotals(state: GreenVehicleState, period: GreenPeriod) {
  const record = period.kind === 'hour' ? state.hours : period.kind === 'day' ? state.days : state.months;
  return totalsObject(record[period.key]);
}

describe('hand-computed scenarios (fixture scenarios.json)', () => {
  it('covers the cases', () => expect(scenarios.length).toBeGreaterThanOrEqual(14));
  for (const s of scenarios) {
    it(s.name, () => {
      const state = accumulateGreen(undefined, s.vehicle, toReports(s.vehicle.deviceId, s.reports));
      for (const check of s.checks) {
        const where = `${check.period.kind} ${check.period.key}`;
        if (check.totals) expectFields({ ...periodTotals(state, check.period) }, check.totals, `${where} totals`);
        if (check.metrics) {
          const snapshot = computeGreenMetrics({
            vehicles: [s.vehicle],
            states: new Map([[s.vehicle.deviceId, state]]),
            period: check.period,
          });
          expectFields({ ...snapshot.province.all }, check.metrics, `${where} province.all`);
          // The vehicle's own fleet and its city show the same figures.
          expectFields({ ...snapshot.province[s.vehicle.category] }, check.metrics, `${where} province.${s.vehicle.category}`);
          expectFields({ ...snapshot.cities[s.vehicle.city]?.all }, check.metrics, `${where} ${s.vehicle.city}.all`);
        }
      }
    });
  }
});
