/**
 * The vehicle registry from the command line (local stack by default, AWS with QIONGJIAN_TARGET=aws; see cli-env.ts).
 *   npm run vehicles -- import <file.csv|file.json> [--dry-run]
 *   npm run vehicles -- get <deviceId>
 *   npm run vehicles -- list [--operator <name> | --plate <plate>] [--csv]
 * An import is validated as a whole first: if any row is wrong, every error is printed as `file:row: message`,
 * nothing is written and the exit code is 1. Formats in docs/registry.md.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { documentClientFromEnv } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStore } from '../../functions/adapters/dynamodb/vehicle-store.ts';
import { formatOfFileName, parseVehicleFile, vehiclesToCsv } from '../../functions/registry/import.ts';
import type { StoredVehicle, VehicleRegistry } from '../../functions/registry/ports.ts';
import { tableFromEnv, toolEnv } from './cli-env.ts';

export interface VehiclesCliIo {
  readonly registry: () => VehicleRegistry;
  readonly readFile: (path: string) => Promise<string>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const usage = [
  'usage: npm run vehicles -- import <file.csv|file.json> [--dry-run]',
  '       npm run vehicles -- get <deviceId>',
  '       npm run vehicles -- list [--operator <name> | --plate <plate>] [--csv]',
].join('\n');

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runVehiclesCli(argv: readonly string[], io: VehiclesCliIo): Promise<number> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, argument, ...rest] = positionals;
  if (rest.length > 0) {
    io.err(usage);
    return 2;
  }

  if (command === 'import' && argument) {
    const format = formatOfFileName(argument);
    if (!format) {
      io.err(`${argument}: the file name must end in .csv or .json`);
      return 2;
    }
    const result = parseVehicleFile(await io.readFile(argument), format);
    if (!result.ok) {
      for (const { row, message } of result.errors) io.err(row > 0 ? `${argument}:${row}: ${message}` : `${argument}: ${message}`);
      io.err(`${result.errors.length} error(s); nothing imported`);
      return 1;
    }
    if (values['dry-run']) {
      io.out(`${result.vehicles.length} vehicle(s) valid; nothing written (--dry-run)`);
      return 0;
    }
    await io.registry().putMany(result.vehicles);
    io.out(`imported ${result.vehicles.length} vehicle(s)`);
    return 0;
  }

  if (command === 'get' && argument) {
    const vehicle = await io.registry().get(argument);
    if (!vehicle) {
      io.err(`no vehicle ${argument}`);
      return 1;
    }
    io.out(JSON.stringify(vehicle, null, 2));
    return 0;
  }

  if (command === 'list' && !argument) {
    if (values.operator !== undefined && values.plate !== undefined) {
      io.err(`give --operator or --plate, not both\n${usage}`);
      return 2;
    }
    const registry = io.registry();
    const vehicles: StoredVehicle[] = [];
    if (values.plate !== undefined) {
      vehicles.push(...(await registry.findByPlate(values.plate)));
    } else {
      let cursor: string | undefined;
      do {
        const page =
          values.operator !== undefined
            ? await registry.listByOperator(values.operator, { limit: 500, ...(cursor ? { cursor } : {}) })
            : await registry.list({ limit: 500, ...(cursor ? { cursor } : {}) });
        vehicles.push(...page.vehicles);
        cursor = page.cursor;
      } while (cursor);
      vehicles.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
    }
    if (values.csv) {
      // The import format: `list --csv > registry.csv` round-trips through `import`.
      io.out(vehiclesToCsv(vehicles.map(({ createdAt: _c, updatedAt: _u, ...vehicle }) => vehicle)).trimEnd());
    } else {
      for (const v of vehicles) {
        io.out([v.deviceId, v.plate, v.plateColor, v.category, v.energyType, v.operator, v.city, v.inService ? '' : '停运'].join('\t').trimEnd());
      }
      io.err(`${vehicles.length} vehicle(s)`);
    }
    return 0;
  }

  io.err(usage);
  return 2;
}

function parseCliArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      operator: { type: 'string' },
      plate: { type: 'string' },
      csv: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const io: VehiclesCliIo = {
    registry: () => {
      const env = toolEnv();
      return new DynamoDbVehicleStore(documentClientFromEnv(env), tableFromEnv(env, 'vehicles'), { cacheTtlMs: 0 });
    },
    readFile: (path) => readFile(path, 'utf8'),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
  runVehiclesCli(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`vehicles: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
