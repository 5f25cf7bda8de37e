/**
 * The simulated WIM stations: schema, loader and the default set from `devices/fixtures/stations.json`.
 *
 * The fixture is plain JSON (not TypeScript) so the same file can seed the WimConfig table and be read by people;
 * it is validated here on load so a typo fails loudly at start-up instead of producing odd records.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { AccuracyClass } from '../../functions/domain/overload/types.ts';

/** Same rule as the contract's stationId: the id is also the AWS IoT thing name and MQTT client id. */
const thingName = /^[A-Za-z0-9_-]{1,64}$/;

const accuracyClasses = ['class-2', 'class-5', 'class-10'] as const satisfies readonly AccuracyClass[];

export const stationFixture = z.object({
  stationId: z.string().regex(thingName, 'stationId must be usable as an AWS IoT thing name'),
  /** Chinese name as shown to enforcement staff. */
  name: z.string().min(1),
  /** Road number, e.g. G98. */
  road: z.string().min(1),
  roadName: z.string().min(1),
  /** Direction of travel weighed by the station (one carriageway). */
  direction: z.string().min(1),
  /** Approximate stake (桩号) in km; illustrative. */
  stakeKm: z.number().nonnegative(),
  /** WGS-84; the box is Hainan Island. */
  lat: z.number().min(18.1).max(20.2),
  lon: z.number().min(108.5).max(111.1),
  /** Weighed lanes; lane 1 is the outermost (slow) lane. */
  lanes: z.number().int().min(1).max(6),
  accuracyClass: z.enum(accuracyClasses),
  /** Plate prefixes of the surrounding prefecture(s); local trucks are over-represented at the station. */
  localPlatePrefixes: z.array(z.string().regex(/^琼[A-Z]$/)).min(1),
});

export type StationFixture = z.infer<typeof stationFixture>;

export const stationFixtureFile = z.object({
  description: z.string(),
  stations: z
    .array(stationFixture)
    .min(1)
    .refine((list) => new Set(list.map((station) => station.stationId)).size === list.length, 'duplicate stationId'),
});

/** Parses the fixture format (`{ description, stations: [...] }`). */
export function parseStations(json: unknown): StationFixture[] {
  return stationFixtureFile.parse(json).stations;
}

export const defaultStationsFile = new URL('../fixtures/stations.json', import.meta.url);

/** Reads and validates a stations file; defaults to `devices/fixtures/stations.json`. */
export function loadStations(file: URL | string = defaultStationsFile): StationFixture[] {
  return parseStations(JSON.parse(readFileSync(file, 'utf8')) as unknown);
}

/** The default simulated stations, loaded once. */
export const STATIONS: readonly StationFixture[] = Object.freeze(loadStations());

export function stationById(stationId: string, stations: readonly StationFixture[] = STATIONS): StationFixture {
  const station = stations.find((candidate) => candidate.stationId === stationId);
  if (station === undefined) throw new Error(`unknown station ${stationId}`);
  return station;
}
