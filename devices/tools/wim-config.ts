/**
 * Load WIM stations and permits into the configuration table.
 *   npm run wim-config -- import <file.json>
 * The whole file is validated first; if any row is wrong, every error is printed with its row and nothing is written.
 */
import { readFile } from 'node:fs/promises';
import { documentClientFromEnv } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbWimConfigStore } from '../../functions/adapters/dynamodb/wim-config-store.ts';
import { wimConfigFileV1, type WimConfigFileV1 } from '../../functions/contracts/wim-config.v1.ts';
import { tableFromEnv, toolEnv } from './cli-env.ts';

export type ParseResult = { ok: true; config: WimConfigFileV1 } | { ok: false; errors: string[] };

export function parseWimConfig(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`not JSON: ${(error as Error).message}`] };
  }
  const parsed = wimConfigFileV1.safeParse(json);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`) };
  }
  return { ok: true, config: parsed.data };
}

export async function importWimConfig(store: DynamoDbWimConfigStore, config: WimConfigFileV1): Promise<void> {
  for (const station of config.stations) await store.putStation(station);
  for (const permit of config.permits) await store.putPermit(permit);
}

async function main(argv: string[]): Promise<number> {
  const [command, file] = argv;
  if (command !== 'import' || !file) {
    console.error('usage: npm run wim-config -- import <file.json>');
    return 2;
  }
  const result = parseWimConfig(await readFile(file, 'utf8'));
  if (!result.ok) {
    for (const error of result.errors) console.error(`${file}: ${error}`);
    console.error('nothing imported');
    return 1;
  }
  const env = toolEnv();
  await importWimConfig(new DynamoDbWimConfigStore(documentClientFromEnv(env), tableFromEnv(env, 'wimConfig')), result.config);
  console.log(`imported ${result.config.stations.length} station(s) and ${result.config.permits.length} permit(s)`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`wim-config: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
