import { describe, expect, it } from 'vitest';
import type { GreenVehicleState } from '../../../functions/domain/green/accumulator.ts';
import { accumulateGreen } from '../../../functions/domain/green/accumulator.ts';
import type { FleetMetrics, GreenPeriod } from '../../../functions/domain/green/metrics.ts';
import { computeGreenMetrics, fleets } from '../../../functions/domain/green/metrics.ts';
import type { Fleet } from '../../../functions/domain/green/rules-config.ts';
import { defaultGreenRules, defineGreenRules } from '../../../functions/domain/green/rules-config.ts';
import type { FixtureVehicle } from './support.ts';
import { expectFields, readCsv, readJson, toReports } from './support.ts';

interface Expected {
  readonly period: GreenPeriod;
  readonly expected: ReadonlyArray<{
    readonly scope: string;
    readonly fleet: Fleet;
    readonly metrics: Record<string, number>;
    readonly targets?: ReadonlyArray<Record<string, unknown>>;
  }>;
}

const rows = readCsv('fleet-vehicles.csv');
const vehicles: FixtureVehicle[] = rows.map((r) => ({
  deviceId: r.deviceId ?? '',
  category: r.category as FixtureVehicle['category'],
  energyType: r.energyType as FixtureVehicle['energyType'],
  city: r.city ?? '',
}));
const states = new Map<string, GreenVehicleState>();
for (const [i, v] of vehicles.entries()) {
  if (rows[i]?.active !== '1') continue;
  const reports = toReports(v.deviceId, [
    { t: '2024-06-03T10:10:00', odometerKm: 100 },
    { t: '2024-06-03T10:40:00', odometerKm: 110 },
  ]);
  states.set(v.deviceId, accumulateGreen(undefined, v, reports));
}
// A state of a device that is not registered is ignored.
states.set('GHOST', accumulateGreen(undefined, { deviceId: 'GHOST', category: 'bus', energyType: 'bev' }, toReports('GHOST', [
  { t: '2024-06-03T10:10:00', odometerKm: 0 },
  { t: '2024-06-03T10:40:00', odometerKm: 10 },
])));

const fixture = readJson<Expected>('fleet-expected.json');
const snapshot = computeGreenMetrics({ vehicles, states, period: fixture.period });

function scopeMetrics(scope: string): FleetMetrics | undefined {
  if (scope === 'province') return snapshot.province;
  if (scope.startsWith('unknown:')) return snapshot.unknownCities[scope.slice('unknown:'.length)];
  return snapshot.cities[scope];
}

describe('shares per city and fleet (fixtures fleet-vehicles.csv, fleet-expected.json)', () => {
  for (const e of fixture.expected) {
    it(`${e.scope} / ${e.fleet}`, () => {
      const m = scopeMetrics(e.scope)?.[e.fleet];
      expect(m).toBeDefined();
      if (m === undefined) return;
      expectFields({ ...m }, e.metrics, `${e.scope}/${e.fleet}`, 1e-6);
      if (e.targets !== undefined) {
        expect(m.targets).toHaveLength(e.targets.length);
        for (const [i, t] of e.targets.entries()) expectFields({ ...m.targets[i] }, t, `${e.scope}/${e.fleet} target ${i}`, 1e-6);
      }
    });
  }

  it('lists every configured city (zeros when empty), an alias under its configured name, unknown cities apart', () => {
    expect(Object.keys(snapshot.cities).sort()).toEqual(defaultGreenRules.cities.map((c) => c.name).sort());
    expect(snapshot.cities['陵水']).toBeUndefined();
    expect(Object.keys(snapshot.unknownCities)).toEqual(['琼北市']);
  });

  it('every scope has every fleet, and the fleets sum to all', () => {
    for (const fm of [snapshot.province, ...Object.values(snapshot.cities), ...Object.values(snapshot.unknownCities)]) {
      expect(Object.keys(fm).sort()).toEqual([...fleets].sort());
      const sum = (k: 'registered' | 'active' | 'vehicleKm' | 'electricVehicleKm') =>
        fleets.filter((f) => f !== 'all').reduce((acc, f) => acc + fm[f][k], 0);
      for (const k of ['registered', 'active', 'vehicleKm', 'electricVehicleKm'] as const) expect(sum(k)).toBeCloseTo(fm.all[k], 6);
    }
  });

  it('cities (configured + unknown) sum to the province', () => {
    const all = [...Object.values(snapshot.cities), ...Object.values(snapshot.unknownCities)];
    for (const k of ['registered', 'newEnergyRegistered', 'active', 'vehicleKm', 'electricVehicleKm', 'fuelL'] as const) {
      expect(all.reduce((acc, c) => acc + c.all[k], 0)).toBeCloseTo(snapshot.province.all[k], 6);
    }
  });

  it('shares are never NaN: 0 when the denominator is 0', () => {
    const empty = computeGreenMetrics({ vehicles: [], states: new Map(), period: { kind: 'day', key: '2024-06-03' } });
    for (const f of fleets) {
      const m = empty.province[f];
      for (const k of ['newEnergyShare', 'cleanEnergyShare', 'activeNewEnergyShare', 'activeCleanEnergyShare', 'electricKmShare'] as const) {
        expect(m[k]).toBe(0);
      }
    }
  });

  it('a period with no data (or already pruned) reads as inactive', () => {
    const s = computeGreenMetrics({ vehicles, states, period: { kind: 'hour', key: '2024-06-03T11' } });
    expect(s.province.all.registered).toBe(12);
    expect(s.province.all.active).toBe(0);
    expect(s.province.all.vehicleKm).toBe(0);
  });

  it('rejects a malformed period key', () => {
    expect(() => computeGreenMetrics({ vehicles, states, period: { kind: 'day', key: '2024-06' } })).toThrow(/bad day key/);
  });

  it('rules overrides change the counting (CNG no longer clean, a custom target)', () => {
    const rules = defineGreenRules({
      cleanEnergyTypes: { value: ['bev', 'phev', 'fcev'], source: 'test', confidence: 'U' },
      targets: [
        { targetId: 't', fleet: 'bus', metric: 'electricKmShare', target: 0.5, scopes: ['city'], source: 'test', confidence: 'U' },
      ],
    });
    const s = computeGreenMetrics({ vehicles, states, period: fixture.period, rules });
    expect(s.cities['海口市']?.bus.cleanEnergyRegistered).toBe(2);
    expect(s.province.bus.targets).toEqual([]);
    expect(s.cities['海口市']?.bus.targets).toEqual([
      { targetId: 't', metric: 'electricKmShare', value: 10 / 30, target: 0.5, progress: 10 / 30 / 0.5, met: false },
    ]);
  });
});
