import { describe, expect, it } from 'vitest';
import { defaultOverloadRules, defineOverloadRules, grossLimitFor } from '../../../functions/domain/overload/index.ts';
import { wimRecord } from './overload-support.ts';

interface Provenance {
  path: string;
  source: unknown;
  confidence: unknown;
}

/** Every object in the configuration that carries a value or a limit, with its provenance. */
function sourcedEntries(node: unknown, path = 'rules'): Provenance[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [];
  const obj = node as Record<string, unknown>;
  const out: Provenance[] = [];
  if ('value' in obj || 'limitKg' in obj) out.push({ path, source: obj.source, confidence: obj.confidence });
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'value') out.push(...sourcedEntries(v, `${path}.${k}`));
  }
  return out;
}

describe('defaultOverloadRules', () => {
  it('every threshold carries a non-empty source and a confidence tag', () => {
    const entries = sourcedEntries(defaultOverloadRules);
    expect(entries.length).toBeGreaterThanOrEqual(40);
    for (const e of entries) {
      expect(typeof e.source === 'string' && e.source.length > 0, `${e.path} source`).toBe(true);
      expect(['P', 'S', 'D', 'U'], `${e.path} confidence`).toContain(e.confidence);
    }
  });

  it('statutory gross limits are tagged P and cite decree 62 Art. 3', () => {
    const g = defaultOverloadRules.gross;
    for (const rule of [g.twoAxle, g.threeAxleTruck, g.fourAxleCombination, g.fiveAxle, g.sixOrMoreAxle]) {
      expect(rule.confidence).toBe('P');
      expect(rule.source).toContain('第三条');
    }
  });

  it('is deep-frozen', () => {
    expect(Object.isFrozen(defaultOverloadRules)).toBe(true);
    expect(Object.isFrozen(defaultOverloadRules.gross.sixOrMoreAxle)).toBe(true);
    expect(Object.isFrozen(defaultOverloadRules.bands.value)).toBe(true);
    expect(() => {
      (defaultOverloadRules.gross.sixOrMoreAxle as { limitKg: number }).limitKg = 1;
    }).toThrow(TypeError);
  });

  it('defineOverloadRules overrides one value and keeps the rest', () => {
    const rules = defineOverloadRules({
      gross: { sixOrMoreAxle: { limitKg: 48_000, source: 'test override' } },
    });
    expect(rules.gross.sixOrMoreAxle.limitKg).toBe(48_000);
    expect(rules.gross.sixOrMoreAxle.ruleId).toBe('gross.6-plus-axle');
    expect(rules.gross.fiveAxle.limitKg).toBe(43_000);
    expect(defaultOverloadRules.gross.sixOrMoreAxle.limitKg).toBe(49_000);
    expect(Object.isFrozen(rules)).toBe(true);
    const basis = grossLimitFor(wimRecord({ axleCount: 6, vehicle: { kind: 'combination', singleDriveAxle: false } }), rules);
    expect(basis.limitKg).toBe(48_000);
    expect(basis.basis.source).toBe('test override');
  });
});
