import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grossLimitFor, judgeWimRecord } from '../../../functions/domain/overload/index.ts';
import type { WimVehicleV1 } from '../../../functions/contracts/wim-record.v1.ts';
import { cell, optionalBool, optionalNumber, readCsv, station5, wimRecord } from './overload-support.ts';
import type { CsvRow } from './overload-support.ts';

function recordFromRow(row: CsvRow, grossWeightKg: number) {
  const kind = cell(row, 'kind');
  const spacings = cell(row, 'spacingsM');
  const vehicle: Partial<WimVehicleV1> | null =
    kind === 'unknown'
      ? null
      : {
          kind: kind as WimVehicleV1['kind'],
          singleDriveAxle: optionalBool(cell(row, 'singleDriveAxle')),
          centreAxleTrailer: optionalBool(cell(row, 'centreAxleTrailer')),
          driveAxleAirSuspension: optionalBool(cell(row, 'driveAxleAirSuspension')),
          singleTyreNonDriveAxles: optionalNumber(cell(row, 'singleTyreNonDriveAxles')),
        };
  return wimRecord({
    axleCount: Number(cell(row, 'axles')),
    grossWeightKg,
    vehicle,
    ...(spacings === '' ? {} : { spacingsM: spacings.split(/\s+/).map(Number) }),
  });
}

const rows = readCsv('decree-62-art3-gross-limits.csv');

describe('gross limits per 令62号 第三条 and the 2016 认定标准 (fixture table)', () => {
  it('covers the table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  for (const row of rows) {
    const expectedKg = Number(cell(row, 'expectedLimitKg'));
    const label =
      `${cell(row, 'axles')} axles ${cell(row, 'kind')} ` +
      `[sda=${cell(row, 'singleDriveAxle')} cat=${cell(row, 'centreAxleTrailer')} air=${cell(row, 'driveAxleAirSuspension')} ` +
      `st=${cell(row, 'singleTyreNonDriveAxles')} d=${cell(row, 'spacingsM')}] → ${expectedKg} kg (${cell(row, 'source')})`;
    it(label, () => {
      const { limitKg, basis } = grossLimitFor(recordFromRow(row, expectedKg));
      expect(limitKg).toBe(expectedKg);
      expect(basis.ruleId).toBe(cell(row, 'expectedRuleId'));
      expect(basis.source).not.toBe('');

      const atLimit = judgeWimRecord(recordFromRow(row, expectedKg), station5, []);
      expect(atLimit.overLimit).toBe(false);
      expect(atLimit.overLimitKg).toBe(0);
      expect(atLimit.band).toBe('none');

      const oneOver = judgeWimRecord(recordFromRow(row, expectedKg + 1), station5, []);
      expect(oneOver.overLimit).toBe(true);
      expect(oneOver.overLimitKg).toBe(1);
      expect(oneOver.band).toBe('0-10');
    });
  }
});

describe('unknown vehicle facts take the permissive limit and say so', () => {
  it('3 axles without vehicle data: 27 t with a kind-unknown assumption', () => {
    const { limitKg, basis } = grossLimitFor(wimRecord({ axleCount: 3, vehicle: null }));
    expect(limitKg).toBe(27_000);
    expect(basis.assumptions.join(' | ')).toContain('vehicle kind unknown');
    expect(basis.assumptions.join(' | ')).toContain('25 000 kg');
  });

  it('4 axles without vehicle data: 36 t, kind and centre-axle both unknown', () => {
    const { limitKg, basis } = grossLimitFor(wimRecord({ axleCount: 4, vehicle: null }));
    expect(limitKg).toBe(36_000);
    const text = basis.assumptions.join(' | ');
    expect(text).toContain('vehicle kind unknown');
    expect(text).toContain('centre-axle trailer unknown');
  });

  it('4-axle combination, centre-axle unknown: 36 t not 35 t', () => {
    const { limitKg, basis } = grossLimitFor(wimRecord({ axleCount: 4, vehicle: { kind: 'combination' } }));
    expect(limitKg).toBe(36_000);
    expect(basis.assumptions.join(' | ')).toContain('not 35 000 kg');
  });

  it('6-axle combination, single drive axle unknown: 49 t not 46 t', () => {
    const { limitKg, basis } = grossLimitFor(wimRecord({ axleCount: 6, vehicle: { kind: 'combination' } }));
    expect(limitKg).toBe(49_000);
    expect(basis.assumptions.join(' | ')).toContain('drive-axle count unknown');
  });

  it('6 axles without vehicle data: 49 t', () => {
    const { limitKg, basis } = grossLimitFor(wimRecord({ axleCount: 6, vehicle: null }));
    expect(limitKg).toBe(49_000);
    expect(basis.assumptions.length).toBeGreaterThan(0);
  });

  it('known facts carry no assumption', () => {
    const { basis } = grossLimitFor(wimRecord({ axleCount: 6, vehicle: { kind: 'combination', singleDriveAxle: false } }));
    expect(basis.assumptions).toEqual([]);
  });

  it('air suspension reported without spacing: 37 t not applied, and the reason is stated', () => {
    const { limitKg, basis } = grossLimitFor(
      wimRecord({ axleCount: 4, vehicle: { kind: 'combination', centreAxleTrailer: false, driveAxleAirSuspension: true } }),
    );
    expect(limitKg).toBe(36_000);
    expect(basis.assumptions.join(' | ')).toContain('not established');
  });

  it('single-tyre reduction is stated with the arithmetic', () => {
    const { limitKg, basis } = grossLimitFor(
      wimRecord({ axleCount: 6, vehicle: { kind: 'combination', singleDriveAxle: false, singleTyreNonDriveAxles: 1 } }),
    );
    expect(limitKg).toBe(46_000);
    expect(basis.assumptions.join(' | ')).toContain('49 000 kg − 1 × 3 000 kg = 46 000 kg');
    expect(basis.source).toContain('第三条第二款');
  });

  it('more single-tyre axles than non-drive axles are capped in the driver’s favour', () => {
    const { limitKg, basis } = grossLimitFor(
      wimRecord({ axleCount: 2, vehicle: { kind: 'truck', singleTyreNonDriveAxles: 5 } }),
    );
    expect(limitKg).toBe(15_000);
    expect(basis.assumptions.join(' | ')).toContain('capped at 1');
  });

  it('the limit basis names the decree article', () => {
    const { basis } = grossLimitFor(wimRecord({ axleCount: 6, vehicle: { kind: 'combination', singleDriveAxle: true } }));
    expect(basis.source).toBe('交通运输部令2016年第62号《超限运输车辆行驶公路管理规定》 第三条第（八）项');
    expect(basis.description).toContain('46 000 kg');
  });
});

describe('properties', () => {
  const vehicleArb = fc.option(
    fc.record({
      kind: fc.constantFrom('truck' as const, 'combination' as const),
      singleDriveAxle: fc.option(fc.boolean(), { nil: undefined }),
      centreAxleTrailer: fc.option(fc.boolean(), { nil: undefined }),
      driveAxleAirSuspension: fc.option(fc.boolean(), { nil: undefined }),
      singleTyreNonDriveAxles: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    }),
    { nil: null },
  );

  it('never over the limit when gross ≤ limit; always over when gross > limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        vehicleArb,
        fc.array(fc.double({ min: 0.6, max: 8, noNaN: true }), { minLength: 11, maxLength: 11 }),
        fc.integer({ min: -20_000, max: 60_000 }),
        (axleCount, vehicle, spacings, deltaKg) => {
          const probe = wimRecord({ axleCount, vehicle, spacingsM: spacings.slice(0, axleCount - 1) });
          const { limitKg } = grossLimitFor(probe);
          const gross = Math.max(1_000, limitKg + deltaKg);
          const j = judgeWimRecord(
            wimRecord({ axleCount, vehicle, spacingsM: spacings.slice(0, axleCount - 1), grossWeightKg: gross }),
            station5,
            [],
          );
          expect(j.limitKg).toBe(limitKg);
          expect(j.overLimit).toBe(gross > limitKg);
          expect(j.overLimitKg).toBe(gross > limitKg ? gross - limitKg : 0);
          if (!j.overLimit) {
            expect(j.enforceable).toBe(false);
            expect(j.band).toBe('none');
            expect(j.fine.totalEstimateYuan).toBe(0);
          }
        },
      ),
    );
  });

  it('an unknown fact never yields a lower limit than any known value of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), (axleCount) => {
        const unknown = grossLimitFor(wimRecord({ axleCount, vehicle: null })).limitKg;
        for (const kind of ['truck', 'combination'] as const) {
          for (const flag of [true, false]) {
            const known = grossLimitFor(
              wimRecord({ axleCount, vehicle: { kind, singleDriveAxle: flag, centreAxleTrailer: flag } }),
            ).limitKg;
            expect(unknown).toBeGreaterThanOrEqual(known);
          }
        }
      }),
    );
  });
});

describe('limit basis wording', () => {
  it('names the air-suspension correction in the description', () => {
    const { basis } = grossLimitFor(wimRecord({ axleCount: 4, vehicle: { kind: 'truck', driveAxleAirSuspension: true } }));
    expect(basis.description).toBe('4-axle goods vehicle (truck) with dual-tyre air-suspended drive axle (+1 000 kg): 32 000 kg');
    expect(basis.source).toContain('认定标准');
  });

  it('different over-reported single-tyre counts keep their own wording', () => {
    const five = grossLimitFor(wimRecord({ axleCount: 2, vehicle: { kind: 'truck', singleTyreNonDriveAxles: 5 } }));
    const six = grossLimitFor(wimRecord({ axleCount: 2, vehicle: { kind: 'truck', singleTyreNonDriveAxles: 6 } }));
    expect(five.basis.assumptions[0]).toContain('5 single-tyre');
    expect(six.basis.assumptions[0]).toContain('6 single-tyre');
  });
});
