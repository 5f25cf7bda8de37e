/**
 * Publishing scenario messages over MQTT, the way vehicle terminals do: one mqtt.js client per device (client id =
 * device id = thing name), MQTT 3.1.1, clean session, QoS 1, a last will `offline` on `fleet/{deviceId}/status`
 * (QoS 1, not retained). Messages go out in the scenario's order, each awaited (PUBACK) before the next, so the broker
 * sees exactly that order even across devices; a duplicate is simply the same message twice.
 *
 * Like the WIM scripted publisher (devices/simulator/scripted.ts) these clients do not reconnect: a broker that drops
 * a client (an IoT policy refusing a topic) fails the call instead of making mqtt.js resend forever. They send no
 * `online` message either, so a test sees the scenario's messages and nothing else; they disconnect cleanly at the
 * end (no last will) unless `keepConnected` is set.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { topics } from '../../infra/topology.ts';
import { baseClientOptions, clientIdFor } from '../simulator/mqtt-common.ts';
import { SimClock } from './clock.ts';
import { encodePayload, type Scenario, type ScenarioMessage } from './scenarios.ts';

const DEFAULT_TIMEOUT_MS = 30_000;

export type FleetStatus = 'online' | 'offline';

/** Payload on `fleet/{deviceId}/status` (QoS 1, not retained), like the WIM station status. */
export interface FleetStatusMessage {
  readonly deviceId: string;
  readonly status: FleetStatus;
  /** `connected` and `shutdown` are sent by the terminal; `connection-lost` is its last will, sent by the broker. */
  readonly reason: 'connected' | 'shutdown' | 'connection-lost';
  /** Terminal clock, ISO 8601 +08:00; absent in the last will (composed at connect time). */
  readonly at?: string;
}

export function fleetStatusTopic(deviceId: string): string {
  return topics.fleetStatus(deviceId);
}

export function fleetTelemetryTopic(deviceId: string): string {
  return topics.fleetTelemetry(deviceId);
}

/** Connection options of a vehicle terminal; `will: false` leaves the last will out. */
export function terminalClientOptions(deviceId: string, opts: { clientIdPrefix?: string; will?: boolean } = {}): IClientOptions {
  const { clientIdPrefix = '', will = true } = opts;
  const lastWill: FleetStatusMessage = { deviceId, status: 'offline', reason: 'connection-lost' };
  return {
    ...baseClientOptions(clientIdFor(deviceId, clientIdPrefix)),
    ...(will ? { will: { topic: fleetStatusTopic(deviceId), payload: Buffer.from(JSON.stringify(lastWill)), qos: 1, retain: false } } : {}),
  };
}

export interface PublishScenarioOptions {
  /** Prepended to the device id to form the client id (default none: client id = thing name). */
  readonly clientIdPrefix?: string;
  /** Set the last will on fleet/{deviceId}/status. Default true. */
  readonly will?: boolean;
  /** Whole call, connections included. Default 30 s, plus the paced duration when `speedUp` is set. */
  readonly timeoutMs?: number;
  /**
   * Pace the messages by their `sentAtMs` at this speed-up (1 = real time, 600 = ten simulated minutes per wall
   * second), starting with the first message at once. Absent: as fast as the PUBACKs come back.
   */
  readonly speedUp?: number;
  /** Called after each PUBACK with the message and its index. */
  readonly onPublished?: (message: ScenarioMessage, index: number) => void;
  /**
   * Leave the clients connected after the last message (e.g. a silent terminal that keeps its connection); the
   * caller must then call `close()`. Default false: disconnect cleanly before resolving.
   */
  readonly keepConnected?: boolean;
}

export interface PublishScenarioResult {
  readonly published: number;
  /** Disconnects the clients still open (no last will); idempotent. */
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function closeClients(clients: Map<string, MqttClient>, force: boolean): Promise<void> {
  await Promise.allSettled([...clients.values()].map((client) => client.endAsync(force)));
  clients.clear();
}

/** One connection per device, opened in parallel; on failure everything opened is closed. */
async function connectTerminals(
  mqttUrl: string,
  deviceIds: Iterable<string>,
  opts: { clientIdPrefix: string; will: boolean },
): Promise<Map<string, MqttClient>> {
  const ids = [...new Set(deviceIds)];
  const settled = await Promise.allSettled(
    ids.map((deviceId) => connectAsync(mqttUrl, { ...terminalClientOptions(deviceId, opts), reconnectPeriod: 0 }, false)),
  );
  const clients = new Map<string, MqttClient>();
  const errors: string[] = [];
  settled.forEach((result, i) => {
    const deviceId = ids[i] as string;
    if (result.status === 'fulfilled') {
      clients.set(deviceId, result.value);
      // An unhandled 'error' event would crash the process; failures surface through the publish promises.
      result.value.on('error', () => {});
    } else errors.push(`${deviceId}: ${String(result.reason)}`);
  });
  if (errors.length > 0) {
    await closeClients(clients, true);
    throw new Error(`could not connect to ${mqttUrl}: ${errors.join('; ')}`);
  }
  return clients;
}

/** Publishes a scenario's messages (or any list of them) in order at QoS 1, awaiting every PUBACK. */
export async function publishScenario(
  mqttUrl: string,
  scenario: Scenario | readonly ScenarioMessage[],
  opts: PublishScenarioOptions = {},
): Promise<PublishScenarioResult> {
  const messages: readonly ScenarioMessage[] = 'messages' in scenario ? scenario.messages : scenario;
  const { clientIdPrefix = '', will = true, speedUp, onPublished, keepConnected = false } = opts;
  if (speedUp !== undefined && !(speedUp > 0)) throw new RangeError('speedUp must be > 0');
  const firstSentMs = messages[0]?.sentAtMs ?? 0;
  const spanMs = messages.reduce((max, message) => Math.max(max, message.sentAtMs), firstSentMs) - firstSentMs;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS + (speedUp === undefined ? 0 : spanMs / speedUp);
  const clients = new Map<string, MqttClient>();
  const close = () => closeClients(clients, false);
  if (messages.length === 0) return { published: 0, close };

  const connected = await withTimeout(
    connectTerminals(mqttUrl, messages.map((message) => message.clientId), { clientIdPrefix, will }),
    timeoutMs,
    'publishScenario connect',
  );
  for (const [id, client] of connected) clients.set(id, client);

  let published = 0;
  const work = async () => {
    const clock = speedUp === undefined ? undefined : SimClock.realTime({ startMs: firstSentMs, speedUp });
    for (const [index, message] of messages.entries()) {
      if (clock !== undefined) await clock.sleepUntil(message.sentAtMs);
      const client = clients.get(message.clientId) as MqttClient;
      await client.publishAsync(message.topic, encodePayload(message), { qos: 1, retain: false });
      published += 1;
      onPublished?.(message, index);
    }
  };
  try {
    await withTimeout(work(), timeoutMs, `publishScenario (${messages.length} messages)`);
  } catch (error) {
    await closeClients(clients, true);
    throw error;
  }
  if (!keepConnected) await close();
  return { published, close };
}
