import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
