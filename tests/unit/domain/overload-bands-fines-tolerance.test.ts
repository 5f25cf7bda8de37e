import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bandOf,
  defaultStationProfile,
  defineOverloadRules,
  estimateFine,
  judgeWimRecord,
  toleranceFor,
} from '../../../functions/domain/overload/index.ts';
import type { AccuracyClass, DimensionViolation, TonneRounding } from '../../../functions/domain/overload/index.ts';
import { cell, readCsv, station5, stationOf, wimRecord } from './overload-support.ts';

describe('over-limit bands (fixture table)', () => {
  for (const row of readCsv('over-limit-bands.csv')) {
    const ratio = Number(cell(row, 'ratio'));
    it(`ratio ${ratio} → ${cell(row, 'band')}`, () => {
      expect(bandOf(ratio)).toBe(cell(row, 'band'));
    });
  }

  it.each([
    // 6-axle combination, limit 49 000 kg: the band edges in kilograms.
    [49_000 + 4_900, '0-10', 0.1],
    [49_000 + 4_901, '10-20', 0.1],
    [49_000 + 9_800, '10-20', 0.2],
    [49_000 + 24_500, '20-50', 0.5],
    [49_000 + 48_999, '50-100', 1],
    [49_000 + 49_000, '100+', 1],
  ] as const)('judgement at gross %i kg → band %s, ratio %f', (gross, band, ratio) => {
    const j = judgeWimRecord(
      wimRecord({ axleCount: 6, grossWeightKg: gross, vehicle: { kind: 'combination', singleDriveAxle: false } }),
      station5,
      [],
    );
    expect(j.band).toBe(band);
    expect(j.overLimitRatio).toBe(ratio);
  });

  it('the ratio is rounded to 4 decimals', () => {
    const j = judgeWimRecord(wimRecord({ axleCount: 2, grossWeightKg: 20_203 }), station5, []);
    expect(j.overLimitRatio).toBe(0.1224);
  });

  it('band boundaries are configurable', () => {
    const rules = defineOverloadRules({
      bands: {
        value: [
          { band: '0-10', upToRatio: 0.1, inclusive: false },
          { band: '10-20', upToRatio: 0.2, inclusive: true },
          { band: '20-50', upToRatio: 0.5, inclusive: true },
          { band: '50-100', upToRatio: 1, inclusive: false },
        ],
      },
    });
    expect(bandOf(0.1, rules)).toBe('10-20');
    expect(bandOf(0.1)).toBe('0-10');
  });
});

function dimensionWithMax(maxYuan: number): DimensionViolation[] {
  if (maxYuan === 0) return [];
  const low = maxYuan <= 200 ? 0 : maxYuan <= 1000 ? 200 : 1000;
  return [{ dimension: 'height', measuredM: 4.3, limitM: 4, overM: 0.3, source: 'test', fineRangeYuan: [low, maxYuan] }];
}

describe('Art. 43 weight fine (fixture table)', () => {
  for (const row of readCsv('art43-weight-fines.csv')) {
    const overKg = Number(cell(row, 'overLimitKg'));
    const rounding = cell(row, 'tonneRounding') as TonneRounding;
    const countFirst = cell(row, 'countFirstTonne') === 'true';
    const dimMax = Number(cell(row, 'dimensionMaxYuan'));
    it(`${overKg} kg over, ${rounding}, countFirstTonne=${countFirst}, dimension ≤ ${dimMax} → ${cell(row, 'weightFineYuan')} / total ${cell(row, 'totalEstimateYuan')} yuan`, () => {
      const rules = defineOverloadRules({
        fine: { tonneRounding: { value: rounding }, countFirstTonne: { value: countFirst } },
      });
      const fine = estimateFine(overKg, dimensionWithMax(dimMax), rules);
      expect(fine.warningOnly).toBe(cell(row, 'warningOnly') === 'true');
      expect(fine.weightFineYuan).toBe(Number(cell(row, 'weightFineYuan')));
      expect(fine.totalEstimateYuan).toBe(Number(cell(row, 'totalEstimateYuan')));
      expect(fine.basis).toContain('第四十三条');
    });
  }

  it('defaults: ceil and count every tonne (1 500 kg over → 1 000 yuan)', () => {
    expect(estimateFine(1_500, []).weightFineYuan).toBe(1_000);
  });

  it('the basis states the cap when it applies', () => {
    expect(estimateFine(70_000, []).basis).toContain('capped at 30000 yuan');
  });

  it('the total never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500_000 }), fc.constantFrom(0, 200, 1000, 3000), (over, dim) => {
        const fine = estimateFine(over, dimensionWithMax(dim));
        expect(fine.totalEstimateYuan).toBeLessThanOrEqual(30_000);
        expect(fine.totalEstimateYuan).toBeGreaterThanOrEqual(fine.weightFineYuan);
      }),
    );
  });
});

describe('measurement tolerance per JJG 907 class (fixture table)', () => {
  for (const row of readCsv('jjg907-tolerance.csv')) {
    const registered = cell(row, 'registered') === 'true';
    const gross = Number(cell(row, 'grossWeightKg'));
    const label = registered ? cell(row, 'accuracyClass') : 'unknown station';
    it(`${label}, ${gross} kg → ${cell(row, 'toleranceKg')} kg`, () => {
      const station = registered
        ? stationOf(cell(row, 'accuracyClass') as AccuracyClass)
        : defaultStationProfile('HN-UNKNOWN');
      const t = toleranceFor(gross, station);
      expect(t.toleranceKg).toBe(Number(cell(row, 'toleranceKg')));
      expect(t.ratio).toBe(Number(cell(row, 'ratio')));
      expect(t.source).toContain('JJG 907');
    });
  }

  it('an unknown station gets class-5 and is marked unregistered', () => {
    const p = defaultStationProfile('HN-NEW');
    expect(p).toEqual({ stationId: 'HN-NEW', accuracyClass: 'class-5', registered: false });
  });

  it('an accuracy class missing from the configuration falls back to the default class', () => {
    const bogus = { ...station5, accuracyClass: 'class-7' as AccuracyClass };
    const t = toleranceFor(40_000, bogus);
    expect(t.accuracyClass).toBe('class-5');
    expect(t.toleranceKg).toBe(2_000);
  });
});

describe('enforceable: over the limit by strictly more than the tolerance', () => {
  it.each([
    // class-10, 2-axle 18 000 kg: at 20 000 kg the excess (2 000) equals 10 % of gross (2 000).
    ['class-10', 2, 20_000, 2_000, 2_000, false],
    ['class-10', 2, 20_001, 2_001, 2_000.1, true],
    // class-2, 6-axle 49 000 kg: at 50 000 kg the excess (1 000) equals 2 % of gross (1 000).
    ['class-2', 6, 50_000, 1_000, 1_000, false],
    ['class-2', 6, 50_001, 1_001, 1_000.02, true],
    // class-5, 5-axle 43 000 kg: 45 000 → 2 000 over, tolerance 2 250 → not enforceable.
    ['class-5', 5, 45_000, 2_000, 2_250, false],
    ['class-5', 5, 46_000, 3_000, 2_300, true],
  ] as const)('%s, %i axles, %i kg → over %i, tolerance %f, enforceable %s', (cls, axles, gross, over, tol, enforceable) => {
    const j = judgeWimRecord(
      wimRecord({ axleCount: axles, grossWeightKg: gross, vehicle: { kind: 'combination', singleDriveAxle: false } }),
      stationOf(cls),
      [],
    );
    expect(j.overLimit).toBe(true);
    expect(j.overLimitKg).toBe(over);
    expect(j.tolerance.toleranceKg).toBeCloseTo(tol, 6);
    expect(j.tolerance.accuracyClass).toBe(cls);
    expect(j.enforceable).toBe(enforceable);
    expect(j.alertRequired).toBe(enforceable);
  });

  it('over the limit within tolerance still reports the excess, band and fine estimate', () => {
    const j = judgeWimRecord(wimRecord({ axleCount: 2, grossWeightKg: 18_500 }), station5, []);
    expect(j.overLimit).toBe(true);
    expect(j.enforceable).toBe(false);
    expect(j.band).toBe('0-10');
    expect(j.fine.warningOnly).toBe(true);
  });
});

describe('百吨王', () => {
  it.each([
    [99_999, false],
    [100_000, true],
    [100_001, true],
  ])('gross %i kg → hundredTonne %s', (gross, expected) => {
    const j = judgeWimRecord(wimRecord({ axleCount: 6, grossWeightKg: gross }), station5, []);
    expect(j.hundredTonne).toBe(expected);
  });
});
