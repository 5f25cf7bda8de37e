/**
 * An embedded aedes broker on a random port that records every message it routes and the clients connected, for
 * tests of device-side MQTT code (the simulators). Real sockets, nothing mocked.
 */
import net from 'node:net';
import { Aedes, type Client } from 'aedes';

export interface SeenMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: boolean;
  /** The publishing client (for a last will, the client that died); null for the broker's own messages. */
  readonly clientId: string | null;
}

export interface RecordingBroker {
  readonly mqttUrl: string;
  /** Every message routed since the last `clear()`, `$SYS` excluded; the same array throughout. */
  readonly seen: SeenMessage[];
  /** Connected clients by id (a test can destroy one's socket to simulate a lost connection). */
  readonly connected: Map<string, Client>;
  clear(): void;
  close(): Promise<void>;
}

export async function startRecordingBroker(): Promise<RecordingBroker> {
  const broker = await Aedes.createBroker();
  const seen: SeenMessage[] = [];
  const connected = new Map<string, Client>();
  broker.on('publish', (packet, client) => {
    if (packet.topic.startsWith('$SYS')) return;
    seen.push({ topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain, clientId: client?.id ?? null });
  });
  broker.on('client', (client) => connected.set(client.id, client));
  broker.on('clientDisconnect', (client) => {
    if (connected.get(client.id) === client) connected.delete(client.id);
  });
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    mqttUrl: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    seen,
    connected,
    clear: () => {
      seen.length = 0;
    },
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until the condition holds; throws after the timeout. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
