/** Public API of the dynamic-supervision (两客一危一货) domain. */
export type * from './types.ts';
export type * from './rules-config.ts';
export { defaultSupervisionRules, defineSupervisionRules, roadClasses, speedCategories } from './rules-config.ts';
export type * from './engine.ts';
export { advanceVehicle, checkSilent, flushAt, initialVehicleState, NONE_MS } from './engine.ts';
export type { CompiledZone } from './geometry.ts';
export {
  compileZone,
  distanceM,
  distanceToPolylineM,
  distanceToSegmentM,
  pointInPolygon,
  zoneContains,
} from './geometry.ts';
export type { CompiledWindow } from './local-time.ts';
export { localMinuteOfDay, parseHhMm } from './local-time.ts';
export type { LonLat, NamedLine } from './hainan-geography.ts';
export { g98Ring, g9811, hazmatRestrictedAreas } from './hainan-geography.ts';
