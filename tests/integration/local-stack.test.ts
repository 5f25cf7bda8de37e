/**
 * The embedded local stack over real sockets: mqtt.js → aedes → rules engine → Kinesis emulator → (fixture) handler,
 * the IoT data-plane shim with the real AWS SDK client, dynalite tables built from topology. Random ports.
 */
import { createServer, type Server } from 'node:net';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { KinesisStreamEvent } from 'aws-lambda';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerEnv } from '../../infra/local/lambda-runtime.ts';
import { type DeadLetterSink, type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { tables } from '../../infra/topology.ts';
import type { IngestEnvelope } from '../../functions/contracts/ingest-envelope.ts';
import type { DeadLetter } from '../../functions/shared/dead-letter.ts';

let stack: LocalStack;
const events: KinesisStreamEvent[] = [];
const deadLetters: DeadLetter[] = [];
let handlerEnv: HandlerEnv | undefined;
let failPayload = 'always-fails';

beforeAll(async () => {
  const sink: DeadLetterSink = async (dl) => void deadLetters.push(dl);
  stack = await startLocalStack({
    mqttPort: 0,
    dynamodbPort: 0,
    httpPort: 0,
    stage: 'itest',
    pollIntervalMs: 5,
    deadLetterSink: sink,
    functionOverrides: {
      wimIngest: (env) => {
        handlerEnv = env;
        return async (event) => {
          const e = event as KinesisStreamEvent;
          events.push(e);
          // Report every record whose original payload is the poison one as failed, forever.
          const failed = e.Records.filter((r) => {
            const envelope = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()) as { payloadBase64: string };
            return Buffer.from(envelope.payloadBase64, 'base64').toString() === failPayload;
          });
          return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
        };
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const envelopes = () =>
  events.flatMap((e) => e.Records.map((r) => ({ partitionKey: r.kinesis.partitionKey, ...(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()) as IngestEnvelope) })));

describe('local stack', () => {
  it('creates every topology table with its key schema and indexes', async () => {
    for (const spec of Object.values(tables)) {
      const { Table } = await stack.dynamo.send(new DescribeTableCommand({ TableName: `itest-${spec.logicalId}` }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: spec.partitionKey.name, KeyType: 'HASH' },
        ...('sortKey' in spec ? [{ AttributeName: spec.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(spec.globalIndexes.map((i) => i.indexName).sort());
      expect(stack.tableName(Object.keys(tables).find((k) => tables[k as keyof typeof tables] === spec) as keyof typeof tables)).toBe(`itest-${spec.logicalId}`);
    }
  });

  it('gives the handler the local environment', () => {
    expect(handlerEnv).toMatchObject({
      WIM_READINGS_TABLE: 'itest-WimReadings',
      DEAD_LETTERS_TABLE: 'itest-DeadLetters',
      WIM_RECORD_STREAM: 'itest-WimRecordStream',
      IOT_DATA_ENDPOINT: stack.endpoints.iotDataUrl,
      DYNAMODB_ENDPOINT: stack.endpoints.dynamodbUrl,
      AWS_REGION: 'local',
    });
  });

  it('MQTT publish → topic rule → Kinesis → handler, JSON or not, in order per station', async () => {
    events.length = 0;
    const client = await mqtt.connectAsync(stack.endpoints.mqttUrl, { clientId: 'ST-1', protocolVersion: 4 });
    try {
      for (let i = 0; i < 20; i++) await client.publishAsync('wim/ST-1/records', JSON.stringify({ i }), { qos: 1 });
      await client.publishAsync('wim/ST-1/records', Buffer.from([0xff, 0x00, 0x7f]), { qos: 1 });
      await client.publishAsync('wim/ST-1/status', 'ignored by the rule', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await stack.drain();
    const received = envelopes();
    expect(received).toHaveLength(21);
    expect(received.every((e) => e.partitionKey === 'ST-1' && e.topic === 'wim/ST-1/records' && e.topicStationId === 'ST-1' && e.clientId === 'ST-1')).toBe(true);
    expect(received.slice(0, 20).map((e) => JSON.parse(Buffer.from(e.payloadBase64, 'base64').toString()).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Buffer.from(received[20]?.payloadBase64 ?? '', 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x7f]));
    expect(typeof received[0]?.receivedAtMs).toBe('number');
  });

  it('IoT data-plane shim works with the real SDK client and delivers to MQTT subscribers', async () => {
    const subscriber = await mqtt.connectAsync(stack.endpoints.mqttUrl, { clientId: 'enforcement-test', protocolVersion: 4 });
    const iot = new IoTDataPlaneClient({ endpoint: stack.endpoints.iotDataUrl, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const message = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => {
        subscriber.on('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), qos: packet.qos }));
      });
      await subscriber.subscribeAsync('alerts/overload/+', { qos: 1 });
      const result = await iot.send(new PublishCommand({ topic: 'alerts/overload/ST 1', qos: 1, payload: Buffer.from('{"alert":true}') }));
      expect(result.$metadata.httpStatusCode).toBe(200);
      expect(await message).toEqual({ topic: 'alerts/overload/ST 1', payload: '{"alert":true}', qos: 1 });

      await expect(iot.send(new PublishCommand({ topic: 'alerts/overload/#', payload: Buffer.from('x') }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      await expect(iot.send(new PublishCommand({ topic: 'alerts/overload/x', qos: 2, payload: Buffer.from('x') }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    } finally {
      iot.destroy();
      await subscriber.endAsync();
    }
  });

  it('data-plane publishes run the topic rules with clientid() = n/a', async () => {
    events.length = 0;
    const iot = new IoTDataPlaneClient({ endpoint: stack.endpoints.iotDataUrl, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      await iot.send(new PublishCommand({ topic: 'wim/HTTP-1/records', qos: 1, payload: Buffer.from('{"via":"http"}') }));
    } finally {
      iot.destroy();
    }
    await stack.drain();
    expect(envelopes()).toMatchObject([{ partitionKey: 'HTTP-1', topicStationId: 'HTTP-1', clientId: 'n/a' }]);
  });

  it('answers /healthz and 404 for unknown routes', async () => {
    const health = await fetch(`${stack.endpoints.iotDataUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', stage: 'itest' });
    expect((await fetch(`${stack.endpoints.iotDataUrl}/nope`)).status).toBe(404);
  });

  it('a record the handler keeps failing ends up as a dead letter with its original topic and payload', async () => {
    deadLetters.length = 0;
    const eventsBefore = events.length;
    failPayload = 'poison-record';
    const client = await mqtt.connectAsync(stack.endpoints.mqttUrl, { clientId: 'ST-9', protocolVersion: 4 });
    try {
      await client.publishAsync('wim/ST-9/records', 'poison-record', { qos: 1 });
      await client.publishAsync('wim/ST-9/records', '{"fine":true}', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await stack.drain();
    // As in AWS, the retry after a batch item failure starts at the failed record and takes the records behind it
    // along; when retries run out they all go to the on-failure destination together. Whether the good record was in
    // the poison's batch depends on the batching window, so both outcomes are accepted — but it is never lost.
    const payloadsOf = (e: KinesisStreamEvent) =>
      e.Records.map((r) => Buffer.from((JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()) as { payloadBase64: string }).payloadBase64, 'base64').toString());
    const mine = events.slice(eventsBefore);
    const fineDeliveredAlone = mine.some((e) => payloadsOf(e).includes('{"fine":true}') && !payloadsOf(e).includes('poison-record'));
    const deadPayloads = deadLetters.map((dl) => Buffer.from(dl.payloadBase64 ?? '', 'base64').toString());
    expect(deadPayloads).toEqual(fineDeliveredAlone ? ['poison-record'] : ['poison-record', '{"fine":true}']);
    expect(deadLetters[0]).toMatchObject({
      source: 'stream-on-failure',
      reason: 'retries-exhausted',
      topic: 'wim/ST-9/records',
      stationId: 'ST-9',
      payloadBase64: Buffer.from('poison-record').toString('base64'),
    });
    expect(stack.kinesis.counters.inFlight).toBe(0);
  });
});

describe('local stack start-up errors', () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => blocker.close(r));
  });

  it.each([
    ['mqttPort', 'MQTT_PORT'],
    ['httpPort', 'HTTP_PORT'],
    ['dynamodbPort', 'DYNAMODB_PORT'],
  ])('a taken %s names %s', async (option, envVar) => {
    const ports = { mqttPort: 0, httpPort: 0, dynamodbPort: 0, [option]: port };
    await expect(startLocalStack({ ...ports, stage: 'clash', functionOverrides: { wimIngest: () => async () => undefined } })).rejects.toThrow(
      new RegExp(`port ${port} on 127.0.0.1 is already in use \\(${envVar}\\)`),
    );
  });
});
