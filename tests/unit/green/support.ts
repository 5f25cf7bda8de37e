/** Test support for the green metrics: fixture readers and report builders (times are Asia/Shanghai local). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EnergyType, VehicleCategory } from '../../../functions/contracts/vehicle.v1.ts';
import type { PositionReport } from '../../../functions/domain/supervision/types.ts';

const fixtureDir = fileURLToPath(new URL('../../fixtures/green/', import.meta.url));

export function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(`${fixtureDir}${name}`, 'utf8')) as T;
}

/** Rows of a fixture CSV; `#` lines are comments, the first other line is the header. */
export function readCsv(name: string): Array<Record<string, string>> {
  const lines = readFileSync(`${fixtureDir}${name}`, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const [header, ...body] = lines;
  if (header === undefined) throw new Error(`${name}: no header`);
  const columns = header.split(',').map((c) => c.trim());
  return body.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((c, k) => [c, (cells[k] ?? '').trim()]));
  });
}

/** '2024-06-03T10:00:00' (Asia/Shanghai local) → epoch ms. */
export function localMs(text: string): number {
  const ms = Date.parse(`${text}+08:00`);
  if (Number.isNaN(ms)) throw new Error(`bad local time ${text}`);
  return ms;
}

export interface FixtureReport {
  readonly t: string;
  readonly lat?: number;
  readonly lon?: number;
  readonly odometerKm?: number;
  readonly energyKWh?: number;
  readonly fuelL?: number;
}

export interface FixtureVehicle {
  readonly deviceId: string;
  readonly category: VehicleCategory;
  readonly energyType: EnergyType;
  readonly city: string;
}

export function toReports(deviceId: string, rows: readonly FixtureReport[]): PositionReport[] {
  return rows.map((r, i) => ({
    deviceId,
    seq: i + 1,
    tsMs: localMs(r.t),
    lat: r.lat ?? 20.0,
    lon: r.lon ?? 110.3,
    speedKmh: 0,
    headingDeg: 0,
    ...(r.odometerKm === undefined ? {} : { odometerKm: r.odometerKm }),
    ...(r.energyKWh === undefined ? {} : { energyKWh: r.energyKWh }),
    ...(r.fuelL === undefined ? {} : { fuelL: r.fuelL }),
  }));
}

/** Asserts every expected numeric field within `tolerance` (booleans and strings exactly). */
export function expectFields(
  actual: Readonly<Record<string, unknown>>,
  expected: Readonly<Record<string, unknown>>,
  where: string,
  tolerance = 0.002,
): void {
  for (const [key, want] of Object.entries(expected)) {
    if (key.startsWith('_')) continue;
    const got = actual[key];
    if (typeof want === 'number') {
      if (typeof got !== 'number' || !(Math.abs(got - want) <= tolerance)) {
        throw new Error(`${where}: ${key} = ${String(got)}, want ${want} (± ${tolerance})`);
      }
    } else if (got !== want) {
      throw new Error(`${where}: ${key} = ${String(got)}, want ${String(want)}`);
    }
  }
}
