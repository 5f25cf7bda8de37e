import { describe, expect, it } from 'vitest';
import { defineOverloadRules, judgeWimRecord } from '../../../functions/domain/overload/index.ts';
import type { OverloadRules } from '../../../functions/domain/overload/index.ts';
import { cell, readCsv, station5, wimRecord } from './overload-support.ts';

const compliant = { heightM: 3.9, widthM: 2.5, lengthM: 17 };
type Dim = 'height' | 'width' | 'length';

function rulesWithTolerance(dimension: Dim, toleranceM: number): OverloadRules {
  return defineOverloadRules({
    dimensions: { toleranceM: { value: { height: 0, width: 0, length: 0, [dimension]: toleranceM } } },
  });
}

function recordWith(dimension: Dim, measuredM: number, grossWeightKg = 15_000) {
  return wimRecord({
    axleCount: 2,
    grossWeightKg,
    vehicle: { kind: 'truck' },
    dimensions: { ...compliant, [`${dimension}M`]: measuredM },
  });
}

describe('dimension limits per 令62号 第三条第（一）–（三）项 and 第四十三条 fine bands (fixture table)', () => {
  for (const row of readCsv('decree-62-art3-dimensions.csv')) {
    const dimension = cell(row, 'dimension') as Dim;
    const measuredM = Number(cell(row, 'measuredM'));
    const toleranceM = Number(cell(row, 'toleranceM'));
    const violation = cell(row, 'violation') === 'true';
    it(`${dimension} ${measuredM} m (tolerance ${toleranceM} m) → ${violation ? `violation ${cell(row, 'fineMinYuan')}–${cell(row, 'fineMaxYuan')} yuan` : 'compliant'} (${cell(row, 'source')})`, () => {
      const j = judgeWimRecord(recordWith(dimension, measuredM), station5, [], rulesWithTolerance(dimension, toleranceM));
      if (!violation) {
        expect(j.dimensionViolations).toEqual([]);
        expect(j.alertRequired).toBe(false);
        return;
      }
      expect(j.dimensionViolations).toHaveLength(1);
      const v = j.dimensionViolations[0];
      expect(v?.dimension).toBe(dimension);
      expect(v?.measuredM).toBe(measuredM);
      expect(v?.fineRangeYuan).toEqual([Number(cell(row, 'fineMinYuan')), Number(cell(row, 'fineMaxYuan'))]);
      expect(v?.source).toContain('第三条');
      expect(j.overLimit).toBe(false);
      expect(j.alertRequired).toBe(true);
      expect(j.fine.dimensionFineRangeYuan).toEqual(v?.fineRangeYuan);
    });
  }
});

describe('dimension judgement details', () => {
  it('reports the excess in metres rounded to millimetres', () => {
    const j = judgeWimRecord(recordWith('height', 4.3), station5, []);
    expect(j.dimensionViolations[0]?.overM).toBe(0.3);
    expect(j.dimensionViolations[0]?.limitM).toBe(4);
  });

  it('reports every exceeded dimension; the worst Art. 43 band sets the vehicle’s range', () => {
    const record = wimRecord({
      axleCount: 2,
      vehicle: { kind: 'truck' },
      dimensions: { heightM: 4.1, widthM: 3.2, lengthM: 18.0 },
    });
    const j = judgeWimRecord(record, station5, []);
    expect(j.dimensionViolations.map((v) => v.dimension)).toEqual(['height', 'width']);
    expect(j.fine.dimensionFineRangeYuan).toEqual([200, 1000]);
    expect(j.fine.totalEstimateYuan).toBe(1000);
  });

  it('no dimensions in the record → no dimension violations', () => {
    const j = judgeWimRecord(wimRecord({ axleCount: 2 }), station5, []);
    expect(j.dimensionViolations).toEqual([]);
  });

  it('alertOnDimensionViolation=false: a dimension excess alone raises no alert but is still reported', () => {
    const rules = defineOverloadRules({ alertOnDimensionViolation: { value: false } });
    const j = judgeWimRecord(recordWith('width', 2.7), station5, [], rules);
    expect(j.dimensionViolations).toHaveLength(1);
    expect(j.alertRequired).toBe(false);
  });

  it('alertOnDimensionViolation=false does not suppress an enforceable weight alert', () => {
    const rules = defineOverloadRules({ alertOnDimensionViolation: { value: false } });
    const j = judgeWimRecord(recordWith('width', 2.7, 25_000), station5, [], rules);
    expect(j.enforceable).toBe(true);
    expect(j.alertRequired).toBe(true);
  });
});
