import { describe, expect, it } from 'vitest';
import { judgeWimRecord } from '../../../functions/domain/overload/index.ts';
import type { OverloadPermit } from '../../../functions/domain/overload/index.ts';
import { station5, wimRecord } from './overload-support.ts';

// 6-axle combination, limit 49 000 kg; 60 000 kg is 11 000 kg over: enforceable at class 5 (tolerance 3 000 kg).
const overweight = wimRecord({
  axleCount: 6,
  grossWeightKg: 60_000,
  measuredAt: '2024-06-01T10:00:00+08:00',
  vehicle: { plate: '琼A·12345', plateColor: 'yellow', kind: 'combination', singleDriveAxle: false },
});

const permit: OverloadPermit = {
  permitId: 'HN-DJ-2024-0001',
  plate: '琼a12345',
  plateColor: 'yellow',
  validFrom: '2024-06-01T00:00:00+08:00',
  validTo: '2024-06-03T23:59:59+08:00',
  allowedGrossKg: 65_000,
  stationIds: ['HN-G98-K123', 'HN-G98-K200'],
};

describe('permits (大件运输)', () => {
  it('without a permit the record owes an alert', () => {
    const j = judgeWimRecord(overweight, station5, []);
    expect(j.enforceable).toBe(true);
    expect(j.permitted).toBe(false);
    expect(j.permitId).toBeUndefined();
    expect(j.alertRequired).toBe(true);
  });

  it('a valid permit exempts the record: permitted, permitId set, no alert', () => {
    const j = judgeWimRecord(overweight, station5, [permit]);
    expect(j.permitted).toBe(true);
    expect(j.permitId).toBe('HN-DJ-2024-0001');
    expect(j.alertRequired).toBe(false);
    // The judgement itself is unchanged: the vehicle is still over the statutory limit.
    expect(j.overLimit).toBe(true);
    expect(j.enforceable).toBe(true);
  });

  it('picks the matching permit among several', () => {
    const other: OverloadPermit = { ...permit, permitId: 'OTHER', plate: '琼B99999' };
    const j = judgeWimRecord(overweight, station5, [other, permit]);
    expect(j.permitId).toBe('HN-DJ-2024-0001');
  });

  it.each<[string, Partial<OverloadPermit>]>([
    ['expired', { validTo: '2024-06-01T09:59:59+08:00' }],
    ['not yet valid', { validFrom: '2024-06-01T10:00:01+08:00' }],
    ['wrong plate', { plate: '琼A12346' }],
    ['wrong plate colour', { plateColor: 'blue' }],
    ['over the allowed gross', { allowedGrossKg: 59_999 }],
    ['other station', { stationIds: ['HN-G98-K200'] }],
    ['unparseable validity', { validFrom: 'yesterday' }],
  ])('%s → no exemption, alert stays', (_label, change) => {
    const j = judgeWimRecord(overweight, station5, [{ ...permit, ...change }]);
    expect(j.permitted).toBe(false);
    expect(j.permitId).toBeUndefined();
    expect(j.alertRequired).toBe(true);
  });

  it.each<[string, Partial<OverloadPermit>]>([
    ['validity bounds are inclusive (from)', { validFrom: '2024-06-01T10:00:00+08:00' }],
    ['validity bounds are inclusive (to)', { validTo: '2024-06-01T02:00:00Z' }],
    ['allowed gross equal to the measured gross', { allowedGrossKg: 60_000 }],
    ['no station list = any station', { stationIds: undefined }],
    ['no colour on the permit = any colour', { plateColor: undefined }],
    ['plate written differently', { plate: '琼 A-12345' }],
  ])('%s → exempt', (_label, change) => {
    const j = judgeWimRecord(overweight, station5, [{ ...permit, ...change }]);
    expect(j.permitted).toBe(true);
    expect(j.alertRequired).toBe(false);
  });

  it('a record without vehicle data matches no permit', () => {
    const anonymous = wimRecord({ axleCount: 6, grossWeightKg: 60_000 });
    const j = judgeWimRecord(anonymous, station5, [permit]);
    expect(j.permitted).toBe(false);
    expect(j.alertRequired).toBe(true);
  });

  it('a compliant record is not marked permitted: there is nothing to exempt', () => {
    const compliant = { ...overweight, grossWeightKg: 45_000 };
    const j = judgeWimRecord(compliant, station5, [permit]);
    expect(j.permitted).toBe(false);
    expect(j.alertRequired).toBe(false);
  });

  it('a permit also exempts a dimension-only excess', () => {
    const wide = { ...overweight, grossWeightKg: 45_000, dimensions: { heightM: 3.8, widthM: 3.2, lengthM: 17 } };
    expect(judgeWimRecord(wide, station5, []).alertRequired).toBe(true);
    const j = judgeWimRecord(wide, station5, [permit]);
    expect(j.permitted).toBe(true);
    expect(j.alertRequired).toBe(false);
  });
});
