import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig, type Env } from '../../shared/aws-client-config.ts';
import { commonEnv } from '../../../infra/topology.ts';

export function documentClientFromEnv(env: Env): DynamoDBDocumentClient {
  return documentClient(new DynamoDBClient(clientConfig(env, commonEnv.dynamodbEndpoint)));
}

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const maxBatchWriteItems = 25;
const maxUnprocessedRounds = 8;

/**
 * Puts every item with BatchWriteItem, 25 per request and `concurrency` requests at a time, retrying unprocessed
 * items with backoff; throws if some stay unprocessed. Only for idempotent overwrites.
 */
export async function batchWriteAll(
  ddb: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, unknown>[],
  concurrency = 8,
  keyAttributes?: readonly string[],
): Promise<void> {
  type PutRequest = { PutRequest: { Item: Record<string, unknown> } };
  // BatchWriteItem rejects a request that names one key twice; with keyAttributes, the last item per key is kept.
  let unique: readonly Record<string, unknown>[] = items;
  if (keyAttributes) {
    const byKey = new Map<string, Record<string, unknown>>();
    for (const item of items) byKey.set(keyAttributes.map((a) => String(item[a])).join('\u0000'), item);
    unique = [...byKey.values()];
  }
  const batches = chunk(
    unique.map((Item): PutRequest => ({ PutRequest: { Item } })),
    maxBatchWriteItems,
  );
  let next = 0;
  const writeBatch = async (batch: PutRequest[]) => {
    let pending = batch;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= maxUnprocessedRounds) {
        throw new Error(`${pending.length} items for ${tableName} stayed unprocessed after ${maxUnprocessedRounds} BatchWriteItem rounds`);
      }
      if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round));
      const result = await ddb.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] as PutRequest[] | undefined) ?? [];
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch) await writeBatch(batch);
      }
    }),
  );
}
