/**
 * Shared set-up of the command-line tools: they talk to the local stack by default and to AWS when pointed at it.
 *   local (default): DYNAMODB_ENDPOINT=http://127.0.0.1:8000, IOT_DATA_ENDPOINT=http://127.0.0.1:3000, stage `local`
 *   cloud: AWS_REGION (e.g. cn-north-1) and credentials as usual, DYNAMODB_ENDPOINT unset, IOT_DATA_ENDPOINT set to
 *          https://<your iot:Data-ATS endpoint>, and each table's name in its variable (see the stack's outputs).
 */
import { localTableName, tables, type TableName } from '../../infra/topology.ts';
import type { Env } from '../../functions/shared/aws-client-config.ts';

export function toolEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cloud = source.QIONGJIAN_TARGET === 'aws';
  const stage = source.LOCAL_STAGE ?? 'local';
  const env: Record<string, string | undefined> = { ...source };
  if (!cloud) {
    env.AWS_REGION ??= 'local';
    env.AWS_ACCESS_KEY_ID ??= 'local';
    env.AWS_SECRET_ACCESS_KEY ??= 'local';
    env.DYNAMODB_ENDPOINT ??= `http://127.0.0.1:${source.DYNAMODB_PORT ?? 8000}`;
    env.IOT_DATA_ENDPOINT ??= `http://127.0.0.1:${source.HTTP_PORT ?? 3000}`;
    for (const name of Object.keys(tables) as TableName[]) {
      env[tables[name].envVar] ??= localTableName(stage, tables[name]);
    }
  }
  return env;
}

export function tableFromEnv(env: Env, name: TableName): string {
  const value = env[tables[name].envVar];
  if (!value) throw new Error(`set ${tables[name].envVar} to the ${tables[name].logicalId} table's name`);
  return value;
}
