import { describe, expect, it } from 'vitest';
import { defineOverloadRules, judgeWimRecord } from '../../../functions/domain/overload/index.ts';
import { station5, wimRecord } from './overload-support.ts';

function judgeAxles(weights: number[], spacingsM: number[] | undefined, air = false) {
  const record = wimRecord({
    axleWeightsKg: weights,
    ...(spacingsM ? { spacingsM } : {}),
    vehicle: { kind: 'combination', singleDriveAxle: false, driveAxleAirSuspension: air },
  });
  return judgeWimRecord(record, station5, []);
}

describe('axle and axle-group advisory findings (GB 1589 §4.2 commonly quoted values, [U])', () => {
  it('a compliant 6-axle train has no findings', () => {
    const j = judgeAxles([6_500, 9_000, 9_000, 8_000, 8_000, 8_000], [3.2, 1.35, 7.5, 1.31, 1.31]);
    expect(j.axleFindings).toEqual([]);
  });

  it('steer axle above 10 000 kg', () => {
    const j = judgeAxles([10_001, 8_000], [4.5]);
    expect(j.axleFindings).toHaveLength(1);
    expect(j.axleFindings[0]).toMatchObject({ kind: 'single-axle', axleIndexes: [0], loadKg: 10_001, limitKg: 10_000, overKg: 1, ruleId: 'axle.steer' });
    expect(j.axleFindings[0]?.source).toContain('GB 1589');
  });

  it('a single non-steer axle: 11 500 kg is compliant, 11 501 kg is not', () => {
    expect(judgeAxles([7_000, 11_500], [4.5]).axleFindings).toEqual([]);
    const j = judgeAxles([7_000, 11_501], [4.5]);
    expect(j.axleFindings[0]).toMatchObject({ kind: 'single-axle', axleIndexes: [1], limitKg: 11_500, ruleId: 'axle.single' });
  });

  it.each([
    [0.9, 11_500],
    [1.0, 16_000],
    [1.29, 16_000],
    [1.3, 18_000],
    [1.79, 18_000],
  ])('tandem at %f m: limit %i kg', (spacing, limitKg) => {
    const half = (limitKg + 2) / 2;
    const j = judgeAxles([7_000, half, half], [3.5, spacing]);
    expect(j.axleFindings).toHaveLength(1);
    expect(j.axleFindings[0]).toMatchObject({ kind: 'axle-group', axleIndexes: [1, 2], limitKg, overKg: 2, ruleId: 'axle-group.tandem' });
  });

  it('axles 1.8 m apart are separate single axles, not a tandem', () => {
    const j = judgeAxles([7_000, 10_000, 10_000], [3.5, 1.8]);
    expect(j.axleFindings).toEqual([]);
  });

  it('an unreported spacing keeps axles separate (permissive)', () => {
    const j = judgeAxles([7_000, 10_000, 10_000], undefined);
    expect(j.axleFindings).toEqual([]);
  });

  it('tandem with air suspension reported: 19 000 kg in the widest bracket', () => {
    expect(judgeAxles([7_000, 9_500, 9_500], [3.5, 1.4], true).axleFindings).toEqual([]);
    const j = judgeAxles([7_000, 9_501, 9_500], [3.5, 1.4], true);
    expect(j.axleFindings[0]).toMatchObject({ limitKg: 19_000, ruleId: 'axle-group.tandem.air-suspension' });
  });

  it.each([
    [1.3, 21_000],
    [1.35, 24_000],
    [1.4, 24_000],
  ])('tridem with widest spacing %f m: limit %i kg', (spacing, limitKg) => {
    const j = judgeAxles([7_000, 10_000, limitKg / 3, limitKg / 3, limitKg / 3 + 1], [3.5, 7.0, 1.3, spacing]);
    expect(j.axleFindings).toHaveLength(1);
    expect(j.axleFindings[0]).toMatchObject({ kind: 'axle-group', axleIndexes: [2, 3, 4], limitKg, ruleId: 'axle-group.tridem' });
  });

  it('advisory findings never raise an alert on their own', () => {
    const j = judgeAxles([12_000, 6_000], [4.5]);
    expect(j.axleFindings).toHaveLength(1);
    expect(j.overLimit).toBe(false);
    expect(j.alertRequired).toBe(false);
  });

  it('enabled=false skips the findings', () => {
    const rules = defineOverloadRules({ axleAdvisory: { enabled: false } });
    const record = wimRecord({ axleWeightsKg: [12_000, 6_000], spacingsM: [4.5] });
    expect(judgeWimRecord(record, station5, [], rules).axleFindings).toEqual([]);
  });
});
