/**
 * Plane geometry for the supervision zones, on WGS-84 [lon, lat] degrees.
 *
 * - Polygons: edges are straight lines in lon/lat (plate carrée), tested by ray casting. A point exactly on an edge or
 *   a vertex counts as INSIDE (within 1e-12 deg², i.e. micrometres): a vehicle on the boundary line of a restricted
 *   area is treated as in it, and the result does not depend on the ray direction.
 * - Distances: equirectangular projection centred on the query point (x = Δlon·cos(lat)·R, y = Δlat·R, R = mean
 *   Earth radius 6 371 008.8 m). For Hainan (18°–20.2° N) and segments spanning < 0.5° of latitude the error is below
 *   0.5 % (≤ 2.5 m at a 500 m corridor half width) — far below the accuracy of the traced road geometry.
 * - Zones: precomputed bounding boxes (whole zone and, for corridors, every segment) are checked before the exact test.
 */
import type { LonLat } from './hainan-geography.ts';
import type { CompiledWindow } from './local-time.ts';
import { compileWindow, windowContainsMinute } from './local-time.ts';
import type { Zone } from './rules-config.ts';

export const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;
export const METRES_PER_DEGREE_LAT = EARTH_RADIUS_M * DEG;
const ON_EDGE_EPSILON = 1e-12;

/** Equirectangular distance in metres between two points (accurate to < 0.5 % over a few hundred km in Hainan). */
export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const x = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * DEG);
  const y = lat2 - lat1;
  return Math.sqrt(x * x + y * y) * METRES_PER_DEGREE_LAT;
}

function onSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): boolean {
  const cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
  if (cross > ON_EDGE_EPSILON || cross < -ON_EDGE_EPSILON) return false;
  return (
    px >= Math.min(ax, bx) - ON_EDGE_EPSILON &&
    px <= Math.max(ax, bx) + ON_EDGE_EPSILON &&
    py >= Math.min(ay, by) - ON_EDGE_EPSILON &&
    py <= Math.max(ay, by) + ON_EDGE_EPSILON
  );
}

/**
 * Ray casting on a ring of [lon, lat] points (closed or not: the closing edge is implied). Points on an edge or a
 * vertex are inside. A ring of fewer than 3 distinct points contains only its edges.
 */
export function pointInPolygon(ring: readonly LonLat[], lon: number, lat: number): boolean {
  const n = ring.length;
  if (n === 0) return false;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[i] as LonLat;
    const b = ring[j] as LonLat;
    const ax = a[0];
    const ay = a[1];
    const bx = b[0];
    const by = b[1];
    if (onSegment(lon, lat, ax, ay, bx, by)) return true;
    if (ay > lat !== by > lat && lon < ((bx - ax) * (lat - ay)) / (by - ay) + ax) inside = !inside;
  }
  return inside;
}

/** Distance in metres from a point to the segment a–b (equirectangular around the point). */
export function distanceToSegmentM(lon: number, lat: number, a: LonLat, b: LonLat): number {
  const k = Math.cos(lat * DEG);
  const ax = (a[0] - lon) * k;
  const ay = a[1] - lat;
  const bx = (b[0] - lon) * k;
  const by = b[1] - lat;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : -(ax * dx + ay * dy) / len2;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const x = ax + t * dx;
  const y = ay + t * dy;
  return Math.sqrt(x * x + y * y) * METRES_PER_DEGREE_LAT;
}

/** Distance in metres from a point to a polyline (Infinity for an empty line). */
export function distanceToPolylineM(line: readonly LonLat[], lon: number, lat: number): number {
  if (line.length === 1) {
    const p = line[0] as LonLat;
    return distanceM(lon, lat, p[0], p[1]);
  }
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < line.length; i++) {
    const d = distanceToSegmentM(lon, lat, line[i - 1] as LonLat, line[i] as LonLat);
    if (d < best) best = d;
  }
  return best;
}

/** A zone with its bounding boxes and windows precomputed. */
export interface CompiledZone {
  readonly zone: Zone;
  readonly minLon: number;
  readonly maxLon: number;
  readonly minLat: number;
  readonly maxLat: number;
  /** null = always active. */
  readonly windows: readonly CompiledWindow[] | null;
  /** Corridor: per segment [minLon, maxLon, minLat, maxLat] expanded by the half width; empty for polygons. */
  readonly segmentBoxes: Float64Array;
}

function lonMarginDeg(metres: number, maxAbsLat: number): number {
  const k = Math.cos(Math.min(89, maxAbsLat + 0.01) * DEG);
  return metres / (METRES_PER_DEGREE_LAT * k);
}

export function compileZone(zone: Zone): CompiledZone {
  const windows = zone.timeWindows === undefined ? null : zone.timeWindows.map(compileWindow);
  if (zone.kind === 'road-class' && zone.roadClass === undefined) throw new RangeError(`zone ${zone.zoneId}: road-class zone without roadClass`);
  if (zone.kind === 'speed-limit' && !(typeof zone.speedLimitKmh === 'number' && zone.speedLimitKmh > 0)) {
    throw new RangeError(`zone ${zone.zoneId}: speed-limit zone without a positive speedLimitKmh`);
  }
  const shape = zone.shape;
  const points = shape.type === 'polygon' ? shape.ring : shape.line;
  if (points.length === 0) throw new RangeError(`zone ${zone.zoneId}: no points`);
  let minLon = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (const [lon, lat] of points) {
    if (lon < minLon) minLon = lon;
    if (lon > maxLon) maxLon = lon;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  let segmentBoxes = new Float64Array(0);
  if (shape.type === 'corridor') {
    if (!(shape.halfWidthM >= 0)) throw new RangeError(`zone ${zone.zoneId}: negative halfWidthM`);
    const latMargin = shape.halfWidthM / METRES_PER_DEGREE_LAT + 1e-9;
    const segments = Math.max(1, points.length - 1);
    segmentBoxes = new Float64Array(segments * 4);
    for (let s = 0; s < segments; s++) {
      const a = points[s] as LonLat;
      const b = (points[s + 1] ?? a) as LonLat;
      const lonMargin = lonMarginDeg(shape.halfWidthM, Math.max(Math.abs(a[1]), Math.abs(b[1])) + latMargin) + 1e-9;
      segmentBoxes[s * 4] = Math.min(a[0], b[0]) - lonMargin;
      segmentBoxes[s * 4 + 1] = Math.max(a[0], b[0]) + lonMargin;
      segmentBoxes[s * 4 + 2] = Math.min(a[1], b[1]) - latMargin;
      segmentBoxes[s * 4 + 3] = Math.max(a[1], b[1]) + latMargin;
    }
    const lonMargin = lonMarginDeg(shape.halfWidthM, Math.max(Math.abs(minLat), Math.abs(maxLat)) + latMargin) + 1e-9;
    minLon -= lonMargin;
    maxLon += lonMargin;
    minLat -= latMargin;
    maxLat += latMargin;
  }
  return { zone, minLon, maxLon, minLat, maxLat, windows, segmentBoxes };
}

/** Whether the zone is active at this local minute of the day (no windows = always). */
export function compiledZoneActive(cz: CompiledZone, localMinuteOfDay: number): boolean {
  const windows = cz.windows;
  if (windows === null) return true;
  for (const w of windows) if (windowContainsMinute(w, localMinuteOfDay)) return true;
  return false;
}

/** Shape test only (no time window). */
export function compiledZoneCovers(cz: CompiledZone, lon: number, lat: number): boolean {
  if (lon < cz.minLon || lon > cz.maxLon || lat < cz.minLat || lat > cz.maxLat) return false;
  const shape = cz.zone.shape;
  if (shape.type === 'polygon') return pointInPolygon(shape.ring, lon, lat);
  const boxes = cz.segmentBoxes;
  const line = shape.line;
  const segments = boxes.length / 4;
  for (let s = 0; s < segments; s++) {
    const o = s * 4;
    if (lon < (boxes[o] as number) || lon > (boxes[o + 1] as number) || lat < (boxes[o + 2] as number) || lat > (boxes[o + 3] as number)) continue;
    const a = line[s] as LonLat;
    const b = (line[s + 1] ?? a) as LonLat;
    if (distanceToSegmentM(lon, lat, a, b) <= shape.halfWidthM) return true;
  }
  return false;
}

export function compiledZoneContains(cz: CompiledZone, lon: number, lat: number, localMinuteOfDay: number): boolean {
  return compiledZoneActive(cz, localMinuteOfDay) && compiledZoneCovers(cz, lon, lat);
}

const compiledCache = new WeakMap<Zone, CompiledZone>();

/**
 * Whether the zone applies at this point and local minute of the day: the shape covers the point (polygon: inside
 * or on an edge; corridor: within halfWidthM of the line, inclusive) and a time window, if any, is open.
 */
export function zoneContains(zone: Zone, lon: number, lat: number, localMinuteOfDay: number): boolean {
  let cz = compiledCache.get(zone);
  if (cz === undefined) {
    cz = compileZone(zone);
    compiledCache.set(zone, cz);
  }
  return compiledZoneContains(cz, lon, lat, localMinuteOfDay);
}
