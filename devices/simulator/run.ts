/**
 * Live simulator: every station is its own MQTT client (client id = station id = thing name) publishing one WIM
 * record per passing vehicle, in real time, until stopped.
 *
 * Lifecycle contract:
 * - `runSimulator` resolves once every station has connected and announced itself `online`; it rejects (and closes
 *   what it opened) if any station cannot connect, so a missing broker is reported at once instead of being retried
 *   silently. After that it publishes in the background.
 * - It stops when `durationS` elapses, when `signal` aborts, or when `stop()` is called (idempotent). Stopping waits
 *   for outstanding PUBACKs (bounded), publishes `offline` (reason `shutdown`) and disconnects cleanly, so the broker
 *   does not send the last will. `done` resolves with the summary at the same moment.
 * - After the first connection, lost connections are retried every second by mqtt.js; records produced meanwhile are
 *   queued in memory and sent on reconnect (a real station buffers too), and `online` is announced again.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { WimRecordV1 } from '../../functions/contracts/wim-record.v1.ts';
import { topics } from '../../infra/topology.ts';
import {
  baseClientOptions,
  CONNECT_TIMEOUT_MS,
  clientIdFor,
  KEEPALIVE_S,
  type StationStatusMessage,
  stationStatusTopic,
} from './mqtt-common.ts';
import { Rng } from './prng.ts';
import { STATIONS, type StationFixture } from './stations.ts';
import { msSinceShanghaiMidnight, toShanghaiIso } from './time.ts';
import { createTrafficGenerator, DEFAULT_OVER_LIMIT_SHARE, type RecordTruth, type TrafficGenerator } from './traffic.ts';

export const DEFAULT_RATE_PER_STATION_PER_S = 0.5;
/** Bound on waiting for PUBACKs and the goodbye message when stopping; a dead broker must not hang Ctrl-C. */
const STOP_DRAIN_TIMEOUT_MS = 5_000;
const RECONNECT_PERIOD_MS = 1_000;

export interface RunSimulatorOptions {
  readonly mqttUrl: string;
  /** Default: `devices/fixtures/stations.json`. */
  readonly stations?: readonly StationFixture[];
  /** Mean records per second per station (Poisson arrivals). Default 0.5. */
  readonly ratePerStationPerS?: number;
  /** Share of over-limit records, 0..1. Default 0.15. */
  readonly overLimitShare?: number;
  /** Default: derived from the clock; logged, so a run's vehicles can be replayed. */
  readonly seed?: number;
  /** Stop after this many seconds; absent or 0 = until stopped. */
  readonly durationS?: number;
  /** Lifecycle lines (connected, reconnecting, stopped…). Records are reported through `onRecord`. */
  readonly log?: (line: string) => void;
  /** Called for every record once the broker has acknowledged it (PUBACK). */
  readonly onRecord?: (event: PublishedRecordEvent) => void;
  readonly signal?: AbortSignal;
  /** Prepended to the station id to form the client id (default none: the client id is the thing name). */
  readonly clientIdPrefix?: string;
  /** Default 30 s (AWS IoT's minimum). Tests may lower it on aedes. */
  readonly keepaliveS?: number;
  /**
   * Publish `online`/`offline` on `wim/{stationId}/status` and set the last will there. Default true. Turn it off
   * where the station's IoT policy allows only `wim/{thing}/records`: an unauthorised publish closes the connection.
   */
  readonly statusMessages?: boolean;
  /** How long connecting and the first `online` acknowledgement may take before start-up fails. Default 10 s. */
  readonly startTimeoutMs?: number;
}

export interface PublishedRecordEvent {
  readonly stationId: string;
  readonly record: WimRecordV1;
  readonly truth: RecordTruth;
  /** Epoch ms when handed to the client and when the PUBACK arrived. */
  readonly publishedAtMs: number;
  readonly ackedAtMs: number;
  /** Running total over all stations, including this record. */
  readonly totalPublished: number;
}

export interface StationSummary {
  readonly published: number;
  readonly failed: number;
  /** Published records that are over their gross limit according to the generator. */
  readonly overLimit: number;
}

export type StopReason = 'duration' | 'signal' | 'stop';

export interface SimulatorSummary {
  readonly seed: number;
  readonly reason: StopReason;
  readonly startedAtMs: number;
  readonly stoppedAtMs: number;
  readonly published: number;
  readonly failed: number;
  readonly overLimit: number;
  readonly byStation: Readonly<Record<string, StationSummary>>;
}

export interface SimulatorHandle {
  readonly seed: number;
  /** Records acknowledged by the broker so far (live). */
  readonly published: number;
  readonly failed: number;
  /** Resolves when the simulator has stopped, for whatever reason. */
  readonly done: Promise<SimulatorSummary>;
  /** Stops (idempotent) and resolves with the summary. */
  stop(): Promise<SimulatorSummary>;
}

interface StationRunner {
  readonly station: StationFixture;
  readonly client: MqttClient;
  readonly generator: TrafficGenerator;
  readonly inFlight: Set<Promise<void>>;
  timer: NodeJS.Timeout | undefined;
  published: number;
  failed: number;
  overLimit: number;
}

function statusPayload(message: StationStatusMessage): string {
  return JSON.stringify(message);
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function connectStation(
  mqttUrl: string,
  station: StationFixture,
  clientIdPrefix: string,
  keepaliveS: number,
  statusMessages: boolean,
  connectTimeoutMs: number,
): Promise<MqttClient> {
  const options: IClientOptions = {
    ...baseClientOptions(clientIdFor(station.stationId, clientIdPrefix)),
    keepalive: keepaliveS,
    connectTimeout: connectTimeoutMs,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    ...(statusMessages
      ? {
          will: {
            topic: stationStatusTopic(station.stationId),
            payload: Buffer.from(statusPayload({ stationId: station.stationId, status: 'offline', reason: 'connection-lost' })),
            qos: 1,
            retain: false,
          },
        }
      : {}),
  };
  // allowRetries=false: the first connection must succeed, otherwise the caller learns it now.
  return connectAsync(mqttUrl, options, false);
}

export async function runSimulator(options: RunSimulatorOptions): Promise<SimulatorHandle> {
  const {
    mqttUrl,
    stations = STATIONS,
    ratePerStationPerS = DEFAULT_RATE_PER_STATION_PER_S,
    overLimitShare = DEFAULT_OVER_LIMIT_SHARE,
    durationS = 0,
    log = () => {},
    onRecord,
    signal,
    clientIdPrefix = '',
    keepaliveS = KEEPALIVE_S,
    statusMessages = true,
    startTimeoutMs = CONNECT_TIMEOUT_MS,
  } = options;
  const seed = options.seed ?? Date.now() % 1_000_000_007;
  if (!(ratePerStationPerS > 0) || !Number.isFinite(ratePerStationPerS)) throw new RangeError('ratePerStationPerS must be > 0');
  if (!(durationS >= 0)) throw new RangeError('durationS must be ≥ 0');
  if (stations.length === 0) throw new RangeError('no stations to simulate');

  const startedAtMs = Date.now();
  // A station's record counter restarts every local day; starting it at 100 × seconds since midnight means a
  // restarted simulator never reuses a recordId of an earlier run that day (as long as a station stays ≤ 100 records/s).
  const firstSequence = Math.floor(msSinceShanghaiMidnight(startedAtMs) / 10) + 1;
  const staggerRng = Rng.derive(seed, 'live-stagger');

  const settled = await Promise.allSettled(
    stations.map((station) => connectStation(mqttUrl, station, clientIdPrefix, keepaliveS, statusMessages, startTimeoutMs)),
  );
  const failures = new Map<string, string[]>();
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    // Group stations by error: a missing broker should read as one line, not eight.
    const reason = String(result.reason);
    failures.set(reason, [...(failures.get(reason) ?? []), stations[i]?.stationId ?? '?']);
  });
  if (failures.size > 0) {
    await Promise.allSettled(settled.map((result) => (result.status === 'fulfilled' ? result.value.endAsync(true) : undefined)));
    const details = [...failures].map(([reason, ids]) => `${reason} (${ids.length === stations.length ? 'all stations' : ids.join(', ')})`);
    throw new Error(`simulator could not connect to ${mqttUrl}: ${details.join('; ')}`);
  }

  let totalPublished = 0;
  let totalFailed = 0;
  let stopping = false;

  const runners: StationRunner[] = stations.map((station, i) => {
    const result = settled[i];
    if (result?.status !== 'fulfilled') throw new Error('unreachable: connection result missing');
    const meanHeadwayS = 1 / ratePerStationPerS;
    return {
      station,
      client: result.value,
      generator: createTrafficGenerator({
        seed,
        station,
        overLimitShare,
        meanHeadwayS,
        // Stagger the first vehicles so the stations do not all publish in the same millisecond.
        startTimeMs: startedAtMs + Math.round(staggerRng.exponential(meanHeadwayS * 1000)),
        firstSequence,
      }),
      inFlight: new Set<Promise<void>>(),
      timer: undefined,
      published: 0,
      failed: 0,
      overLimit: 0,
    };
  });

  function publishStatus(runner: StationRunner, reason: 'connected' | 'shutdown'): Promise<void> {
    if (!statusMessages) return Promise.resolve();
    const message: StationStatusMessage = {
      stationId: runner.station.stationId,
      status: reason === 'connected' ? 'online' : 'offline',
      reason,
      at: toShanghaiIso(Date.now()),
    };
    return runner.client
      .publishAsync(stationStatusTopic(runner.station.stationId), statusPayload(message), { qos: 1, retain: false })
      .then(() => undefined);
  }

  function publishNext(runner: StationRunner): void {
    const { record, truth } = runner.generator.nextGenerated(Date.now());
    const publishedAtMs = Date.now();
    const pending = runner.client
      .publishAsync(topics.wimRecords(runner.station.stationId), JSON.stringify(record), { qos: 1, retain: false })
      .then(
        () => {
          runner.published += 1;
          totalPublished += 1;
          if (truth.overLimit) runner.overLimit += 1;
          try {
            onRecord?.({
              stationId: runner.station.stationId,
              record,
              truth,
              publishedAtMs,
              ackedAtMs: Date.now(),
              totalPublished,
            });
          } catch (error) {
            // A faulty observer must not stop the stations (nor surface as an unhandled rejection).
            log(`[sim] onRecord threw: ${String(error)}`);
          }
        },
        (error: unknown) => {
          runner.failed += 1;
          totalFailed += 1;
          log(`[sim] ${runner.station.stationId}: publish of ${record.recordId} failed: ${String(error)}`);
        },
      );
    runner.inFlight.add(pending);
    void pending.finally(() => runner.inFlight.delete(pending));
  }

  function schedule(runner: StationRunner): void {
    if (stopping) return;
    const delayMs = Math.max(0, runner.generator.nextAtMs - Date.now());
    runner.timer = setTimeout(() => {
      runner.timer = undefined;
      if (stopping) return;
      publishNext(runner);
      schedule(runner);
    }, delayMs);
  }

  for (const runner of runners) {
    const { client, station } = runner;
    client.on('error', (error) => log(`[sim] ${station.stationId}: ${error.message}`));
    client.on('offline', () => {
      if (!stopping) log(`[sim] ${station.stationId}: connection lost, reconnecting every ${RECONNECT_PERIOD_MS} ms`);
    });
    // Registered after the first CONNACK, so this fires on reconnections only.
    client.on('connect', () => {
      log(`[sim] ${station.stationId}: reconnected`);
      publishStatus(runner, 'connected').catch((error: unknown) => log(`[sim] ${station.stationId}: online status failed: ${String(error)}`));
    });
  }
  try {
    await withTimeout(
      Promise.all(runners.map((runner) => publishStatus(runner, 'connected'))),
      startTimeoutMs,
      'online status',
    );
  } catch (error) {
    await Promise.allSettled(runners.map((runner) => runner.client.endAsync(true)));
    throw new Error(
      `simulator: ${String(error)} at ${mqttUrl}. If the broker enforces the station IoT policy, it must allow ` +
        `publishing on wim/{thing}/status, or run with statusMessages: false (SIM_STATUS=off).`,
    );
  }
  log(
    `[sim] ${runners.length} stations online at ${mqttUrl}; seed=${seed}, ${ratePerStationPerS} records/s per station, ` +
      `over-limit share ${overLimitShare}${durationS > 0 ? `, for ${durationS} s` : ''}`,
  );
  for (const runner of runners) schedule(runner);

  let resolveDone: (summary: SimulatorSummary) => void = () => {};
  const done = new Promise<SimulatorSummary>((resolve) => {
    resolveDone = resolve;
  });
  let stopPromise: Promise<SimulatorSummary> | undefined;
  let durationTimer: NodeJS.Timeout | undefined;

  async function stopRunner(runner: StationRunner): Promise<void> {
    if (runner.timer !== undefined) clearTimeout(runner.timer);
    runner.timer = undefined;
    const { client, station } = runner;
    try {
      // While disconnected nothing can be acknowledged; records still queued in memory are lost (and counted as such).
      if (client.connected) {
        await withTimeout(Promise.allSettled([...runner.inFlight]), STOP_DRAIN_TIMEOUT_MS, `${station.stationId} PUBACK drain`);
      } else if (runner.inFlight.size > 0) {
        log(`[sim] ${station.stationId}: offline at stop, ${runner.inFlight.size} queued records dropped`);
        runner.failed += runner.inFlight.size;
        totalFailed += runner.inFlight.size;
      }
      if (client.connected) await withTimeout(publishStatus(runner, 'shutdown'), STOP_DRAIN_TIMEOUT_MS, `${station.stationId} offline status`);
      await withTimeout(client.endAsync(), STOP_DRAIN_TIMEOUT_MS, `${station.stationId} disconnect`);
    } catch (error) {
      log(`[sim] ${station.stationId}: ${String(error)}; closing the connection`);
      await client.endAsync(true).catch(() => undefined);
    }
  }

  function stop(reason: StopReason): Promise<SimulatorSummary> {
    if (stopPromise !== undefined) return stopPromise;
    stopping = true;
    if (durationTimer !== undefined) clearTimeout(durationTimer);
    signal?.removeEventListener('abort', onAbort);
    stopPromise = (async () => {
      await Promise.all(runners.map(stopRunner));
      const byStation: Record<string, StationSummary> = {};
      for (const runner of runners) {
        byStation[runner.station.stationId] = { published: runner.published, failed: runner.failed, overLimit: runner.overLimit };
      }
      const summary: SimulatorSummary = {
        seed,
        reason,
        startedAtMs,
        stoppedAtMs: Date.now(),
        published: totalPublished,
        failed: totalFailed,
        overLimit: runners.reduce((sum, runner) => sum + runner.overLimit, 0),
        byStation,
      };
      log(`[sim] stopped (${reason}): ${summary.published} records published, ${summary.failed} failed`);
      resolveDone(summary);
      return summary;
    })();
    return stopPromise;
  }

  function onAbort(): void {
    void stop('signal');
  }

  if (signal?.aborted === true) void stop('signal');
  else signal?.addEventListener('abort', onAbort, { once: true });
  if (durationS > 0 && !stopping) durationTimer = setTimeout(() => void stop('duration'), durationS * 1000);

  return {
    seed,
    get published() {
      return totalPublished;
    },
    get failed() {
      return totalFailed;
    },
    done,
    stop: () => stop('stop'),
  };
}
