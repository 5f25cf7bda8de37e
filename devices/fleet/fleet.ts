/**
 * The live fleet: which vehicles drive (the registry fixture devices/fixtures/vehicles.csv, or any list), on which
 * route, and the endless duty plans that keep them compliant around the clock (apart from an optional share of
 * speeding incidents). Pure apart from `loadFleetVehicles`, which reads a file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { VehicleCategory } from '../../functions/contracts/vehicle.v1.ts';
import { g98Ring, g9811, haikouCityLoop, type NamedLine, sanyaCityLine } from '../../functions/domain/supervision/hainan-geography.ts';
import { parseVehicleFile } from '../../functions/registry/import.ts';
import { Rng } from '../simulator/prng.ts';
import { msSinceShanghaiMidnight } from '../simulator/time.ts';
import { driverIdFor, type FleetVehicle, type PlanContext, type PlanStep } from './vehicles.ts';

export const defaultVehiclesFile = new URL('../fixtures/vehicles.csv', import.meta.url);

/** Reads a registry file (CSV or JSON, the `npm run vehicles -- import` formats) as fleet vehicles. */
export function loadFleetVehicles(file: URL | string = defaultVehiclesFile): FleetVehicle[] {
  const name = typeof file === 'string' ? file : file.pathname;
  const format = name.toLowerCase().endsWith('.json') ? 'json' : 'csv';
  const result = parseVehicleFile(readFileSync(file, 'utf8'), format);
  if (!result.ok) {
    const lines = result.errors.slice(0, 10).map(({ row, message }) => `${name}:${row}: ${message}`);
    throw new Error(`invalid vehicle file:\n${lines.join('\n')}`);
  }
  return result.vehicles;
}

/** A small island-wide fleet for when no registry file is available. */
export const DEFAULT_FLEET: readonly FleetVehicle[] = [
  { deviceId: 'hn-coach-0001', category: 'coach', energyType: 'diesel', city: '海口市', nightRestricted: true },
  { deviceId: 'hn-coach-0002', category: 'coach', energyType: 'lng', city: '海口市', nightRestricted: true },
  { deviceId: 'hn-coach-0003', category: 'coach', energyType: 'bev', city: '三亚市', nightRestricted: false },
  { deviceId: 'hn-charter-0001', category: 'charter', energyType: 'diesel', city: '三亚市', nightRestricted: true },
  { deviceId: 'hn-hazmat-0001', category: 'hazmat', energyType: 'diesel', city: '儋州市', hazmatClass: '3' },
  { deviceId: 'hn-truck-0001', category: 'heavy-truck', energyType: 'diesel', city: '海口市' },
  { deviceId: 'hn-tractor-0001', category: 'tractor', energyType: 'lng', city: '海口市' },
  { deviceId: 'hn-bus-0001', category: 'bus', energyType: 'bev', city: '海口市' },
  { deviceId: 'hn-bus-0002', category: 'bus', energyType: 'bev', city: '海口市' },
  { deviceId: 'hn-bus-0003', category: 'bus', energyType: 'cng', city: '海口市' },
  { deviceId: 'hn-bus-0004', category: 'bus', energyType: 'bev', city: '三亚市' },
  { deviceId: 'hn-taxi-0001', category: 'taxi', energyType: 'bev', city: '海口市' },
  { deviceId: 'hn-taxi-0002', category: 'taxi', energyType: 'cng', city: '海口市' },
  { deviceId: 'hn-taxi-0003', category: 'taxi', energyType: 'bev', city: '三亚市' },
];

/** The fixture if it exists, else DEFAULT_FLEET. */
export function defaultFleet(): FleetVehicle[] {
  return existsSync(defaultVehiclesFile) ? loadFleetVehicles(defaultVehiclesFile) : [...DEFAULT_FLEET];
}

const CITY_CATEGORIES: readonly VehicleCategory[] = ['bus', 'taxi'];

/** Buses and taxis drive their city's line (Sanya's, else Haikou's loop); the rest G98 or G9811 (seeded). */
export function routeFor(vehicle: FleetVehicle, seed: number): NamedLine {
  if (CITY_CATEGORIES.includes(vehicle.category)) return vehicle.city.startsWith('三亚') ? sanyaCityLine : haikouCityLoop;
  return Rng.derive(seed, 'route', vehicle.deviceId).chance(0.7) ? g98Ring : g9811;
}

const minuteOfDay = (epochMs: number) => msSinceShanghaiMidnight(epochMs) / 60_000;
const inWindow = (minute: number, from: number, to: number) => (from <= to ? minute >= from && minute < to : minute >= from || minute < to);
const hhmm = (h: number, m = 0) => h * 60 + m;

export interface LivePlanOptions {
  /** Chance that a drive leg of a supervised vehicle contains a 2–4 minute speeding episode. Default 0. */
  readonly incidentRate?: number;
}

/**
 * An endless, rule-abiding duty plan for the vehicle's category, deciding each step from the local time:
 * - coaches and charter: legs of ≤ 2 h by day (85–90 km/h) and ≤ 90 min at night (≤ 72 km/h, night limit 80),
 *   25–35 min rests, three drivers in rotation (each under 8 h a day); night-restricted ones park 01:40–05:05;
 * - hazmat: ≤ 2 h legs at 65–72 km/h (limit 80), rests of 30 min;
 * - trucks and tractors: ≤ 3 h legs at 78–88 km/h, 30-minute rests, two drivers;
 * - buses: stop-and-go service 06:00–23:00 with a charging layover every hour, parked and charging at night;
 * - taxis: fares and cruising, fewer at night.
 */
export function livePlan(vehicle: FleetVehicle, seed: number, opts: LivePlanOptions = {}): (context: PlanContext) => PlanStep | undefined {
  const incidentRate = opts.incidentRate ?? 0;
  const queue: PlanStep[] = [];
  let legs = 0;
  let serviceMin = 0;
  const supervisedDrive = (r: Rng, speedKmh: number, durationMin: number): PlanStep[] => {
    if (!r.chance(incidentRate) || durationMin < 20) return [{ kind: 'drive', speedKmh, durationMin }];
    const before = r.range(5, durationMin - 10);
    const episode = r.range(2, 4);
    return [
      { kind: 'drive', speedKmh, durationMin: before },
      { kind: 'drive', speedKmh: speedKmh + r.range(18, 26), durationMin: episode, label: 'incident-speeding' },
      { kind: 'drive', speedKmh, durationMin: durationMin - before - episode },
    ];
  };

  return (context) => {
    const next = queue.shift();
    if (next !== undefined) return next;
    const r = context.rng;
    const minute = minuteOfDay(context.tsMs);
    if (vehicle.inService === false) return { kind: 'stop', durationMin: 60, label: 'out-of-service' };

    switch (vehicle.category) {
      case 'coach':
      case 'charter': {
        if (vehicle.nightRestricted !== false && inWindow(minute, hhmm(1, 40), hhmm(5, 5))) {
          const untilMin = (hhmm(5, 5) - minute + 1440) % 1440;
          return { kind: 'stop', durationMin: Math.max(1, untilMin), label: 'night-ban-parking' };
        }
        const night = inWindow(minute, hhmm(22), hhmm(6));
        let durationMin = night ? r.range(60, 90) : r.range(100, 120);
        // A day leg ends before 22:00: at night the coach limit is 80 % (and the cruising speed lower).
        const toNight = (hhmm(22) - minute + 1440) % 1440;
        if (!night && toNight < durationMin + 1) durationMin = Math.max(1, toNight - 1);
        if (vehicle.nightRestricted !== false) {
          const toBan = (hhmm(1, 40) - minute + 1440) % 1440;
          if (toBan < durationMin + 1) durationMin = Math.max(1, toBan - 1);
        }
        legs += 1;
        const steps = supervisedDrive(r, night ? r.range(66, 72) : r.range(82, 87), durationMin);
        queue.push(...steps.slice(1));
        queue.push({ kind: 'stop', durationMin: r.range(25, 35), label: 'rest', driverId: driverIdFor(seed, vehicle.deviceId, legs % 3) });
        return steps[0] as PlanStep;
      }
      case 'hazmat':
      case 'heavy-truck':
      case 'tractor':
      case 'other': {
        const hazmat = vehicle.category === 'hazmat';
        legs += 1;
        const steps = supervisedDrive(r, hazmat ? r.range(65, 70) : r.range(78, 85), hazmat ? r.range(90, 120) : r.range(120, 180));
        queue.push(...steps.slice(1));
        queue.push({ kind: 'stop', durationMin: r.range(30, 40), label: 'rest', driverId: driverIdFor(seed, vehicle.deviceId, legs % 2) });
        return steps[0] as PlanStep;
      }
      case 'bus': {
        if (inWindow(minute, hhmm(23), hhmm(6))) {
          const untilMin = (hhmm(6) - minute + 1440) % 1440;
          serviceMin = 0;
          return { kind: 'stop', durationMin: Math.max(1, untilMin), charge: true, label: 'depot-night' };
        }
        if (serviceMin >= 60) {
          serviceMin = 0;
          return { kind: 'stop', durationMin: r.range(10, 15), charge: true, label: 'terminus-charging' };
        }
        const driveMin = r.range(1.5, 3);
        const dwellMin = r.range(0.4, 1);
        serviceMin += driveMin + dwellMin;
        queue.push({ kind: 'stop', durationMin: dwellMin, ignition: true, label: 'bus-stop' });
        return { kind: 'drive', speedKmh: r.range(28, 38), durationMin: driveMin };
      }
      case 'taxi': {
        const night = inWindow(minute, hhmm(0, 30), hhmm(6));
        const occupied = r.chance(night ? 0.3 : 0.6);
        queue.push({
          kind: 'stop',
          durationMin: night ? r.range(10, 40) : r.range(0.5, 4),
          ignition: !night,
          ...(night && vehicle.energyType !== 'gasoline' ? { charge: true } : {}),
          occupied: false,
          label: occupied ? 'drop-off' : 'rank',
        });
        return { kind: 'drive', speedKmh: r.range(25, 50), durationMin: r.range(4, 18), occupied, label: occupied ? 'fare' : 'cruising' };
      }
    }
  };
}
