/**
 * Local DynamoDB: dynalite in memory (or any DynamoDB-compatible endpoint, e.g. DynamoDB Local, through
 * DYNAMODB_ENDPOINT), with the topology's tables created under their local names.
 *
 * dynalite has no TTL, streams or transactions (docs/local-stack.md): TTL specifications are skipped, so expired items
 * stay until the process ends — readers must filter expired items anyway, because DynamoDB deletes them lazily too.
 */
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { type TableSpec, tables as topologyTables } from '../topology.ts';
import { PortInUseError } from './listen.ts';
import { localTableName } from './names.ts';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts dynalite in memory on `port` (0 = random), on a worker thread of its own; tables become ACTIVE immediately.
 * The worker is this process's second core at work: the main thread keeps the broker, rules and handlers.
 */
export async function startDynalite(options: { port?: number; host?: string } = {}): Promise<LocalDynamo> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8000;
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { port: requestedPort, host } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { type: string; port?: number; code?: string; message?: string }) => {
      if (message.type === 'listening' && message.port !== undefined) resolve(message.port);
      else {
        void worker.terminate();
        reject(message.code === 'EADDRINUSE' ? new PortInUseError(requestedPort, host, 'DYNAMODB_PORT') : new Error(`dynalite: ${message.message}`));
      }
    });
  });
  // The worker must not keep the process alive on its own (Ctrl-C, tests); close() ends it.
  worker.unref();
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('close');
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await worker.terminate();
    },
  };
}

function keySchema(partitionKey: string, sortKey: string | undefined): KeySchemaElement[] {
  return [{ AttributeName: partitionKey, KeyType: 'HASH' }, ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : [])];
}

/** The CreateTable request for a topology table (PAY_PER_REQUEST, every GSI projecting ALL, no TTL). */
export function createTableInput(stage: string, spec: TableSpec): CreateTableCommandInput {
  const attributes = new Map<string, string>();
  const add = (key: { name: string; type: string } | undefined): void => {
    if (key) attributes.set(key.name, key.type);
  };
  add(spec.partitionKey);
  add(spec.sortKey);
  for (const index of spec.globalIndexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return {
    TableName: localTableName(stage, spec),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType: AttributeType as 'S' | 'N' })),
    KeySchema: keySchema(spec.partitionKey.name, spec.sortKey?.name),
    ...(spec.globalIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: spec.globalIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey.name, index.sortKey?.name),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }),
  };
}

const sameKeys = (a: readonly KeySchemaElement[] | undefined, b: readonly KeySchemaElement[]): boolean =>
  JSON.stringify((a ?? []).map((k) => [k.AttributeName, k.KeyType])) === JSON.stringify(b.map((k) => [k.AttributeName, k.KeyType]));

async function waitActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/**
 * Creates every topology table that does not exist yet. An existing table (external endpoint) must have the key
 * schema topology declares; otherwise this throws, naming the table to delete, rather than let handlers fail later.
 */
export async function createTables(client: DynamoDBClient, stage: string, specs: Readonly<Record<string, TableSpec>> = topologyTables): Promise<string[]> {
  const created: string[] = [];
  for (const spec of Object.values(specs)) {
    const input = createTableInput(stage, spec);
    const tableName = input.TableName as string;
    let existing: TableDescription | undefined;
    try {
      existing = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (existing) {
      if (!sameKeys(existing.KeySchema, input.KeySchema ?? [])) {
        throw new Error(`table ${tableName} exists with a different key schema than infra/topology.ts; delete it and restart`);
      }
      continue;
    }
    await client.send(new CreateTableCommand(input));
    await waitActive(client, tableName);
    created.push(tableName);
  }
  return created;
}
