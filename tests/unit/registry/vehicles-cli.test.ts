import { describe, expect, it } from 'vitest';
import { runVehiclesCli } from '../../../devices/tools/vehicles.ts';
import { MemoryVehicleRegistry } from './memory-registry.ts';

const header = 'deviceId,plate,plateColor,category,energyType,operator,city';
const files: Record<string, string> = {
  'good.csv': `${header}\nhn-coach-0001,琼A·20381,yellow,coach,diesel,海汽集团,海口市\nhn-bus-0001,琼A·01052D,yellow-green,bus,bev,海口公交集团,海口市\n`,
  'bad.csv': `${header}\nhn-1,琼A·1,pink,coach,diesel,o,海口市\nhn-1,琼A·2,yellow,coach,diesel,o,海口市\n`,
  'bad.json': '{"cars": []}',
};

function cli() {
  const registry = new MemoryVehicleRegistry();
  const out: string[] = [];
  const err: string[] = [];
  const run = (...argv: string[]) =>
    runVehiclesCli(argv, {
      registry: () => registry,
      readFile: async (path) => {
        const text = files[path];
        if (text === undefined) throw new Error(`ENOENT: ${path}`);
        return text;
      },
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
  return { registry, out, err, run };
}

describe('npm run vehicles', () => {
  it('imports a valid file, then gets and lists', async () => {
    const { registry, out, run } = cli();
    expect(await run('import', 'good.csv')).toBe(0);
    expect(out).toEqual(['imported 2 vehicle(s)']);
    expect(registry.items.size).toBe(2);
    expect(await run('get', 'hn-bus-0001')).toBe(0);
    expect(JSON.parse(out[1] as string)).toMatchObject({ deviceId: 'hn-bus-0001', plate: '琼A·01052D' });
    out.length = 0;
    expect(await run('list', '--operator', '海汽集团')).toBe(0);
    expect(out).toEqual(['hn-coach-0001\t琼A·20381\tyellow\tcoach\tdiesel\t海汽集团\t海口市']);
    out.length = 0;
    expect(await run('list', '--csv')).toBe(0);
    expect(out[0]?.split('\r\n')).toHaveLength(3);
  });

  it('prints every row error as file:row: message, exits 1 and writes nothing', async () => {
    const { registry, err, run } = cli();
    expect(await run('import', 'bad.csv')).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(/^bad\.csv:2: plateColor: /),
      'bad.csv:3: deviceId hn-1 already on row 2',
      '2 error(s); nothing imported',
    ]);
    expect(registry.items.size).toBe(0);
    err.length = 0;
    expect(await run('import', 'bad.json')).toBe(1);
    expect(err[0]).toMatch(/^bad\.json: expected an array/);
  });

  it('--dry-run validates only; get of an unknown vehicle exits 1; usage errors exit 2', async () => {
    const { registry, run } = cli();
    expect(await run('import', 'good.csv', '--dry-run')).toBe(0);
    expect(registry.items.size).toBe(0);
    expect(await run('get', 'hn-nobody')).toBe(1);
    expect(await run('import', 'vehicles.txt')).toBe(2);
    expect(await run('frobnicate')).toBe(2);
    expect(await run('list', '--colour', 'x')).toBe(2);
    expect(await run('list', '--operator', 'a', '--plate', 'b')).toBe(2);
  });
});
