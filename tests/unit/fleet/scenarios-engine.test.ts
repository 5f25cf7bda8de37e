/**
 * Cross-check against the supervision rule engine (functions/domain/supervision): every scenario, fed message by
 * message as the ingest would (rebased or not), gives exactly its expected violations; and the live duty plans drive
 * a whole day without any violation unless incidents are switched on.
 */
import { describe, expect, it } from 'vitest';
import { telemetryMessageV1 } from '../../../functions/contracts/telemetry.v1.ts';
import type { VehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { advanceVehicle, checkSilent, flushAt, type VehicleRuleState } from '../../../functions/domain/supervision/index.ts';
import type { PositionReport, Violation } from '../../../functions/domain/supervision/types.ts';
import { DEFAULT_FLEET, defaultFleet, livePlan, routeFor } from '../../../devices/fleet/fleet.ts';
import { buildAllScenarios, rebaseBefore, type Scenario } from '../../../devices/fleet/scenarios.ts';
import { createVehicleTrack, type FleetVehicle, toRegistryVehicle } from '../../../devices/fleet/vehicles.ts';

function judge(scenario: Scenario): { violations: Violation[]; late: number } {
  const states = new Map<string, VehicleRuleState>();
  const vehicles = new Map<string, VehicleV1>(scenario.vehicles.map((v) => [v.deviceId, v]));
  const violations: Violation[] = [];
  let late = 0;
  for (const message of scenario.messages) {
    if (!message.valid) continue;
    const parsed = telemetryMessageV1.parse(message.payload);
    const reports: PositionReport[] = ('reports' in parsed ? parsed.reports : [parsed]).map((r) => ({ ...r, deviceId: parsed.deviceId, tsMs: Date.parse(r.ts) }));
    const result = advanceVehicle(states.get(parsed.deviceId), vehicles.get(parsed.deviceId) as VehicleV1, reports);
    states.set(parsed.deviceId, result.state);
    violations.push(...result.violations);
    late += result.lateReports.length;
  }
  for (const vehicle of scenario.vehicles) {
    const state = states.get(vehicle.deviceId);
    if (scenario.expected.sweepAtMs !== undefined && state !== undefined) {
      const silent = checkSilent(state, vehicle, scenario.expected.sweepAtMs);
      if (silent.violation) violations.push(silent.violation);
    }
    violations.push(...flushAt(state, vehicle, scenario.endMs + 3_600_000).violations);
  }
  return { violations, late };
}

describe('scenarios through the rule engine', () => {
  const scenarios = buildAllScenarios();
  const now = Date.parse('2027-03-10T15:30:00+08:00');
  it.each(scenarios.flatMap((s) => [[s.name, 'fixed date', s] as const, [s.name, 'rebased before now', rebaseBefore(s, now)] as const]))(
    '%s (%s) gives exactly the expected violations',
    (_name, _when, scenario) => {
      const { violations, late } = judge(scenario);
      expect(late).toBe(0);
      expect(violations.map((v) => [v.deviceId, v.type]).sort()).toEqual(scenario.expected.violations.map((v) => [v.deviceId, v.type]).sort());
      for (const expected of scenario.expected.violations) {
        const found = violations.find((v) => v.deviceId === expected.deviceId && v.type === expected.type) as Violation;
        expect(found.startMs).toBeGreaterThanOrEqual(expected.startWindow.fromMs);
        expect(found.startMs).toBeLessThanOrEqual(expected.startWindow.toMs);
        if (expected.driverId !== undefined && found.driverId !== undefined) expect(found.driverId).toBe(expected.driverId);
        if (expected.type === 'speeding') expect(found.details).toMatchObject({ limitKmh: expected.facts.limitKmh, band: expected.facts.band });
      }
    },
  );
});

describe('live duty plans', () => {
  const dayStart = Date.parse('2026-11-29T00:00:00+08:00');
  // The registry fixture (devices/fixtures/vehicles.csv) when present, plus the built-in fleet.
  const fleet = [...new Map([...DEFAULT_FLEET, ...defaultFleet()].map((v) => [v.deviceId, v])).values()];
  const supervised = fleet.filter((v) => !['bus', 'taxi'].includes(v.category));

  function day(vehicle: FleetVehicle, incidentRate: number): Violation[] {
    const track = createVehicleTrack({ vehicle, route: routeFor(vehicle, 5), seed: 5, startMs: dayStart, plan: livePlan(vehicle, 5, { incidentRate }) });
    const reports: PositionReport[] = [];
    for (let point = track.next(); point !== undefined && point.tsMs < dayStart + 30 * 3_600_000; point = track.next()) {
      reports.push({ ...point.report, tsMs: point.tsMs });
    }
    const registry = toRegistryVehicle(vehicle);
    const result = advanceVehicle(undefined, registry, reports);
    return [...result.violations, ...flushAt(result.state, registry, dayStart + 40 * 3_600_000).violations];
  }

  it.each(supervised.map((v) => [v.deviceId, v] as const))('%s drives 30 h without a violation', (_id, vehicle) => {
    expect(day(vehicle, 0).map((v) => `${v.type}@${new Date(v.startMs).toISOString()}`)).toEqual([]);
  });

  it('with incidents on, supervised vehicles get speeding violations and nothing else', () => {
    const types = supervised.flatMap((vehicle) => day(vehicle, 1).map((v) => v.type));
    expect(types.length).toBeGreaterThan(5);
    expect(new Set(types)).toEqual(new Set(['speeding']));
  });
});
