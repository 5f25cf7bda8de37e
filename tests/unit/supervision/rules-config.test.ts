import { describe, expect, it } from 'vitest';
import { zoneContains } from '../../../functions/domain/supervision/geometry.ts';
import { localMinuteOfDay } from '../../../functions/domain/supervision/local-time.ts';
import {
  defaultSupervisionRules,
  defineSupervisionRules,
  roadClasses,
  speedCategories,
} from '../../../functions/domain/supervision/rules-config.ts';
import { supervisedCategories } from '../../../functions/contracts/vehicle.v1.ts';
import { buildTrack, type sites } from './support.ts';

interface Provenance {
  path: string;
  source: unknown;
  confidence: unknown;
}

/** Every object in the configuration that carries a value or a limit, with its provenance. */
function sourcedEntries(node: unknown, path = 'rules'): Provenance[] {
  if (typeof node !== 'object' || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => sourcedEntries(n, `${path}[${i}]`));
  const obj = node as Record<string, unknown>;
  const out: Provenance[] = [];
  if ('value' in obj || 'limitKmh' in obj || 'bit' in obj) out.push({ path, source: obj.source, confidence: obj.confidence });
  else if ('zoneId' in obj) out.push({ path, source: obj.source, confidence: obj.confidence ?? 'U' });
  for (const [k, v] of Object.entries(obj)) if (k !== 'value' && k !== 'shape') out.push(...sourcedEntries(v, `${path}.${k}`));
  return out;
}

describe('defaultSupervisionRules', () => {
  it('every threshold, limit, zone and alarm bit carries a non-empty source and a confidence tag', () => {
    const entries = sourcedEntries(defaultSupervisionRules);
    expect(entries.length).toBeGreaterThanOrEqual(45);
    for (const e of entries) {
      expect(typeof e.source === 'string' && e.source.length > 0, `${e.path} source`).toBe(true);
      expect(['P', 'S', 'D', 'U'], `${e.path} confidence`).toContain(e.confidence);
    }
  });

  it('has a speed-limit row for every supervised category and road class', () => {
    expect([...speedCategories].sort()).toEqual([...supervisedCategories].sort());
    for (const c of speedCategories) for (const r of roadClasses) expect(defaultSupervisionRules.speedLimits[c][r].limitKmh).toBeGreaterThan(0);
  });

  it('statutory values are tagged P with their article', () => {
    const s = defaultSupervisionRules;
    expect(s.speedLimits.coach.expressway).toMatchObject({ limitKmh: 100, confidence: 'P' });
    expect(s.speedLimits.coach.expressway.source).toContain('第七十八条');
    expect(s.speedLimits.hazmat.expressway.source).toContain('2019年第29号');
    expect(s.speedLimits.hazmat.ordinary.limitKmh).toBe(60);
    expect(s.fatigue.continuousMaxS).toMatchObject({ value: 14_400, confidence: 'P' });
    expect(s.fatigue.minRestS).toMatchObject({ value: 1_200, confidence: 'P' });
    expect(s.fatigue.continuousMaxS.source).toContain('第六十二条');
    expect(s.speedLimits['heavy-truck'].ordinary.confidence).toBe('U');
    expect(s.nightWindow.confidence).toBe('U');
  });

  it('is deep-frozen; defineSupervisionRules overrides without touching the defaults', () => {
    expect(Object.isFrozen(defaultSupervisionRules.speedLimits.coach.ordinary)).toBe(true);
    expect(Object.isFrozen(defaultSupervisionRules.zones[0])).toBe(true);
    const r = defineSupervisionRules({ speedLimits: { coach: { ordinary: { limitKmh: 60 } } } });
    expect(r.speedLimits.coach.ordinary.limitKmh).toBe(60);
    expect(r.speedLimits.coach.ordinary.source).toBe(defaultSupervisionRules.speedLimits.coach.ordinary.source);
    expect(defaultSupervisionRules.speedLimits.coach.ordinary.limitKmh).toBe(70);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('default zones: G98 and G9811 expressway corridors and the three hazmat areas', () => {
    expect(defaultSupervisionRules.zones.map((z) => [z.zoneId, z.kind])).toEqual([
      ['G98', 'road-class'],
      ['G9811', 'road-class'],
      ['HZ-HAIKOU-OLDTOWN', 'hazmat-restricted'],
      ['HZ-SONGTAO', 'hazmat-restricted'],
      ['HZ-SANYA-CENTRE', 'hazmat-restricted'],
    ]);
  });

  it('the test sites are where the tests assume (expressway corridors vs ordinary road)', () => {
    const at = (site: keyof typeof sites) =>
      buildTrack({ site, start: '2024-06-03T10:00:00', intervalS: 60, segments: [{ durationS: 3600, speedKmh: 100 }] });
    const zonesOf = (lon: number, lat: number, tsMs: number) =>
      defaultSupervisionRules.zones.filter((z) => zoneContains(z, lon, lat, localMinuteOfDay(tsMs, 480))).map((z) => z.zoneId);
    for (const r of at('ordinary')) expect(zonesOf(r.lon, r.lat, r.tsMs)).toEqual([]);
    for (const r of at('longRoad')) expect(zonesOf(r.lon, r.lat, r.tsMs)).toEqual([]);
    for (const r of at('g98')) expect(zonesOf(r.lon, r.lat, r.tsMs)).toEqual(['G98']);
    for (const r of at('g9811')) expect(zonesOf(r.lon, r.lat, r.tsMs)).toEqual(['G9811']);
  });
});
