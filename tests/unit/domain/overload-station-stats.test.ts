import { describe, expect, it } from 'vitest';
import {
  addCounters,
  countersFor,
  emptyCounters,
  judgeWimRecord,
  overLimitRates,
} from '../../../functions/domain/overload/index.ts';
import type { OverloadPermit, StationCountersValue } from '../../../functions/domain/overload/index.ts';
import { station5, wimRecord } from './overload-support.ts';

function readingCounters(grossWeightKg: number, permits: OverloadPermit[] = []): StationCountersValue {
  const record = wimRecord({
    axleCount: 6,
    grossWeightKg,
    vehicle: { kind: 'combination', singleDriveAxle: false },
  });
  return countersFor(judgeWimRecord(record, station5, permits), grossWeightKg);
}

describe('station counters', () => {
  it('emptyCounters is all zeros and a fresh object each time', () => {
    const a = emptyCounters();
    expect(Object.values(a).every((v) => v === 0)).toBe(true);
    a.overLimit = 5;
    expect(emptyCounters().overLimit).toBe(0);
  });

  it.each<[number, Partial<StationCountersValue>]>([
    [49_000, {}],
    [53_900, { overLimit: 1, band0to10: 1, enforceable: 1 }],
    [51_000, { overLimit: 1, band0to10: 1 }],
    [58_800, { overLimit: 1, band10to20: 1, enforceable: 1 }],
    [73_500, { overLimit: 1, band20to50: 1, enforceable: 1 }],
    [80_000, { overLimit: 1, band50to100: 1, enforceable: 1, over80t: 1 }],
    [90_000, { overLimit: 1, band50to100: 1, enforceable: 1, over80t: 1, over90t: 1 }],
    [99_999, { overLimit: 1, band100plus: 1, enforceable: 1, over80t: 1, over90t: 1 }],
    [100_000, { overLimit: 1, band100plus: 1, enforceable: 1, over80t: 1, over90t: 1, hundredTonne: 1 }],
  ])('a 6-axle reading at %i kg contributes %o', (gross, expected) => {
    expect(readingCounters(gross)).toEqual({ ...emptyCounters(), trucksWeighed: 1, ...expected });
  });

  it('a permitted reading counts as weighed and permitted, in no over-limit counter', () => {
    const permit: OverloadPermit = {
      permitId: 'P1',
      plate: '琼A12345',
      validFrom: '2024-01-01T00:00:00+08:00',
      validTo: '2024-12-31T23:59:59+08:00',
      allowedGrossKg: 120_000,
    };
    expect(readingCounters(100_000, [permit])).toEqual({ ...emptyCounters(), trucksWeighed: 1, permitted: 1 });
  });

  it('addCounters adds field by field', () => {
    const a = { ...emptyCounters(), trucksWeighed: 3, overLimit: 2, band0to10: 1, over90t: 4 };
    const b = { ...emptyCounters(), trucksWeighed: 5, overLimit: 1, band10to20: 1, permitted: 2 };
    expect(addCounters(a, b)).toEqual({
      ...emptyCounters(),
      trucksWeighed: 8,
      overLimit: 3,
      band0to10: 1,
      band10to20: 1,
      permitted: 2,
      over90t: 4,
    });
  });
});

describe('超限率 (domain-rules §A6)', () => {
  it('no trucks → all rates 0', () => {
    expect(overLimitRates(emptyCounters())).toEqual({
      overLimitRate: 0,
      overLimitRateExcluding10: 0,
      overLimitRateExcluding20: 0,
    });
  });

  it('rates over 200 trucks with 20 over the limit, 8 of them ≤10 % and 5 in 10–20 %', () => {
    const c = { ...emptyCounters(), trucksWeighed: 200, overLimit: 20, band0to10: 8, band10to20: 5, band20to50: 7 };
    expect(overLimitRates(c)).toEqual({
      overLimitRate: 0.1,
      overLimitRateExcluding10: 0.06,
      overLimitRateExcluding20: 0.035,
    });
  });

  it('rates from judged readings', () => {
    let c = emptyCounters();
    for (const gross of [40_000, 45_000, 49_000, 50_000, 56_000, 60_000, 75_000, 100_000]) {
      c = addCounters(c, readingCounters(gross));
    }
    // Over: 50 000 (0-10), 56 000 (10-20), 60 000 (20-50), 75 000 (50-100), 100 000 (100+).
    expect(c.overLimit).toBe(5);
    const r = overLimitRates(c);
    expect(r.overLimitRate).toBe(5 / 8);
    expect(r.overLimitRateExcluding10).toBe(4 / 8);
    expect(r.overLimitRateExcluding20).toBe(3 / 8);
  });
});
