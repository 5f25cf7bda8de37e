/**
 * An in-process Kinesis data stream plus the Lambda event source mapping (ESM) that reads it, with the semantics our
 * handlers rely on in AWS:
 *
 * - Partition key → shard by the MD5 of the key read as a 128-bit integer, in equal hash-key ranges, as a stream
 *   created with `ShardCount` does. Same key → same shard → same order.
 * - Per shard: records in arrival order with increasing sequence numbers; one batch in flight (parallelization
 *   factor 1); the next batch starts only after the previous one is checkpointed.
 * - Failure handling as documented in https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-errors.html and
 *   https://docs.aws.amazon.com/lambda/latest/dg/kinesis-batchfailurereporting.html:
 *   - `batchItemFailures` → checkpoint before the lowest failed sequence number, retry from it;
 *     an empty or unknown `itemIdentifier` → the whole batch failed;
 *   - the handler throws → retry; with `bisectBatchOnError` the batch is split in halves, each retried on its own;
 *   - a batch that failed more than `maxRetryAttempts` times, or records older than `maxRecordAgeS`, go to the
 *     on-failure destination and the shard moves on.
 *
 * Deliberate local differences (see docs/local-stack.md): the batching window is `pollIntervalMs` (20 ms by default)
 * instead of AWS's ~1 s polling and whole-second `MaximumBatchingWindowInSeconds`; retries back off by a fixed
 * `retryBackoffMs`; the on-failure callback receives the records themselves, whereas AWS sends only batch metadata
 * (shard, sequence-number range) to SQS/SNS.
 */
import { createHash } from 'node:crypto';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { StreamSourceSpec } from '../topology.ts';

export interface StoredRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  readonly arrivalMs: number;
}

export type FailureReason = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** What the on-failure destination receives. */
export interface FailedBatch {
  readonly functionName: string;
  readonly streamName: string;
  readonly shardId: string;
  readonly records: readonly StoredRecord[];
  readonly reason: FailureReason;
  /** Invocations of these records that failed (0 when they expired before being tried). */
  readonly attempts: number;
  readonly lastError?: string;
}

export type StreamBatchInvoker = (event: KinesisStreamEvent) => Promise<unknown>;

export type EventSourceSettings = Pick<
  StreamSourceSpec,
  'batchSize' | 'maxRetryAttempts' | 'bisectBatchOnError' | 'reportBatchItemFailures' | 'maxRecordAgeS' | 'parallelizationFactor'
>;

export interface EventSourceMappingOptions {
  readonly functionName: string;
  readonly streamName: string;
  readonly source: EventSourceSettings;
  readonly invoke: StreamBatchInvoker;
  readonly onFailure: (failed: FailedBatch) => Promise<void> | void;
}

export interface KinesisEmulatorOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** How long a poller waits for a partial batch to fill before invoking; replaces the AWS batching window. */
  readonly pollIntervalMs?: number;
  /** Pause before retrying a failed batch. */
  readonly retryBackoffMs?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface KinesisCounters {
  readonly recordsIn: number;
  /** Records a handler processed successfully (per mapping). */
  readonly recordsDelivered: number;
  /** Records sent to an on-failure destination. */
  readonly recordsFailed: number;
  readonly invocations: number;
  readonly failedInvocations: number;
  /** Records put but not yet checkpointed by every mapping of their stream. */
  readonly inFlight: number;
}

const sequenceDigits = 56;
const hashSpace = 1n << 128n;

/** `shardId-000000000000`, as Kinesis names the shards of a new stream. */
export function shardIdFor(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** Index of the shard owning `partitionKey` among `shardCount` shards with equal hash-key ranges. */
export function shardIndexForKey(partitionKey: string, shardCount: number): number {
  const hashKey = BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
  const count = BigInt(shardCount);
  // Shard i owns [floor(i·2^128/n), floor((i+1)·2^128/n) − 1]; find i by scanning the n boundaries.
  for (let i = shardCount - 1; i >= 0; i--) {
    if (hashKey >= (hashSpace * BigInt(i)) / count) return i;
  }
  return 0;
}

class Shard {
  private records: StoredRecord[] = [];
  /** Absolute index of records[0]; records before it were trimmed. */
  firstIndex = 0;
  private waiters = new Set<() => void>();

  constructor(readonly id: string) {}

  get endIndex(): number {
    return this.firstIndex + this.records.length;
  }

  append(record: StoredRecord): void {
    this.records.push(record);
    this.wake();
  }

  slice(fromAbs: number, count: number): StoredRecord[] {
    const start = Math.max(0, fromAbs - this.firstIndex);
    return this.records.slice(start, start + count);
  }

  trimBefore(absIndex: number): void {
    const drop = absIndex - this.firstIndex;
    if (drop <= 0) return;
    this.records.splice(0, drop);
    this.firstIndex = absIndex;
  }

  oldestArrivalMs(): number | undefined {
    return this.records[0]?.arrivalMs;
  }

  /** Resolves on the next append or wake-up, or after `timeoutMs`. */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

class Stream {
  readonly shards: Shard[];
  readonly pollers: ShardPoller[] = [];
  private sequence = 0n;

  constructor(
    readonly name: string,
    readonly arn: string,
    shardCount: number,
    readonly retentionMs: number,
  ) {
    this.shards = Array.from({ length: shardCount }, (_, i) => new Shard(shardIdFor(i)));
  }

  nextSequenceNumber(): string {
    this.sequence += 1n;
    return this.sequence.toString().padStart(sequenceDigits, '0');
  }

  /** Drops records every mapping has checkpointed, so a long-running dev stack does not grow without bound. */
  trimConsumed(shard: Shard): void {
    const readers = this.pollers.filter((p) => p.shard === shard);
    if (readers.length === 0) return;
    const minPosition = Math.min(...readers.map((p) => p.position));
    if (minPosition - shard.firstIndex >= 256) shard.trimBefore(minPosition);
  }
}

export type BatchOutcome = { readonly kind: 'success' } | { readonly kind: 'partial'; readonly failedIndex: number } | { readonly kind: 'error'; readonly error: string };

interface Segment {
  readonly records: readonly StoredRecord[];
  readonly attempts: number;
  readonly lastError?: string;
}

class ShardPoller {
  /** Absolute index of the next record this mapping has not checkpointed. */
  position: number;
  private busy = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly invokeIdentityArn: string;

  constructor(
    readonly shard: Shard,
    private readonly stream: Stream,
    private readonly mapping: EventSourceMappingOptions,
    private readonly emulator: KinesisEmulator,
    private readonly settings: Required<Pick<KinesisEmulatorOptions, 'region' | 'accountId' | 'pollIntervalMs' | 'retryBackoffMs' | 'now'>>,
  ) {
    // TRIM_HORIZON: a mapping reads every record still retained.
    this.position = shard.firstIndex;
    this.invokeIdentityArn = `arn:aws:iam::${settings.accountId}:role/${mapping.functionName}-role`;
  }

  get idle(): boolean {
    return !this.busy && this.position >= this.shard.endIndex;
  }

  get pending(): number {
    return Math.max(0, this.shard.endIndex - this.position);
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.shard.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { batchSize } = this.mapping.source;
    while (!this.stopped) {
      // Records may have been trimmed by retention while this mapping lagged: they are gone, as in Kinesis.
      if (this.position < this.shard.firstIndex) this.position = this.shard.firstIndex;
      if (this.position >= this.shard.endIndex) {
        this.emulator.notifyIdle();
        await this.shard.wait();
        continue;
      }
      // Batching window: let a burst fill the batch instead of invoking once per record.
      const deadline = Date.now() + this.settings.pollIntervalMs;
      while (!this.stopped && this.pending < batchSize && Date.now() < deadline) {
        await this.shard.wait(Math.max(1, deadline - Date.now()));
      }
      if (this.stopped) break;
      this.busy = true;
      try {
        await this.processBatch(this.shard.slice(this.position, batchSize));
      } finally {
        this.busy = false;
      }
      this.stream.trimConsumed(this.shard);
    }
  }

  private async processBatch(batch: readonly StoredRecord[]): Promise<void> {
    const { maxRetryAttempts, maxRecordAgeS, bisectBatchOnError } = this.mapping.source;
    const maxAgeMs = maxRecordAgeS < 0 ? Number.POSITIVE_INFINITY : maxRecordAgeS * 1000;
    const retriesExhausted = (attempts: number): boolean => maxRetryAttempts >= 0 && attempts > maxRetryAttempts;
    const queue: Segment[] = [{ records: batch, attempts: 0 }];

    while (queue.length > 0 && !this.stopped) {
      let segment = queue[0] as Segment;
      const now = this.settings.now();
      let expired = 0;
      while (expired < segment.records.length && now - (segment.records[expired] as StoredRecord).arrivalMs > maxAgeMs) expired++;
      if (expired > 0) {
        await this.fail(segment.records.slice(0, expired), 'RecordAgeExceeded', segment);
        segment = { ...segment, records: segment.records.slice(expired) };
        queue[0] = segment;
      }
      if (segment.records.length === 0) {
        queue.shift();
        continue;
      }
      if (segment.attempts > 0) await this.sleep(this.settings.retryBackoffMs);
      if (this.stopped) return;

      const outcome = await this.invoke(segment.records);
      if (outcome.kind === 'success') {
        this.checkpoint(segment.records.length, true);
        queue.shift();
        continue;
      }
      let retries: Segment[];
      if (outcome.kind === 'partial') {
        this.checkpoint(outcome.failedIndex, true);
        const rest = segment.records.slice(outcome.failedIndex);
        retries = [{ records: rest, attempts: segment.attempts + 1, lastError: `batch item failure at ${(rest[0] as StoredRecord).sequenceNumber}` }];
      } else if (bisectBatchOnError && segment.records.length > 1) {
        const half = Math.ceil(segment.records.length / 2);
        retries = [
          { records: segment.records.slice(0, half), attempts: segment.attempts + 1, lastError: outcome.error },
          { records: segment.records.slice(half), attempts: segment.attempts + 1, lastError: outcome.error },
        ];
      } else {
        retries = [{ records: segment.records, attempts: segment.attempts + 1, lastError: outcome.error }];
      }
      queue.shift();
      if (retriesExhausted(segment.attempts + 1)) {
        // The failed records (all halves) give up together; they are contiguous, so order is kept.
        const failedRecords = retries.flatMap((r) => r.records);
        await this.fail(failedRecords, 'RetryAttemptsExhausted', retries[0] as Segment);
      } else {
        queue.unshift(...retries);
      }
    }
  }

  private checkpoint(count: number, delivered: boolean): void {
    this.position += count;
    this.emulator.recordCheckpoint(count, delivered);
  }

  private async fail(records: readonly StoredRecord[], reason: FailureReason, segment: Segment): Promise<void> {
    const failed: FailedBatch = {
      functionName: this.mapping.functionName,
      streamName: this.stream.name,
      shardId: this.shard.id,
      records,
      reason,
      attempts: segment.attempts,
      ...(segment.lastError === undefined ? {} : { lastError: segment.lastError }),
    };
    try {
      await this.mapping.onFailure(failed);
    } catch (error) {
      // AWS drops the batch metadata when the destination is unreachable; we at least say so.
      this.emulator.log(`on-failure destination of ${this.mapping.functionName} failed: ${(error as Error).message}`);
    }
    this.checkpoint(records.length, false);
  }

  private async invoke(records: readonly StoredRecord[]): Promise<BatchOutcome> {
    const event: KinesisStreamEvent = { Records: records.map((r) => this.toEventRecord(r)) };
    let response: unknown;
    try {
      response = await this.mapping.invoke(event);
    } catch (error) {
      this.emulator.recordInvocation(false);
      return { kind: 'error', error: error instanceof Error ? error.message : String(error) };
    }
    const outcome = this.mapping.source.reportBatchItemFailures ? interpretBatchResponse(response, records) : { kind: 'success' as const };
    this.emulator.recordInvocation(outcome.kind === 'success');
    return outcome;
  }

  private toEventRecord(record: StoredRecord): KinesisStreamRecord {
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: record.data.toString('base64'),
        approximateArrivalTimestamp: record.arrivalMs / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${record.shardId}:${record.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: this.invokeIdentityArn,
      awsRegion: this.settings.region,
      eventSourceARN: this.stream.arn,
    };
  }

  private sleep(ms: number): Promise<void> {
    // Shard.wait doubles as an interruptible sleep: stop() wakes it. A record arriving meanwhile only shortens
    // the pause, which is harmless.
    return ms > 0 ? this.shard.wait(ms) : Promise.resolve();
  }
}

/**
 * Reads a handler's response the way the ESM does when ReportBatchItemFailures is on: empty/null → success; a
 * failure without a valid, known `itemIdentifier` → the whole batch failed; otherwise retry from the lowest one.
 */
export function interpretBatchResponse(response: unknown, records: readonly StoredRecord[]): BatchOutcome {
  if (response === null || response === undefined || typeof response !== 'object') return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'error', error: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures as unknown[]) {
    const id = failure !== null && typeof failure === 'object' ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return { kind: 'error', error: 'batch item failure without an itemIdentifier' };
    const index = records.findIndex((r) => r.sequenceNumber === id);
    if (index < 0) return { kind: 'error', error: `batch item failure names unknown sequence number ${id}` };
    lowest = Math.min(lowest, index);
  }
  return { kind: 'partial', failedIndex: lowest };
}

export class KinesisEmulator {
  private readonly streams = new Map<string, Stream>();
  private readonly settings: Required<Pick<KinesisEmulatorOptions, 'region' | 'accountId' | 'pollIntervalMs' | 'retryBackoffMs' | 'now'>>;
  private readonly logLine: (line: string) => void;
  private drainWaiters: Array<() => void> = [];
  private stopped = false;
  private counts = { recordsIn: 0, recordsDelivered: 0, recordsFailed: 0, invocations: 0, failedInvocations: 0 };

  constructor(options: KinesisEmulatorOptions = {}) {
    const pollIntervalMs = options.pollIntervalMs ?? 20;
    this.settings = {
      region: options.region ?? 'local',
      accountId: options.accountId ?? '000000000000',
      pollIntervalMs,
      retryBackoffMs: options.retryBackoffMs ?? pollIntervalMs,
      now: options.now ?? Date.now,
    };
    this.logLine = options.log ?? (() => {});
  }

  log(line: string): void {
    this.logLine(line);
  }

  streamArn(streamName: string): string {
    return `arn:aws:kinesis:${this.settings.region}:${this.settings.accountId}:stream/${streamName}`;
  }

  createStream(name: string, shardCount: number, retentionHours = 24): void {
    if (this.streams.has(name)) throw new Error(`stream ${name} already exists`);
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error(`stream ${name}: shardCount must be a positive integer`);
    this.streams.set(name, new Stream(name, this.streamArn(name), shardCount, retentionHours * 3_600_000));
  }

  private stream(name: string): Stream {
    const stream = this.streams.get(name);
    if (!stream) throw new Error(`stream ${name} does not exist (ResourceNotFoundException)`);
    return stream;
  }

  putRecord(streamName: string, partitionKey: string, data: Buffer): { shardId: string; sequenceNumber: string } {
    if (this.stopped) throw new Error('the Kinesis emulator is stopped');
    const stream = this.stream(streamName);
    if (partitionKey.length < 1 || partitionKey.length > 256) {
      throw new Error(`partition key must be 1–256 characters, got ${partitionKey.length} (ValidationException)`);
    }
    if (data.length > 1024 * 1024) throw new Error('record data exceeds 1 MiB (ValidationException)');
    const shard = stream.shards[shardIndexForKey(partitionKey, stream.shards.length)] as Shard;
    const now = this.settings.now();
    // Retention: drop what has aged out (lazily, on write).
    for (let oldest = shard.oldestArrivalMs(); oldest !== undefined && now - oldest > stream.retentionMs; oldest = shard.oldestArrivalMs()) {
      shard.trimBefore(shard.firstIndex + 1);
    }
    const record: StoredRecord = { shardId: shard.id, sequenceNumber: stream.nextSequenceNumber(), partitionKey, data, arrivalMs: now };
    this.counts.recordsIn++;
    shard.append(record);
    return { shardId: record.shardId, sequenceNumber: record.sequenceNumber };
  }

  /** Starts one poller per shard of the stream for this function. */
  addEventSourceMapping(mapping: EventSourceMappingOptions): void {
    const stream = this.stream(mapping.streamName);
    if (mapping.source.parallelizationFactor !== 1) {
      this.log(`${mapping.functionName}: parallelizationFactor ${mapping.source.parallelizationFactor} emulated as 1 (stricter ordering)`);
    }
    for (const shard of stream.shards) {
      const poller = new ShardPoller(shard, stream, mapping, this, this.settings);
      stream.pollers.push(poller);
      poller.start();
    }
  }

  get counters(): KinesisCounters {
    let inFlight = 0;
    for (const stream of this.streams.values()) for (const poller of stream.pollers) inFlight += poller.pending;
    return { ...this.counts, inFlight };
  }

  /** Resolves once every poller has checkpointed everything put so far and is waiting for records. */
  drain(): Promise<void> {
    if (this.stopped || this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.streams.values()].flatMap((s) => s.pollers.map((p) => p.stop())));
    this.releaseDrainWaiters();
  }

  // --- called by pollers -----------------------------------------------------------------------------------------

  notifyIdle(): void {
    if (this.drainWaiters.length > 0 && this.isIdle()) this.releaseDrainWaiters();
  }

  recordCheckpoint(count: number, delivered: boolean): void {
    if (delivered) this.counts.recordsDelivered += count;
    else this.counts.recordsFailed += count;
  }

  recordInvocation(succeeded: boolean): void {
    this.counts.invocations++;
    if (!succeeded) this.counts.failedInvocations++;
  }

  private isIdle(): boolean {
    for (const stream of this.streams.values()) for (const poller of stream.pollers) if (!poller.idle) return false;
    return true;
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
