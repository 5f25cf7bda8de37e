import type { KinesisStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EventSourceSettings,
  type FailedBatch,
  interpretBatchResponse,
  KinesisEmulator,
  shardIndexForKey,
} from '../../../infra/local/kinesis-emulator.ts';

const source = (overrides: Partial<EventSourceSettings> = {}): EventSourceSettings => ({
  batchSize: 10,
  maxRetryAttempts: 3,
  bisectBatchOnError: false,
  reportBatchItemFailures: true,
  maxRecordAgeS: -1,
  parallelizationFactor: 1,
  ...overrides,
});

const decode = (event: KinesisStreamEvent) => event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

let emulator: KinesisEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

function setup(settings: Partial<EventSourceSettings>, handler: (event: KinesisStreamEvent) => Promise<unknown>, shardCount = 1) {
  emulator = new KinesisEmulator({ pollIntervalMs: 5, retryBackoffMs: 1 });
  emulator.createStream('s', shardCount);
  const failures: FailedBatch[] = [];
  emulator.addEventSourceMapping({ functionName: 'fn', streamName: 's', source: source(settings), invoke: handler, onFailure: (f) => void failures.push(f) });
  return { kinesis: emulator, failures };
}

describe('partition key → shard', () => {
  it('spreads keys over the equal MD5 ranges and is stable', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const shard = shardIndexForKey(`station-${i}`, 4);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(shardIndexForKey('station-7', 4)).toBe(shardIndexForKey('station-7', 4));
    // MD5('a') = 0cc175b9…: in the first half of the 128-bit space → shard 0 of 2; MD5('b') = 92eb5ffe… → shard 1.
    expect(shardIndexForKey('a', 2)).toBe(0);
    expect(shardIndexForKey('b', 2)).toBe(1);
  });
});

describe('KinesisEmulator event source mapping', () => {
  it('delivers a real Kinesis event shape with increasing sequence numbers', async () => {
    const events: KinesisStreamEvent[] = [];
    const { kinesis } = setup({}, async (e) => void events.push(e));
    const first = kinesis.putRecord('s', 'k', Buffer.from('one'));
    const second = kinesis.putRecord('s', 'k', Buffer.from('two'));
    await kinesis.drain();
    expect(BigInt(second.sequenceNumber)).toBeGreaterThan(BigInt(first.sequenceNumber));
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      eventID: `shardId-000000000000:${first.sequenceNumber}`,
      awsRegion: 'local',
      eventSourceARN: 'arn:aws:kinesis:local:000000000000:stream/s',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/fn-role',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: first.sequenceNumber, data: Buffer.from('one').toString('base64') },
    });
    expect(record?.kinesis.approximateArrivalTimestamp).toBeCloseTo(Date.now() / 1000, -1);
    expect(events.flatMap(decode)).toEqual(['one', 'two']);
    expect(kinesis.counters).toMatchObject({ recordsIn: 2, recordsDelivered: 2, recordsFailed: 0, inFlight: 0 });
  });

  it('keeps per-key order across shards with one batch in flight per shard, losing nothing', async () => {
    const seen = new Map<string, number[]>();
    const inFlight = new Map<string, number>();
    let maxPerShard = 0;
    const { kinesis } = setup(
      { batchSize: 7 },
      async (event) => {
        const shard = event.Records[0]?.eventID.split(':')[0] ?? '';
        inFlight.set(shard, (inFlight.get(shard) ?? 0) + 1);
        maxPerShard = Math.max(maxPerShard, inFlight.get(shard) ?? 0);
        await new Promise((r) => setTimeout(r, 1));
        for (const r of event.Records) {
          const [key, n] = Buffer.from(r.kinesis.data, 'base64').toString().split(':');
          seen.set(key as string, [...(seen.get(key as string) ?? []), Number(n)]);
        }
        inFlight.set(shard, (inFlight.get(shard) ?? 1) - 1);
      },
      3,
    );
    for (let n = 0; n < 60; n++) for (const key of ['A', 'B', 'C', 'D', 'E']) kinesis.putRecord('s', key, Buffer.from(`${key}:${n}`));
    await kinesis.drain();
    for (const key of ['A', 'B', 'C', 'D', 'E']) expect(seen.get(key)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(maxPerShard).toBe(1);
    expect(kinesis.counters).toMatchObject({ recordsIn: 300, recordsDelivered: 300, inFlight: 0 });
  });

  it('batchItemFailures: checkpoints before the lowest failed record and retries from it', async () => {
    const batches: string[][] = [];
    let failOnce = true;
    const { kinesis, failures } = setup({}, async (event) => {
      batches.push(decode(event));
      if (failOnce) {
        failOnce = false;
        const [, r2, , r4] = event.Records;
        return { batchItemFailures: [{ itemIdentifier: r4?.kinesis.sequenceNumber }, { itemIdentifier: r2?.kinesis.sequenceNumber }] };
      }
      return { batchItemFailures: [] };
    });
    for (const x of ['1', '2', '3', '4', '5']) kinesis.putRecord('s', 'k', Buffer.from(x));
    await kinesis.drain();
    expect(batches).toEqual([
      ['1', '2', '3', '4', '5'],
      ['2', '3', '4', '5'],
    ]);
    expect(failures).toEqual([]);
    expect(kinesis.counters).toMatchObject({ recordsDelivered: 5, recordsFailed: 0 });
  });

  it('an empty or unknown itemIdentifier fails the whole batch', async () => {
    const sizes: number[] = [];
    let calls = 0;
    const { kinesis } = setup({}, async (event) => {
      sizes.push(event.Records.length);
      calls++;
      if (calls === 1) return { batchItemFailures: [{ itemIdentifier: '' }] };
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
      return undefined;
    });
    for (const x of ['1', '2', '3']) kinesis.putRecord('s', 'k', Buffer.from(x));
    await kinesis.drain();
    expect(sizes).toEqual([3, 3, 3]);
  });

  it('interpretBatchResponse follows the documented success and failure conditions', () => {
    const records = [{ shardId: 's', sequenceNumber: '1', partitionKey: 'k', data: Buffer.alloc(0), arrivalMs: 0 }];
    expect(interpretBatchResponse(undefined, records)).toEqual({ kind: 'success' });
    expect(interpretBatchResponse(null, records)).toEqual({ kind: 'success' });
    expect(interpretBatchResponse({}, records)).toEqual({ kind: 'success' });
    expect(interpretBatchResponse({ batchItemFailures: [] }, records)).toEqual({ kind: 'success' });
    expect(interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: '1' }] }, records)).toEqual({ kind: 'partial', failedIndex: 0 });
    expect(interpretBatchResponse({ batchItemFailures: [{}] }, records).kind).toBe('error');
    expect(interpretBatchResponse({ batchItemFailures: 'x' }, records).kind).toBe('error');
  });

  it('bisects a failing batch until the poison record is alone, then sends only it to onFailure', async () => {
    const batches: string[][] = [];
    const { kinesis, failures } = setup({ bisectBatchOnError: true, maxRetryAttempts: 10 }, async (event) => {
      const values = decode(event);
      batches.push(values);
      if (values.includes('poison')) throw new Error('boom');
    });
    for (const x of ['1', '2', '3', 'poison', '5', '6', '7', '8']) kinesis.putRecord('s', 'k', Buffer.from(x));
    await kinesis.drain();
    expect(batches.slice(0, 3)).toEqual([
      ['1', '2', '3', 'poison', '5', '6', '7', '8'],
      ['1', '2', '3', 'poison'],
      ['1', '2'],
    ]);
    const delivered = batches.filter((b) => !b.includes('poison')).flat();
    expect(delivered).toEqual(['1', '2', '3', '5', '6', '7', '8']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ functionName: 'fn', streamName: 's', shardId: 'shardId-000000000000', reason: 'RetryAttemptsExhausted', attempts: 11, lastError: 'boom' });
    expect(failures[0]?.records.map((r) => r.data.toString())).toEqual(['poison']);
    expect(kinesis.counters).toMatchObject({ recordsDelivered: 7, recordsFailed: 1, inFlight: 0 });
  });

  it('without bisect, retries the whole batch maxRetryAttempts times, then moves on in order', async () => {
    const batches: string[][] = [];
    const { kinesis, failures } = setup({ maxRetryAttempts: 2, batchSize: 2 }, async (event) => {
      const values = decode(event);
      batches.push(values);
      if (values.includes('bad')) throw new Error('nope');
    });
    for (const x of ['bad', 'x', 'y']) kinesis.putRecord('s', 'k', Buffer.from(x));
    await kinesis.drain();
    expect(batches).toEqual([['bad', 'x'], ['bad', 'x'], ['bad', 'x'], ['y']]);
    expect(failures.map((f) => [f.reason, f.attempts, f.records.map((r) => r.data.toString())])).toEqual([['RetryAttemptsExhausted', 3, ['bad', 'x']]]);
  });

  it('records older than maxRecordAgeS go to onFailure without being invoked', async () => {
    let now = 1_000_000;
    emulator = new KinesisEmulator({ pollIntervalMs: 5, retryBackoffMs: 1, now: () => now });
    emulator.createStream('s', 1);
    const failures: FailedBatch[] = [];
    const invoked: string[] = [];
    let failing = true;
    emulator.addEventSourceMapping({
      functionName: 'fn',
      streamName: 's',
      source: source({ maxRetryAttempts: -1, maxRecordAgeS: 60 }),
      invoke: async (event) => {
        invoked.push(...decode(event));
        if (failing) {
          now += 61_000; // the records age past maxRecordAgeS while this batch keeps failing
          throw new Error('down');
        }
      },
      onFailure: (f) => void failures.push(f),
    });
    emulator.putRecord('s', 'k', Buffer.from('old'));
    await emulator.drain();
    failing = false;
    expect(invoked).toEqual(['old']);
    expect(failures.map((f) => [f.reason, f.attempts])).toEqual([['RecordAgeExceeded', 1]]);
  });

  it('drain resolves immediately when idle and counts in-flight records', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { kinesis } = setup({}, () => gate);
    await kinesis.drain();
    kinesis.putRecord('s', 'k', Buffer.from('a'));
    let drained = false;
    const draining = kinesis.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(drained).toBe(false);
    expect(kinesis.counters.inFlight).toBe(1);
    release();
    await draining;
    expect(kinesis.counters.inFlight).toBe(0);
  });

  it('rejects invalid partition keys and unknown streams', () => {
    emulator = new KinesisEmulator();
    emulator.createStream('s', 1);
    expect(() => emulator?.putRecord('s', '', Buffer.from('x'))).toThrow(/partition key/);
    expect(() => emulator?.putRecord('nope', 'k', Buffer.from('x'))).toThrow(/does not exist/);
  });
});
