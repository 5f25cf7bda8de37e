import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { energyTypes, vehicleCategories, vehicleV1, type VehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { plateColors } from '../../../functions/contracts/wim-record.v1.ts';
import { csvField, parseVehicleFile, splitCsv, vehicleColumns, vehiclesToCsv } from '../../../functions/registry/import.ts';

const header = 'deviceId,plate,plateColor,category,energyType,operator,city,county,nightRestricted,hazmatClass,ratedGrossKg,inService';
const coach = 'hn-coach-0001,琼A·20381,yellow,coach,diesel,海汽集团,海口市,美兰区,true,,18000,true';
const taxi = 'hn-taxi-0001,琼A·D10582,green,taxi,bev,海口椰城出租汽车有限公司,海口市,,,,,';

function ok(text: string, format: 'csv' | 'json' = 'csv'): VehicleV1[] {
  const result = parseVehicleFile(text, format);
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result.vehicles;
}

function errors(text: string, format: 'csv' | 'json' = 'csv') {
  const result = parseVehicleFile(text, format);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('CSV import: accepted forms', () => {
  it('reads a plain file, empty cells absent, inService defaulting to true', () => {
    const [c, t] = ok(`${header}\n${coach}\n${taxi}\n`);
    expect(c).toEqual({
      deviceId: 'hn-coach-0001',
      plate: '琼A·20381',
      plateColor: 'yellow',
      category: 'coach',
      energyType: 'diesel',
      operator: '海汽集团',
      city: '海口市',
      county: '美兰区',
      nightRestricted: true,
      ratedGrossKg: 18000,
      inService: true,
    });
    expect(t).toEqual({
      deviceId: 'hn-taxi-0001',
      plate: '琼A·D10582',
      plateColor: 'green',
      category: 'taxi',
      energyType: 'bev',
      operator: '海口椰城出租汽车有限公司',
      city: '海口市',
      inService: true,
    });
    expect(Object.hasOwn(t as object, 'county')).toBe(false);
  });

  it.each([
    ['UTF-8 BOM + CRLF', `\uFEFF${header}\r\n${coach}\r\n${taxi}\r\n`],
    ['no final newline', `${header}\n${coach}\n${taxi}`],
    ['blank and spreadsheet-empty lines', `${header}\n\n${coach}\n,,,,,,,,,,,\n${taxi}\n\n`],
    ['header in another order and letter case', `PLATE,DeviceId,platecolor,category,energyType,operator,city,county,nightRestricted,hazmatClass,ratedGrossKg,inService\n${coach.replace('hn-coach-0001,琼A·20381', '琼A·20381,hn-coach-0001')}\n${taxi.replace('hn-taxi-0001,琼A·D10582', '琼A·D10582,hn-taxi-0001')}`],
    ['spaces around unquoted cells', `${header}\n${coach.replaceAll(',', ' , ')}\n${taxi}`],
    ['header with a trailing comma', `${header},\n${coach},\n${taxi}`],
  ])('%s', (_, text) => {
    const vehicles = ok(text);
    expect(vehicles.map((v) => v.deviceId)).toEqual(['hn-coach-0001', 'hn-taxi-0001']);
    expect(vehicles[0]?.ratedGrossKg).toBe(18000);
    expect(vehicles[0]?.nightRestricted).toBe(true);
  });

  it('reads quoted fields with commas, doubled quotes, line breaks and kept outer spaces', () => {
    const [v] = ok(`${header}\r\nhn-coach-0009,琼A·20999,yellow,coach,diesel,"海汽集团,三亚分公司","三亚市","吉阳区 ""东""
（新址）",true,,18000,true\r\n`);
    expect(v?.operator).toBe('海汽集团,三亚分公司');
    expect(v?.county).toBe('吉阳区 "东"\n（新址）');
    expect(ok(`${header}\nhn-1,琼A·1,yellow,coach,diesel," 海汽 ",海口市,,,,,`)[0]?.operator).toBe(' 海汽 ');
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['是', true],
    ['false', false],
    ['False', false],
    ['否', false],
  ])('boolean %s', (word, value) => {
    const [v] = ok(`deviceId,plate,plateColor,category,energyType,operator,city,nightRestricted,inService\nhn-1,琼A·1,yellow,coach,diesel,x,海口市,${word},${word}`);
    expect(v?.nightRestricted).toBe(value);
    expect(v?.inService).toBe(value);
  });

  it('needs only the required columns', () => {
    expect(ok('deviceId,plate,plateColor,category,energyType,operator,city\nhn-1,琼A·1,yellow,coach,diesel,x,海口市')).toEqual([
      { deviceId: 'hn-1', plate: '琼A·1', plateColor: 'yellow', category: 'coach', energyType: 'diesel', operator: 'x', city: '海口市', inService: true },
    ]);
  });
});

describe('CSV import: errors, all of them, with their rows', () => {
  it.each([
    ['empty file', '', [{ row: 0, message: /empty/ }]],
    ['only a BOM', '\uFEFF', [{ row: 0, message: /empty/ }]],
    ['header only', `${header}\r\n`, [{ row: 0, message: /no vehicles/ }]],
    ['unknown column', `${header},colour\n${coach},x`, [{ row: 1, message: /unknown column "colour"/ }]],
    ['repeated column', `${header},plate\n${coach},x`, [{ row: 1, message: /plate appears twice/ }]],
    ['missing required columns', 'deviceId,plate\nhn-1,琼A·1', [{ row: 1, message: /missing column\(s\): plateColor, category, energyType, operator, city/ }]],
    ['bad boolean', `${header}\n${coach.replace(',true,,', ',yes,,')}`, [{ row: 2, message: /nightRestricted: expected true\/false\/是\/否, found "yes"/ }]],
    ['bad number', `${header}\n${coach.replace(',18000,', ',"18,000",')}`, [{ row: 2, message: /ratedGrossKg: expected a number/ }]],
    ['negative number', `${header}\n${coach.replace(',18000,', ',-1,')}`, [{ row: 2, message: /^ratedGrossKg: / }]],
    ['not in the contract', `${header}\n${coach.replace(',yellow,', ',purple,')}`, [{ row: 2, message: /^plateColor: / }]],
    ['bad device id', `${header}\n${coach.replace('hn-coach-0001', 'hn coach/1')}`, [{ row: 2, message: /^deviceId: deviceId must be an AWS IoT thing name/ }]],
    ['too few fields', `${header}\nhn-1,琼A·1,yellow`, [{ row: 2, message: /expected 12 fields, found 3/ }]],
    ['too many fields', `${header}\n${coach},extra`, [{ row: 2, message: /expected 12 fields, found 13/ }]],
    ['unclosed quote', `${header}\n${coach}\nhn-2,"琼A·2,yellow,coach`, [{ row: 3, message: /not closed/ }]],
    ['text after a closing quote', `${header}\nhn-2,"琼A·2"x,yellow,coach,diesel,o,海口市,,,,,`, [{ row: 2, message: /after a closing quote/ }]],
  ])('%s', (_, text, expected) => {
    const found = errors(text);
    for (const { row, message } of expected) {
      expect(found.some((e) => e.row === row && message.test(e.message)), JSON.stringify(found)).toBe(true);
    }
  });

  it('reports every bad row, numbered by the line it starts on, and imports nothing', () => {
    const text = [
      header,
      coach,
      'hn-2,"琼A·2\n(新)",yellow,coach,diesel,o,海口市,,,,,', // a record over two lines (lines 3–4)
      'hn-3,琼A·3,pink,coach,diesel,o,海口市,,,,,', // line 5
      'hn-4,琼A·4,yellow,spaceship,diesel,,海口市,,maybe,,,', // line 6: three problems
      coach.replace('琼A·20381', '琼A·20382'), // line 7: duplicate device id of line 2
    ].join('\n');
    const found = errors(text);
    expect(found.filter((e) => e.row === 5).map((e) => e.message)).toEqual([expect.stringMatching(/^plateColor: /)]);
    const line6 = found.filter((e) => e.row === 6).map((e) => e.message.split(':')[0]);
    expect(line6.sort()).toEqual(['category', 'nightRestricted', 'operator']);
    expect(found).toContainEqual({ row: 7, message: 'deviceId hn-coach-0001 already on row 2' });
    expect(found.some((e) => e.row === 2 || e.row === 3 || e.row === 4)).toBe(false);
  });
});

describe('JSON import', () => {
  const a = { deviceId: 'hn-a', plate: '琼A·1', plateColor: 'yellow', category: 'coach', energyType: 'diesel', operator: 'o', city: '海口市' };
  const b = { ...a, deviceId: 'hn-b', inService: false, nightRestricted: true };

  it.each([
    ['an array', JSON.stringify([a, b])],
    ['{ vehicles }', JSON.stringify({ vehicles: [a, b] })],
    ['with a BOM', `\uFEFF${JSON.stringify([a, b])}`],
  ])('reads %s', (_, text) => {
    expect(ok(text, 'json')).toEqual([{ ...a, inService: true }, b]);
  });

  it.each([
    ['not JSON', '[{', 0, /not JSON/],
    ['an object without vehicles', '{"cars": []}', 0, /expected an array/],
    ['a number', '42', 0, /expected an array/],
    ['null', 'null', 0, /expected an array/],
  ])('rejects %s', (_, text, row, message) => {
    expect(errors(text, 'json')).toEqual([{ row, message: expect.stringMatching(message) }]);
  });

  it('numbers rows by position and reports all of them', () => {
    const found = errors(JSON.stringify([a, { ...a, deviceId: 'hn-x', plateColor: 'pink' }, 'text', { ...a }]), 'json');
    expect(found).toEqual([
      { row: 2, message: expect.stringMatching(/^plateColor: /) },
      { row: 3, message: expect.stringMatching(/^\(vehicle\): /) },
      { row: 4, message: 'deviceId hn-a already on row 1' },
    ]);
  });
});

describe('the registry fixture', () => {
  const text = readFileSync(new URL('../../../devices/fixtures/vehicles.csv', import.meta.url), 'utf8');
  const vehicles = ok(text);

  it('imports cleanly: ~40 vehicles of every category but "other"', () => {
    expect(vehicles.length).toBeGreaterThanOrEqual(35);
    expect(new Set(vehicles.map((v) => v.category))).toEqual(new Set(vehicleCategories.filter((c) => c !== 'other')));
    for (const v of vehicles) expect(v.deviceId).toMatch(/^hn-[a-z]+-\d{4}$/);
    for (const v of vehicles) expect(v.plate).toMatch(/^琼[AB]·/);
  });

  it('follows plate colour practice: new-energy small cars green, new-energy large yellow-green, other large yellow, other taxis blue', () => {
    for (const v of vehicles) {
      const newEnergy = v.energyType === 'bev' || v.energyType === 'phev' || v.energyType === 'fcev';
      const expected = v.category === 'taxi' ? (newEnergy ? 'green' : 'blue') : newEnergy ? 'yellow-green' : 'yellow';
      expect(v.plateColor, v.deviceId).toBe(expected);
    }
  });

  it('has night-restricted long-distance coaches, hazmat classes on hazmat vehicles only, and some vehicles out of service', () => {
    expect(vehicles.filter((v) => v.category === 'coach' && v.nightRestricted).length).toBeGreaterThanOrEqual(4);
    expect(vehicles.some((v) => v.category === 'coach' && v.nightRestricted === false)).toBe(true);
    for (const v of vehicles) expect(v.hazmatClass !== undefined, v.deviceId).toBe(v.category === 'hazmat');
    expect(new Set(vehicles.flatMap((v) => (v.hazmatClass ? [v.hazmatClass] : [])))).toEqual(new Set(['3', '2.1', '8']));
    expect(vehicles.some((v) => !v.inService)).toBe(true);
    const buses = vehicles.filter((v) => v.category === 'bus');
    expect(buses.filter((v) => v.energyType === 'bev').length).toBeGreaterThan(buses.length / 2);
  });
});

// ── Properties ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Characters that stress the CSV writer and reader: separators, quotes, line breaks, spaces, CJK, a BOM. */
const tricky = fc.oneof(
  fc.constantFrom(',', '"', '\n', '\r', '\r\n', ' ', '\t', '\uFEFF', '\u00A0', '·', '琼', '海', '是', '否'),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCharCode(c)),
);
const text = (minLength: number, maxLength: number) =>
  fc.array(tricky, { minLength, maxLength }).map((parts) => parts.join('')).filter((s) => s.length >= minLength && s.length <= maxLength);

const vehicleArb: fc.Arbitrary<VehicleV1> = fc
  .record(
    {
      deviceId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      plate: text(2, 16),
      plateColor: fc.constantFrom(...plateColors),
      category: fc.constantFrom(...vehicleCategories),
      energyType: fc.constantFrom(...energyTypes),
      operator: text(1, 40),
      city: text(1, 32),
      county: text(1, 32),
      nightRestricted: fc.boolean(),
      hazmatClass: text(1, 8),
      ratedGrossKg: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: Number.MIN_VALUE, max: 1e22, noNaN: true, noDefaultInfinity: true })),
      inService: fc.boolean(),
    },
    { requiredKeys: ['deviceId', 'plate', 'plateColor', 'category', 'energyType', 'operator', 'city', 'inService'] },
  )
  .map((raw) => vehicleV1.parse(raw));

const vehiclesArb = fc.uniqueArray(vehicleArb, { selector: (v) => v.deviceId, minLength: 1, maxLength: 15 });

describe('properties', () => {
  it('a CSV written from valid vehicles reads back as the same vehicles', () => {
    fc.assert(
      fc.property(vehiclesArb, fc.boolean(), (vehicles, bom) => {
        const csv = vehiclesToCsv(vehicles);
        expect(parseVehicleFile(bom ? `\uFEFF${csv}` : csv, 'csv')).toEqual({ ok: true, vehicles });
        // LF line endings read as well; only checkable when no value holds a CR itself (the replacement would edit it).
        const valuesHoldCr = vehicles.some((v) => Object.values(v).some((x) => typeof x === 'string' && x.includes('\r')));
        if (!valuesHoldCr) expect(parseVehicleFile(csv.replaceAll('\r\n', '\n'), 'csv').ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('JSON written from valid vehicles reads back as the same vehicles', () => {
    fc.assert(
      fc.property(vehiclesArb, (vehicles) => {
        expect(parseVehicleFile(JSON.stringify({ vehicles }), 'json')).toEqual({ ok: true, vehicles });
      }),
    );
  });

  it('a broken vehicle is reported on the line its record starts on, and nothing else is', () => {
    fc.assert(
      fc.property(vehiclesArb, fc.nat(), (vehicles, pick) => {
        const index = pick % vehicles.length;
        // Records built field by field (as vehiclesToCsv does): a quoted value may itself contain line breaks.
        const records = vehicles.map((v, i) => vehicleColumns.map((c) => (i === index && c === 'plateColor' ? 'purple' : csvField(v[c]))).join(','));
        const head = vehicleColumns.join(',');
        const text = [head, ...records].join('\r\n');
        const before = [head, ...records.slice(0, index)].join('\r\n');
        const expectedRow = before.split('\n').length + 1;
        const result = parseVehicleFile(text, 'csv');
        expect(result).toEqual({ ok: false, errors: [{ row: expectedRow, message: expect.stringMatching(/^plateColor: /) }] });
      }),
      { numRuns: 200 },
    );
  });

  it('garbage never throws: it parses or returns errors with row numbers', () => {
    const csvish = fc.array(fc.oneof(tricky, fc.constantFrom(header, 'deviceId', 'true', '否', '18000')), { maxLength: 200 }).map((p) => p.join(''));
    const anything = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), csvish, fc.json().map((j) => j), fc.constant(header));
    fc.assert(
      fc.property(anything, fc.constantFrom('csv' as const, 'json' as const), (input, format) => {
        const result = parseVehicleFile(input, format);
        if (result.ok) {
          for (const v of result.vehicles) expect(vehicleV1.safeParse(v).success).toBe(true);
        } else {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) {
            expect(Number.isInteger(e.row) && e.row >= 0).toBe(true);
            expect(typeof e.message).toBe('string');
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('splitCsv keeps every character of quoted fields', () => {
    fc.assert(
      fc.property(fc.array(fc.array(text(0, 12), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const csv = rows.map((cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\r\n');
        expect(splitCsv(csv).map((r) => r.cells.map((c) => c.text))).toEqual(rows);
      }),
    );
  });
});
