import { describe, expect, it } from 'vitest';
import { checkPlausibility, defineOverloadRules } from '../../../functions/domain/overload/index.ts';
import type { PlausibilityIssue } from '../../../functions/domain/overload/index.ts';
import type { WimRecordV1 } from '../../../functions/contracts/wim-record.v1.ts';
import { wimRecord } from './overload-support.ts';

const nowMs = Date.parse('2024-06-01T02:00:00Z');
const good = wimRecord({
  axleWeightsKg: [6_000, 9_000, 9_000],
  spacingsM: [3.5, 1.35],
  measuredAt: '2024-06-01T10:00:00+08:00',
  speedKmh: 62,
});

function codes(issues: readonly PlausibilityIssue[]): string[] {
  return issues.map((i) => i.code);
}

describe('plausibility', () => {
  it('a good record has no issues', () => {
    expect(checkPlausibility(good, nowMs)).toEqual([]);
  });

  it.each<[string, WimRecordV1, PlausibilityIssue['code'], string]>([
    ['1 axle', wimRecord({ axleWeightsKg: [6_000] }), 'axle-count', 'axle count 1 is outside 2..12'],
    ['13 axles', wimRecord({ axleWeightsKg: Array.from({ length: 13 }, () => 3_000) }), 'axle-count', 'axle count 13'],
    ['axle 150 kg', wimRecord({ axleWeightsKg: [6_000, 150, 9_000] }), 'axle-weight', 'axle 2 weighs 150 kg'],
    ['axle 41 t', wimRecord({ axleWeightsKg: [6_000, 41_000] }), 'axle-weight', 'axle 2 weighs 41000 kg'],
    ['gross 900 kg', wimRecord({ axleWeightsKg: [450, 450] }), 'gross-weight', 'gross weight 900 kg'],
    ['gross 201 t', wimRecord({ axleWeightsKg: Array.from({ length: 6 }, () => 33_500) }), 'gross-weight', '201000 kg'],
    ['sum ≠ gross', { ...good, grossWeightKg: 25_000 }, 'axle-sum', 'axle weights sum to 24000 kg but gross is 25000 kg'],
    ['speed 0', { ...good, speedKmh: 0 }, 'speed', 'speed 0 km/h is outside 1..200 km/h'],
    ['speed 201', { ...good, speedKmh: 201 }, 'speed', 'speed 201 km/h'],
    ['301 s ahead', { ...good, measuredAt: '2024-06-01T02:05:01Z' }, 'measured-in-future', '301 s ahead'],
    ['8 days old', { ...good, measuredAt: '2024-05-24T02:00:00Z' }, 'measured-too-old', '691200 s old (max 604800 s)'],
    ['spacing 0.4 m', wimRecord({ axleWeightsKg: [6_000, 9_000], spacingsM: [0.4] }), 'axle-spacing', 'spacing before axle 2 is 0.4 m'],
    ['spacing 21 m', wimRecord({ axleWeightsKg: [6_000, 9_000], spacingsM: [21] }), 'axle-spacing', '21 m, outside 0.5..20 m'],
  ])('%s → %s', (_label, record, code, messagePart) => {
    const issues = checkPlausibility(record, nowMs);
    expect(codes(issues)).toContain(code);
    const issue = issues.find((i) => i.code === code);
    expect(issue?.message).toContain(messagePart);
  });

  it('station mismatch against the topic station', () => {
    const issues = checkPlausibility(good, nowMs, undefined, { topicStationId: 'HN-OTHER' });
    expect(codes(issues)).toEqual(['station-mismatch']);
    expect(issues[0]?.message).toContain('HN-OTHER');
    expect(checkPlausibility(good, nowMs, undefined, { topicStationId: good.stationId })).toEqual([]);
  });

  it.each([
    ['exactly 300 s ahead', '2024-06-01T02:05:00Z'],
    ['exactly 7 days old', '2024-05-25T02:00:00Z'],
  ])('boundary accepted: %s', (_label, measuredAt) => {
    expect(checkPlausibility({ ...good, measuredAt }, nowMs)).toEqual([]);
  });

  it.each([
    // Light vehicle: 2 % of ~10 t is ~206 kg, so the 300 kg floor applies.
    ['sum 300 kg below gross', 10_300, true],
    ['sum 301 kg below gross', 10_301, false],
    ['sum 300 kg above gross', 9_700, true],
    ['sum 301 kg above gross', 9_699, false],
  ])('axle-sum tolerance: %s', (_label, gross, ok) => {
    const light = wimRecord({ axleWeightsKg: [5_000, 5_000] });
    expect(checkPlausibility({ ...light, grossWeightKg: gross }, nowMs).some((i) => i.code === 'axle-sum')).toBe(!ok);
  });

  it('axle-sum tolerance grows to 2 % of gross on heavy vehicles', () => {
    const heavy = wimRecord({ axleWeightsKg: [8_000, 10_000, 10_000, 10_000, 10_000, 10_000] });
    expect(checkPlausibility({ ...heavy, grossWeightKg: 58_000 + 1_160 }, nowMs)).toEqual([]);
    expect(codes(checkPlausibility({ ...heavy, grossWeightKg: 58_000 + 1_190 }, nowMs))).toEqual(['axle-sum']);
  });

  it('speed boundaries 1 and 200 km/h are accepted', () => {
    expect(checkPlausibility({ ...good, speedKmh: 1 }, nowMs)).toEqual([]);
    expect(checkPlausibility({ ...good, speedKmh: 200 }, nowMs)).toEqual([]);
  });

  it('reports every issue, one per offending axle', () => {
    const bad = wimRecord({ axleWeightsKg: [100, 100, 50_000], speedKmh: -3 });
    const found = codes(checkPlausibility(bad, nowMs));
    expect(found.filter((c) => c === 'axle-weight')).toHaveLength(3);
    expect(found).toContain('speed');
  });

  it('thresholds are configurable', () => {
    const rules = defineOverloadRules({ plausibility: { speedKmh: { value: { min: 0, max: 200 } } } });
    expect(checkPlausibility({ ...good, speedKmh: 0 }, nowMs, rules)).toEqual([]);
  });
});
