/**
 * Live fleet simulator: every vehicle is its own MQTT client (client id = device id = thing name) publishing its
 * terminal's reports on `fleet/{deviceId}/telemetry` as the simulated clock reaches them, until stopped.
 *
 * Time: a real-time `SimClock` starting at `startMs` (default: now) running `speedUp` times faster than the wall
 * clock. At speedUp 1 every `ts` is the wall time of the report (what the ingest expects). Above 1 the simulated
 * time runs ahead of the wall clock and the ingest will refuse reports more than its future skew (5 min) ahead of
 * its clock: use speed-ups with a broker you only watch, or start the clock in the past (`startMs`).
 *
 * Lifecycle (as the WIM simulator, devices/simulator/run.ts): `runFleetSimulator` resolves once every vehicle has
 * connected and announced itself `online` on `fleet/{deviceId}/status`, and rejects (closing what it opened) if any
 * cannot connect. `stop()` (idempotent), `durationS` or `signal` end it: outstanding PUBACKs are awaited (bounded),
 * `offline` (reason `shutdown`) is published and the clients disconnect cleanly, so no last will is sent. Lost
 * connections are retried every second; reports produced meanwhile are queued by mqtt.js and sent on reconnection.
 */
import { setMaxListeners } from 'node:events';
import { connectAsync, type MqttClient } from 'mqtt';
import type { TelemetryReportV1 } from '../../functions/contracts/telemetry.v1.ts';
import { CONNECT_TIMEOUT_MS, KEEPALIVE_S } from '../simulator/mqtt-common.ts';
import { Rng } from '../simulator/prng.ts';
import { toShanghaiIso } from '../simulator/time.ts';
import { SimClock } from './clock.ts';
import { defaultFleet, livePlan, routeFor } from './fleet.ts';
import { RoutePath } from './kinematics.ts';
import { type FleetStatusMessage, fleetStatusTopic, fleetTelemetryTopic, terminalClientOptions } from './publish.ts';
import { createVehicleTrack, type FleetVehicle, type TrackTruth, type VehicleTrack } from './vehicles.ts';

const STOP_DRAIN_TIMEOUT_MS = 5_000;
const RECONNECT_PERIOD_MS = 1_000;
export const DEFAULT_INCIDENT_RATE = 0.05;

export interface RunFleetOptions {
  readonly mqttUrl: string;
  /** Default: devices/fixtures/vehicles.csv if present, else DEFAULT_FLEET. */
  readonly vehicles?: readonly FleetVehicle[];
  /** Simulated ms per wall ms. Default 1 (real time). */
  readonly speedUp?: number;
  /** Default: derived from the clock; logged so a run can be replayed. */
  readonly seed?: number;
  /** Simulated start time. Default: the wall clock now. */
  readonly startMs?: number;
  /** Stop after this many wall seconds; absent or 0 = until stopped. */
  readonly durationS?: number;
  /** Chance that a drive leg of a supervised vehicle holds a speeding episode. Default 0.05. */
  readonly incidentRate?: number;
  /** Publish online/offline on fleet/{deviceId}/status and set the last will there. Default true. */
  readonly statusMessages?: boolean;
  readonly clientIdPrefix?: string;
  readonly keepaliveS?: number;
  readonly startTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Lifecycle lines (connected, reconnecting, stopped…). */
  readonly log?: (line: string) => void;
  /** Called for every report once the broker has acknowledged it. */
  readonly onReport?: (event: FleetReportEvent) => void;
  /** Terminals start their report timers up to this many simulated seconds apart (seeded). Default 29. */
  readonly staggerS?: number;
  /** The wall clock (tests). Default Date.now. */
  readonly wallNowMs?: () => number;
}

export interface FleetReportEvent {
  readonly deviceId: string;
  readonly report: TelemetryReportV1;
  readonly truth: TrackTruth;
  /** Running total over all vehicles, including this report. */
  readonly totalPublished: number;
}

export type FleetStopReason = 'duration' | 'signal' | 'stop';

export interface FleetSummary {
  readonly seed: number;
  readonly reason: FleetStopReason;
  readonly vehicles: number;
  readonly published: number;
  readonly failed: number;
  readonly byDevice: Readonly<Record<string, { readonly published: number; readonly failed: number }>>;
  /** Simulated time at start and at stop. */
  readonly simulatedFromMs: number;
  readonly simulatedToMs: number;
}

export interface FleetSimulatorHandle {
  readonly seed: number;
  readonly clock: SimClock;
  readonly published: number;
  readonly failed: number;
  readonly done: Promise<FleetSummary>;
  /** Stops (idempotent) and resolves with the summary. */
  stop(): Promise<FleetSummary>;
}

interface Runner {
  readonly vehicle: FleetVehicle;
  readonly client: MqttClient;
  readonly track: VehicleTrack;
  readonly inFlight: Set<Promise<void>>;
  loop: Promise<void> | undefined;
  published: number;
  failed: number;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function runFleetSimulator(options: RunFleetOptions): Promise<FleetSimulatorHandle> {
  const {
    mqttUrl,
    speedUp = 1,
    durationS = 0,
    incidentRate = DEFAULT_INCIDENT_RATE,
    statusMessages = true,
    clientIdPrefix = '',
    keepaliveS = KEEPALIVE_S,
    startTimeoutMs = CONNECT_TIMEOUT_MS,
    log = () => {},
    onReport,
    signal,
    wallNowMs = Date.now,
    staggerS = 29,
  } = options;
  const vehicles = options.vehicles ?? defaultFleet();
  if (vehicles.length === 0) throw new RangeError('no vehicles to simulate');
  if (!(speedUp > 0) || !Number.isFinite(speedUp)) throw new RangeError('speedUp must be > 0');
  if (!(durationS >= 0)) throw new RangeError('durationS must be ≥ 0');
  const seed = options.seed ?? wallNowMs() % 1_000_000_007;
  const clock = SimClock.realTime({ speedUp, wallNowMs, ...(options.startMs === undefined ? {} : { startMs: options.startMs }) });
  const simulatedFromMs = clock.nowMs();

  const settled = await Promise.allSettled(
    vehicles.map((vehicle) =>
      connectAsync(
        mqttUrl,
        {
          ...terminalClientOptions(vehicle.deviceId, { clientIdPrefix, will: statusMessages }),
          keepalive: keepaliveS,
          connectTimeout: startTimeoutMs,
          reconnectPeriod: RECONNECT_PERIOD_MS,
        },
        false,
      ),
    ),
  );
  const failures = settled.flatMap((result, i) => (result.status === 'rejected' ? [`${vehicles[i]?.deviceId}: ${String(result.reason)}`] : []));
  if (failures.length > 0) {
    await Promise.allSettled(settled.map((result) => (result.status === 'fulfilled' ? result.value.endAsync(true) : undefined)));
    const shown = failures.length === vehicles.length ? `${failures[0]} (all ${vehicles.length} vehicles)` : failures.join('; ');
    throw new Error(`fleet simulator could not connect to ${mqttUrl}: ${shown}`);
  }

  const runners: Runner[] = vehicles.map((vehicle, i) => {
    const result = settled[i];
    if (result?.status !== 'fulfilled') throw new Error('unreachable: connection result missing');
    const route = new RoutePath(routeFor(vehicle, seed));
    const placement = Rng.derive(seed, 'placement', vehicle.deviceId);
    return {
      vehicle,
      client: result.value,
      track: createVehicleTrack({
        vehicle,
        route,
        seed,
        // Stagger the terminals' timers so the fleet does not publish in the same millisecond.
        startMs: simulatedFromMs + placement.int(0, Math.max(0, Math.round(staggerS * 1000))),
        startDistanceKm: placement.range(0, route.lengthM / 1000),
        firstSeq: placement.int(0, 0xffff),
        socPct: placement.range(45, 95),
        plan: livePlan(vehicle, seed, { incidentRate }),
      }),
      inFlight: new Set(),
      loop: undefined,
      published: 0,
      failed: 0,
    };
  });

  let totalPublished = 0;
  let totalFailed = 0;
  let stopping = false;
  const halt = new AbortController();
  // Every vehicle's pending sleep listens to it.
  setMaxListeners(runners.length + 10, halt.signal);

  function publishStatus(runner: Runner, reason: 'connected' | 'shutdown'): Promise<void> {
    if (!statusMessages) return Promise.resolve();
    const message: FleetStatusMessage = {
      deviceId: runner.vehicle.deviceId,
      status: reason === 'connected' ? 'online' : 'offline',
      reason,
      at: toShanghaiIso(clock.nowMs()),
    };
    return runner.client.publishAsync(fleetStatusTopic(runner.vehicle.deviceId), JSON.stringify(message), { qos: 1, retain: false }).then(() => undefined);
  }

  async function driveLoop(runner: Runner): Promise<void> {
    const { deviceId } = runner.vehicle;
    while (!stopping) {
      const point = runner.track.next();
      if (point === undefined) return;
      try {
        await clock.sleepUntil(point.tsMs, halt.signal);
      } catch {
        return; // stopping
      }
      const pending = runner.client
        .publishAsync(fleetTelemetryTopic(deviceId), JSON.stringify(point.report), { qos: 1, retain: false })
        .then(
          () => {
            runner.published += 1;
            totalPublished += 1;
            try {
              onReport?.({ deviceId, report: point.report, truth: point.truth, totalPublished });
            } catch (error) {
              log(`[fleet] onReport threw: ${String(error)}`);
            }
          },
          (error: unknown) => {
            runner.failed += 1;
            totalFailed += 1;
            log(`[fleet] ${deviceId}: publish of seq ${point.report.seq} failed: ${String(error)}`);
          },
        );
      runner.inFlight.add(pending);
      void pending.finally(() => runner.inFlight.delete(pending));
    }
  }

  for (const runner of runners) {
    const { client, vehicle } = runner;
    client.on('error', (error) => log(`[fleet] ${vehicle.deviceId}: ${error.message}`));
    client.on('offline', () => {
      if (!stopping) log(`[fleet] ${vehicle.deviceId}: connection lost, reconnecting every ${RECONNECT_PERIOD_MS} ms`);
    });
    // Registered after the first CONNACK: fires on reconnections only.
    client.on('connect', () => {
      log(`[fleet] ${vehicle.deviceId}: reconnected`);
      publishStatus(runner, 'connected').catch((error: unknown) => log(`[fleet] ${vehicle.deviceId}: online status failed: ${String(error)}`));
    });
  }
  try {
    await withTimeout(Promise.all(runners.map((runner) => publishStatus(runner, 'connected'))), startTimeoutMs, 'online status');
  } catch (error) {
    await Promise.allSettled(runners.map((runner) => runner.client.endAsync(true)));
    throw new Error(
      `fleet simulator: ${String(error)} at ${mqttUrl}. If the broker enforces the vehicle IoT policy, it must allow ` +
        'publishing on fleet/{thing}/status, or run with statusMessages: false.',
    );
  }
  log(
    `[fleet] ${runners.length} vehicles online at ${mqttUrl}; seed=${seed}, speed-up ×${speedUp}, incident rate ${incidentRate}, ` +
      `simulated start ${toShanghaiIso(simulatedFromMs)}${durationS > 0 ? `, for ${durationS} s` : ''}`,
  );
  for (const runner of runners) runner.loop = driveLoop(runner);

  let resolveDone: (summary: FleetSummary) => void = () => {};
  const done = new Promise<FleetSummary>((resolve) => {
    resolveDone = resolve;
  });
  let stopPromise: Promise<FleetSummary> | undefined;
  let durationTimer: NodeJS.Timeout | undefined;

  async function stopRunner(runner: Runner): Promise<void> {
    const { client, vehicle } = runner;
    await runner.loop;
    try {
      if (client.connected) {
        await withTimeout(Promise.allSettled([...runner.inFlight]), STOP_DRAIN_TIMEOUT_MS, `${vehicle.deviceId} PUBACK drain`);
      } else if (runner.inFlight.size > 0) {
        log(`[fleet] ${vehicle.deviceId}: offline at stop, ${runner.inFlight.size} queued reports dropped`);
        runner.failed += runner.inFlight.size;
        totalFailed += runner.inFlight.size;
      }
      if (client.connected) await withTimeout(publishStatus(runner, 'shutdown'), STOP_DRAIN_TIMEOUT_MS, `${vehicle.deviceId} offline status`);
      await withTimeout(client.endAsync(), STOP_DRAIN_TIMEOUT_MS, `${vehicle.deviceId} disconnect`);
    } catch (error) {
      log(`[fleet] ${vehicle.deviceId}: ${String(error)}; closing the connection`);
      await client.endAsync(true).catch(() => undefined);
    }
  }

  function stop(reason: FleetStopReason): Promise<FleetSummary> {
    if (stopPromise !== undefined) return stopPromise;
    stopping = true;
    halt.abort();
    if (durationTimer !== undefined) clearTimeout(durationTimer);
    signal?.removeEventListener('abort', onAbort);
    stopPromise = (async () => {
      await Promise.all(runners.map(stopRunner));
      const byDevice: Record<string, { published: number; failed: number }> = {};
      for (const runner of runners) byDevice[runner.vehicle.deviceId] = { published: runner.published, failed: runner.failed };
      const summary: FleetSummary = {
        seed,
        reason,
        vehicles: runners.length,
        published: totalPublished,
        failed: totalFailed,
        byDevice,
        simulatedFromMs,
        simulatedToMs: clock.nowMs(),
      };
      log(`[fleet] stopped (${reason}): ${summary.published} reports published, ${summary.failed} failed`);
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
    clock,
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
