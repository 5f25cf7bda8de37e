/**
 * Kinematics and energy of a simulated vehicle: moving along a polyline of `hainan-geography.ts` at a given speed,
 * and the odometer, fuel and battery counters that go with it. Pure functions and small state objects, no I/O.
 *
 * Geometry: distances on the WGS-84 mean sphere (haversine, R = 6 371 008.8 m); a position inside a segment is the
 * linear lon/lat interpolation by the along-segment fraction. Segments of the traced roads are ≤ 40 km long, where the
 * difference between the straight lon/lat line and the great circle is a few metres: below the traced geometry's
 * own error (a few hundred metres) and below a terminal's (≤ 15 m, JT/T 794).
 */
import type { LonLat, NamedLine } from '../../functions/domain/supervision/hainan-geography.ts';
import type { EnergyType, VehicleCategory } from '../../functions/contracts/vehicle.v1.ts';
import type { Rng } from '../simulator/prng.ts';

/** IUGG mean Earth radius. */
export const EARTH_RADIUS_M = 6_371_008.8;

const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;

/** Great-circle distance in metres between two [lon, lat] points. */
export function haversineM(a: LonLat, b: LonLat): number {
  const dLat = toRad(b[1] - a[1]);
  const dLon = toRad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a[1])) * Math.cos(toRad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north in [0, 360). */
export function bearingDeg(a: LonLat, b: LonLat): number {
  const φ1 = toRad(a[1]);
  const φ2 = toRad(b[1]);
  const Δλ = toRad(b[0] - a[0]);
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}

export function polylineLengthM(points: readonly LonLat[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i += 1) total += haversineM(points[i - 1] as LonLat, points[i] as LonLat);
  return total;
}

/** Vertex average of a polygon ring (closing point ignored): a point well inside the simple convex zones we use. */
export function ringCentroid(ring: readonly LonLat[]): LonLat {
  const open = ring.length > 1 && ring[0]?.[0] === ring.at(-1)?.[0] && ring[0]?.[1] === ring.at(-1)?.[1] ? ring.slice(0, -1) : ring;
  const lon = open.reduce((sum, p) => sum + p[0], 0) / open.length;
  const lat = open.reduce((sum, p) => sum + p[1], 0) / open.length;
  return [lon, lat];
}

/** Ray casting; points on the boundary may go either way. */
export function pointInRing(point: LonLat, ring: readonly LonLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i] as LonLat;
    const [xj, yj] = ring[j] as LonLat;
    if (yi > point[1] !== yj > point[1] && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Part of a line between two vertex indexes, inclusive, in either direction (`from > to` runs it backwards), as a
 * new line. Used to start a trip mid-ring or to drive the ring anticlockwise.
 */
export function sliceLine(line: NamedLine, from: number, to: number, id = `${line.id}[${from}-${to}]`): NamedLine {
  const n = line.points.length;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < 0 || from >= n || to >= n || from === to) {
    throw new RangeError(`sliceLine: bad indexes ${from}..${to} for ${line.id} (${n} points)`);
  }
  const points = from < to ? line.points.slice(from, to + 1) : line.points.slice(to, from + 1).reverse();
  return { id, name: line.name, points };
}

/** Several lines driven one after the other; consecutive duplicate points are dropped. */
export function joinLines(id: string, name: string, ...parts: ReadonlyArray<NamedLine | readonly LonLat[]>): NamedLine {
  const points: LonLat[] = [];
  for (const part of parts) {
    const list = 'points' in part ? part.points : part;
    for (const p of list) {
      const last = points.at(-1);
      if (last === undefined || last[0] !== p[0] || last[1] !== p[1]) points.push(p);
    }
  }
  return { id, name, points };
}

export interface PathPosition {
  readonly lon: number;
  readonly lat: number;
  /** Direction of travel, [0, 360). */
  readonly headingDeg: number;
}

/**
 * A route prepared for driving: cumulative lengths of its vertices. A closed line (first point = last point) is
 * driven round and round; an open line is driven to its end and back (a bus line, a shuttle), forever.
 */
export class RoutePath {
  readonly id: string;
  readonly name: string;
  readonly points: readonly LonLat[];
  readonly closed: boolean;
  /** cumulativeM[i] = distance from the first point to point i along the line. */
  readonly cumulativeM: readonly number[];
  readonly lengthM: number;

  constructor(line: NamedLine) {
    if (line.points.length < 2) throw new RangeError(`route ${line.id} needs at least two points`);
    this.id = line.id;
    this.name = line.name;
    this.points = line.points;
    const first = line.points[0] as LonLat;
    const last = line.points.at(-1) as LonLat;
    this.closed = first[0] === last[0] && first[1] === last[1];
    const cumulative = [0];
    for (let i = 1; i < line.points.length; i += 1) {
      cumulative.push((cumulative[i - 1] as number) + haversineM(line.points[i - 1] as LonLat, line.points[i] as LonLat));
    }
    this.cumulativeM = cumulative;
    this.lengthM = cumulative.at(-1) as number;
    if (!(this.lengthM > 0)) throw new RangeError(`route ${line.id} has zero length`);
  }

  /** Position after driving `distanceM` from the start (any non-negative distance: loops wrap, open lines turn). */
  at(distanceM: number): PathPosition {
    if (!(distanceM >= 0)) throw new RangeError(`distance must be ≥ 0, got ${distanceM}`);
    let along: number;
    let backwards = false;
    if (this.closed) {
      along = distanceM % this.lengthM;
    } else {
      const lap = distanceM % (2 * this.lengthM);
      backwards = lap > this.lengthM;
      along = backwards ? 2 * this.lengthM - lap : lap;
    }
    return this.pointAlong(along, backwards);
  }

  /** Position at `along` metres from the first point, heading forwards or backwards along the line. */
  pointAlong(along: number, backwards = false): PathPosition {
    const clamped = Math.min(Math.max(along, 0), this.lengthM);
    // Binary search for the segment [i, i + 1] holding `clamped`.
    let lo = 0;
    let hi = this.cumulativeM.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulativeM[mid] as number) <= clamped) lo = mid;
      else hi = mid;
    }
    const a = this.points[lo] as LonLat;
    const b = this.points[hi] as LonLat;
    const segmentM = (this.cumulativeM[hi] as number) - (this.cumulativeM[lo] as number);
    const f = segmentM > 0 ? (clamped - (this.cumulativeM[lo] as number)) / segmentM : 0;
    const forward = bearingDeg(a, b);
    return {
      lon: a[0] + (b[0] - a[0]) * f,
      lat: a[1] + (b[1] - a[1]) * f,
      headingDeg: backwards ? (forward + 180) % 360 : forward,
    };
  }

  /** Along-line distance of the vertex `index` (to start a vehicle at a town of the route). */
  distanceOfVertex(index: number): number {
    const value = this.cumulativeM[index];
    if (value === undefined) throw new RangeError(`route ${this.id} has no vertex ${index}`);
    return value;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Energy

export type Drivetrain = 'electric' | 'plug-in' | 'combustion';

export function drivetrainOf(energyType: EnergyType): Drivetrain {
  if (energyType === 'bev' || energyType === 'fcev') return 'electric';
  if (energyType === 'phev') return 'plug-in';
  return 'combustion';
}

export function isNewEnergy(energyType: EnergyType): boolean {
  return drivetrainOf(energyType) !== 'combustion';
}

/**
 * Consumption figures of one vehicle. Sources (domain-rules §D4): 12 m e-bus 104–130 kWh/100 km with a 324 kWh pack;
 * e-taxi ≈ 15 kWh/100 km vs 7 L/100 km petrol; diesel city bus 30–40 L/100 km [U]. The rest are typical published
 * values and marked as such in docs/fleet-simulator.md. CNG and LNG are reported as diesel-equivalent litres
 * (`fuelL` is the contract's only fuel counter).
 */
export interface EnergyProfile {
  readonly drivetrain: Drivetrain;
  /** Traction energy per 100 km on battery (electric, plug-in). */
  readonly kWhPer100Km: number;
  /** Fuel per 100 km (combustion; plug-in once the battery is at its floor). */
  readonly litresPer100Km: number;
  /** Usable battery capacity (electric, plug-in). */
  readonly batteryKWh: number;
  /** Air conditioning and auxiliaries while the ignition is on (Hainan: A/C all year), kW electric or L/h fuel. */
  readonly auxKW: number;
  readonly idleLitresPerH: number;
  /** Charging power when parked at a charger. */
  readonly chargeKW: number;
  /** A plug-in hybrid drives on fuel below this state of charge. */
  readonly socFloorPct: number;
}

type Range = readonly [number, number];

interface ProfileRanges {
  readonly kWhPer100Km: Range;
  readonly litresPer100Km: Range;
  readonly batteryKWh: number;
  readonly auxKW: number;
  readonly idleLitresPerH: number;
  readonly chargeKW: number;
}

const RANGES: Record<VehicleCategory, ProfileRanges> = {
  // 12 m e-bus: 104 (BYD K9 claim) – 129.6 (Madrid) kWh/100 km, 324 kWh pack; diesel city bus 30–40 L/100 km.
  bus: { kWhPer100Km: [104, 130], litresPer100Km: [30, 40], batteryKWh: 324, auxKW: 6, idleLitresPerH: 2.5, chargeKW: 150 },
  // e-taxi ≈ 13–15 kWh/100 km; petrol taxi ≈ 7 L/100 km (Beijing Yanqing pilot).
  taxi: { kWhPer100Km: [13, 15], litresPer100Km: [6.5, 8], batteryKWh: 57, auxKW: 1.2, idleLitresPerH: 0.8, chargeKW: 60 },
  // Intercity coach: diesel 22–28 L/100 km, e-coach 80–100 kWh/100 km [U: typical published figures].
  coach: { kWhPer100Km: [80, 100], litresPer100Km: [22, 28], batteryKWh: 280, auxKW: 5, idleLitresPerH: 2.2, chargeKW: 150 },
  charter: { kWhPer100Km: [80, 100], litresPer100Km: [22, 28], batteryKWh: 280, auxKW: 5, idleLitresPerH: 2.2, chargeKW: 150 },
  // Tank truck, heavy truck, tractor-trailer: diesel 30–40 L/100 km, electric 130–180 kWh/100 km [U].
  hazmat: { kWhPer100Km: [140, 180], litresPer100Km: [30, 36], batteryKWh: 350, auxKW: 2, idleLitresPerH: 2.5, chargeKW: 240 },
  'heavy-truck': { kWhPer100Km: [130, 170], litresPer100Km: [30, 38], batteryKWh: 350, auxKW: 2, idleLitresPerH: 2.5, chargeKW: 240 },
  tractor: { kWhPer100Km: [140, 180], litresPer100Km: [33, 40], batteryKWh: 420, auxKW: 2, idleLitresPerH: 2.8, chargeKW: 240 },
  other: { kWhPer100Km: [18, 25], litresPer100Km: [9, 12], batteryKWh: 70, auxKW: 1.5, idleLitresPerH: 1, chargeKW: 60 },
};

/** Draws one vehicle's figures from the category's ranges (seeded). */
export function energyProfileFor(category: VehicleCategory, energyType: EnergyType, rng: Rng): EnergyProfile {
  const r = RANGES[category];
  const drivetrain = drivetrainOf(energyType);
  let litres = rng.range(r.litresPer100Km[0], r.litresPer100Km[1]);
  // A non-plug-in hybrid saves 20–30 % in stop-and-go traffic; CNG/LNG counted as diesel-equivalent litres.
  if (energyType === 'hybrid') litres *= rng.range(0.7, 0.8);
  return {
    drivetrain,
    kWhPer100Km: rng.range(r.kWhPer100Km[0], r.kWhPer100Km[1]),
    litresPer100Km: litres,
    batteryKWh: energyType === 'phev' ? r.batteryKWh * 0.25 : r.batteryKWh,
    auxKW: r.auxKW,
    idleLitresPerH: r.idleLitresPerH,
    chargeKW: r.chargeKW,
    socFloorPct: 20,
  };
}

export interface EnergyReading {
  readonly odometerKm: number;
  /** Electric and plug-in: cumulative energy drawn from the battery. */
  readonly energyKWh?: number;
  readonly socPct?: number;
  /** Combustion and plug-in: cumulative fuel. */
  readonly fuelL?: number;
}

/**
 * Odometer, cumulative energy and fuel, state of charge. Counters only grow; the state of charge falls while driving
 * (and with auxiliaries on) and rises while charging, tapering above 80 %.
 */
export class EnergyMeter {
  readonly profile: EnergyProfile;
  private odometerM: number;
  private energyKWh = 0;
  private fuelL = 0;
  private storedKWh: number;

  constructor(profile: EnergyProfile, initial: { odometerKm?: number; socPct?: number; energyKWh?: number; fuelL?: number } = {}) {
    this.profile = profile;
    this.odometerM = (initial.odometerKm ?? 0) * 1000;
    this.energyKWh = initial.energyKWh ?? 0;
    this.fuelL = initial.fuelL ?? 0;
    this.storedKWh = (profile.batteryKWh * (initial.socPct ?? 90)) / 100;
  }

  get socPct(): number {
    return this.profile.batteryKWh > 0 ? (100 * this.storedKWh) / this.profile.batteryKWh : 0;
  }

  /** `dtS` seconds during which the vehicle covered `distanceM` (0 when standing) with the ignition on or off. */
  step(distanceM: number, dtS: number, ignition: boolean, charging = false): void {
    this.odometerM += distanceM;
    const km = distanceM / 1000;
    const hours = dtS / 3600;
    const p = this.profile;
    if (p.drivetrain === 'combustion') {
      this.fuelL += km * (p.litresPer100Km / 100);
      // Idling with the engine running (A/C): only when standing; the per-km figure already covers driving.
      if (ignition && distanceM === 0) this.fuelL += hours * p.idleLitresPerH;
      return;
    }
    let electricKWh = km * (p.kWhPer100Km / 100) + (ignition ? hours * p.auxKW : 0);
    if (p.drivetrain === 'plug-in' && this.socPct <= p.socFloorPct) {
      // Battery at its floor: the engine drives (and runs the A/C).
      this.fuelL += km * (p.litresPer100Km / 100) + (ignition && distanceM === 0 ? hours * p.idleLitresPerH : 0);
      electricKWh = 0;
    }
    const drawn = Math.min(electricKWh, this.storedKWh);
    this.energyKWh += drawn;
    this.storedKWh -= drawn;
    if (charging && !ignition) {
      // Constant power to 80 %, then tapering linearly to a tenth of it at 100 %.
      const soc = this.socPct;
      const power = soc < 80 ? p.chargeKW : p.chargeKW * Math.max(0.1, (100 - soc) / 20);
      this.storedKWh = Math.min(p.batteryKWh, this.storedKWh + power * hours);
    }
  }

  reading(): EnergyReading {
    const drivetrain = this.profile.drivetrain;
    return {
      odometerKm: this.odometerM / 1000,
      ...(drivetrain === 'combustion' ? {} : { energyKWh: this.energyKWh, socPct: this.socPct }),
      ...(drivetrain === 'electric' ? {} : { fuelL: this.fuelL }),
    };
  }
}
