/**
 * Scripted publishing for tests and the benchmark: exact records (or deliberately broken payloads) on exact topics.
 *
 * Unlike the live simulator these clients do not reconnect (reconnectPeriod 0): a broker that drops a client — for
 * instance because an emulated IoT policy rejects a mismatched topic — must fail the call, not make mqtt.js resend the
 * same message forever. Nor do they publish status messages: a test sees exactly the messages it asked for.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { WimRecordV1 } from '../../functions/contracts/wim-record.v1.ts';
import { topics } from '../../infra/topology.ts';
import { baseClientOptions, clientIdFor } from './mqtt-common.ts';

const DEFAULT_TIMEOUT_MS = 15_000;

export interface ScriptedItem {
  /** Default `wim/{stationId}/records`. Set it to publish on a mismatched or odd topic. */
  readonly topic?: string;
  /** Serialised with JSON.stringify; may be anything (invalid records are fine). Ignored when rawPayload is set. */
  readonly record?: WimRecordV1 | unknown;
  /** Sent as is: malformed JSON, binary, empty payloads… */
  readonly rawPayload?: string | Buffer;
  /**
   * Which station's client publishes it. Default: the record's `stationId`, else the second level of the topic.
   * Setting it differently from the topic simulates a station publishing on another station's topic.
   */
  readonly stationId?: string;
}

export interface PublishRecordsOptions {
  /** Prepended to the station id to form the client id (default none: client id = thing name). */
  readonly clientIdPrefix?: string;
  /** Default 1. With QoS 0 the call resolves when the payload is written to the socket. */
  readonly qos?: 0 | 1;
  /** Whole call, connections included. Default 15 s. */
  readonly timeoutMs?: number;
}

function stationIdOfRecord(record: unknown): string | undefined {
  if (typeof record === 'object' && record !== null && 'stationId' in record) {
    const { stationId } = record as { stationId: unknown };
    if (typeof stationId === 'string' && stationId.length > 0) return stationId;
  }
  return undefined;
}

function stationIdOfTopic(topic: string | undefined): string | undefined {
  const level = topic?.split('/')[1];
  return level === undefined || level.length === 0 ? undefined : level;
}

interface ResolvedItem {
  readonly stationId: string;
  readonly topic: string;
  readonly payload: string | Buffer;
}

function resolveItem(item: ScriptedItem, index: number): ResolvedItem {
  const stationId = item.stationId ?? stationIdOfRecord(item.record) ?? stationIdOfTopic(item.topic);
  if (stationId === undefined) throw new Error(`item ${index}: cannot tell which station publishes it (set stationId)`);
  let payload: string | Buffer;
  if (item.rawPayload !== undefined) payload = item.rawPayload;
  else if (item.record !== undefined) payload = JSON.stringify(item.record);
  else throw new Error(`item ${index}: needs record or rawPayload`);
  return { stationId, topic: item.topic ?? topics.wimRecords(stationId), payload };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One connection per station, opened in parallel; on failure everything opened is closed. */
async function connectClients(mqttUrl: string, stationIds: Iterable<string>, clientIdPrefix: string): Promise<Map<string, MqttClient>> {
  const ids = [...new Set(stationIds)];
  const settled = await Promise.allSettled(
    ids.map((stationId) =>
      connectAsync(mqttUrl, { ...baseClientOptions(clientIdFor(stationId, clientIdPrefix)), reconnectPeriod: 0 }, false),
    ),
  );
  const clients = new Map<string, MqttClient>();
  const errors: string[] = [];
  settled.forEach((result, i) => {
    const stationId = ids[i] as string;
    if (result.status === 'fulfilled') {
      clients.set(stationId, result.value);
      // An unhandled 'error' event would crash the process; failures surface through the publish promises instead.
      result.value.on('error', () => {});
    } else errors.push(`${stationId}: ${String(result.reason)}`);
  });
  if (errors.length > 0) {
    await closeClients(clients, true);
    throw new Error(`could not connect to ${mqttUrl}: ${errors.join('; ')}`);
  }
  return clients;
}

async function closeClients(clients: Map<string, MqttClient>, force: boolean): Promise<void> {
  await Promise.allSettled([...clients.values()].map((client) => client.endAsync(force)));
}

/**
 * Publishes the items in the given order, each awaited (PUBACK for QoS 1) before the next, so the broker sees them in
 * exactly this order even across stations; a duplicate is simply the same item twice. Resolves when all are
 * acknowledged and the clients have disconnected cleanly (no last will).
 */
export async function publishRecords(
  mqttUrl: string,
  items: readonly ScriptedItem[],
  opts: PublishRecordsOptions = {},
): Promise<void> {
  const { clientIdPrefix = '', qos = 1, timeoutMs = DEFAULT_TIMEOUT_MS } = opts;
  const resolved = items.map(resolveItem);
  if (resolved.length === 0) return;

  const work = async (clients: Map<string, MqttClient>): Promise<void> => {
    for (const item of resolved) {
      const client = clients.get(item.stationId) as MqttClient;
      await client.publishAsync(item.topic, item.payload, { qos, retain: false });
    }
  };

  const clients = await withTimeout(connectClients(mqttUrl, resolved.map((item) => item.stationId), clientIdPrefix), timeoutMs, 'publishRecords connect');
  try {
    await withTimeout(work(clients), timeoutMs, `publishRecords (${resolved.length} items)`);
  } catch (error) {
    await closeClients(clients, true);
    throw error;
  }
  await closeClients(clients, false);
}

export interface PublishBulkOptions {
  /** Maximum QoS-1 publishes awaiting PUBACK, over all stations. Default 100. */
  readonly inflight?: number;
  /** Pace to this many records per second overall (records are sent in array order); absent = as fast as possible. */
  readonly ratePerS?: number;
  readonly clientIdPrefix?: string;
  /** Whole call. Default: 60 s plus the paced duration. */
  readonly timeoutMs?: number;
}

export interface PublishBulkResult {
  /** `${stationId}#${recordId}` → epoch ms when the record was handed to the client (after waiting for a slot). */
  readonly publishedAtMs: Map<string, number>;
  /** `${stationId}#${recordId}` → epoch ms when its PUBACK arrived. */
  readonly ackedAtMs: Map<string, number>;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

export function bulkKey(record: Pick<WimRecordV1, 'stationId' | 'recordId'>): string {
  return `${record.stationId}#${record.recordId}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Publishes many records quickly: one client per station, QoS 1, at most `inflight` unacknowledged publishes, and
 * optionally paced on an absolute schedule (record i is due at start + i / ratePerS, so timer jitter does not
 * accumulate). Rejects on the first failed publish. A duplicate key keeps the time of its last publish.
 */
export async function publishBulk(
  mqttUrl: string,
  records: readonly WimRecordV1[],
  opts: PublishBulkOptions = {},
): Promise<PublishBulkResult> {
  const { inflight = 100, ratePerS, clientIdPrefix = '' } = opts;
  if (!Number.isInteger(inflight) || inflight < 1) throw new RangeError('inflight must be a positive integer');
  if (ratePerS !== undefined && !(ratePerS > 0)) throw new RangeError('ratePerS must be > 0');
  const timeoutMs = opts.timeoutMs ?? 60_000 + (ratePerS === undefined ? 0 : (records.length / ratePerS) * 1000);

  const publishedAtMs = new Map<string, number>();
  const ackedAtMs = new Map<string, number>();
  const startedAtMs = Date.now();
  if (records.length === 0) return { publishedAtMs, ackedAtMs, startedAtMs, finishedAtMs: startedAtMs };

  const clients = await withTimeout(
    connectClients(mqttUrl, records.map((record) => record.stationId), clientIdPrefix),
    timeoutMs,
    'publishBulk connect',
  );

  const work = async (): Promise<void> => {
    let outstanding = 0;
    let firstError: unknown;
    let wake: (() => void) | undefined;
    const pending = new Set<Promise<void>>();
    const scheduleStart = performance.now();

    for (let i = 0; i < records.length; i += 1) {
      const record = records[i] as WimRecordV1;
      if (ratePerS !== undefined) {
        const waitMs = scheduleStart + (i * 1000) / ratePerS - performance.now();
        // setTimeout cannot do sub-millisecond waits; records due within 1 ms go out together.
        if (waitMs >= 1) await sleep(waitMs);
      }
      while (outstanding >= inflight && firstError === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (firstError !== undefined) break;

      const key = bulkKey(record);
      const client = clients.get(record.stationId) as MqttClient;
      outstanding += 1;
      publishedAtMs.set(key, Date.now());
      const publish = client.publishAsync(topics.wimRecords(record.stationId), JSON.stringify(record), { qos: 1, retain: false }).then(
        () => {
          ackedAtMs.set(key, Date.now());
        },
        (error: unknown) => {
          firstError ??= error;
        },
      );
      pending.add(publish);
      void publish.finally(() => {
        pending.delete(publish);
        outstanding -= 1;
        const resume = wake;
        wake = undefined;
        resume?.();
      });
    }
    await Promise.all([...pending]);
    if (firstError !== undefined) throw firstError;
  };

  try {
    await withTimeout(work(), timeoutMs, `publishBulk (${records.length} records)`);
  } catch (error) {
    await closeClients(clients, true);
    throw error;
  }
  await closeClients(clients, false);
  return { publishedAtMs, ackedAtMs, startedAtMs, finishedAtMs: Date.now() };
}
