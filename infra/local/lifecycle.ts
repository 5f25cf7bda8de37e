/**
 * Emulates AWS IoT lifecycle events on the embedded broker: `$aws/events/presence/connected/<clientId>` and
 * `…/disconnected/<clientId>`, with the payload AWS documents (clientId, timestamp, eventType, versionNumber,
 * disconnectReason, clientInitiatedDisconnect, ipAddress). Each event is handed to the rules engine (AWS runs topic
 * rules on them) and published on the broker for subscribers.
 * Event doc: https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html
 *
 * Reasons: CLIENT_INITIATED_DISCONNECT (DISCONNECT packet), MQTT_KEEP_ALIVE_TIMEOUT (no traffic for 1.5 × keep-alive),
 * CONNECTION_LOST otherwise (the spelling of the last is unverified against the live docs).
 */
import { randomUUID } from 'node:crypto';
import type { Aedes, Client } from 'aedes';

export type LifecycleSink = (topic: string, payload: Buffer) => void;

export function emulateLifecycleEvents(aedes: Aedes, sink: LifecycleSink, now: () => number = Date.now): () => void {
  const versions = new Map<string, number>();
  const sessions = new WeakMap<Client, string>();
  const timedOut = new WeakSet<Client>();
  // AWS: "Client IDs that contain # or + do not receive lifecycle events."
  const eligible = (client: Client) => typeof client.id === 'string' && !/[#+]/.test(client.id);

  const onKeepalive = (client: Client) => timedOut.add(client);
  const onReady = (client: Client) => {
    if (!eligible(client)) return;
    const versionNumber = (versions.get(client.id) ?? -1) + 1;
    versions.set(client.id, versionNumber);
    const sessionIdentifier = randomUUID();
    sessions.set(client, sessionIdentifier);
    const remote = (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress;
    emit('connected', client.id, {
      clientId: client.id,
      timestamp: now(),
      eventType: 'connected',
      sessionIdentifier,
      principalIdentifier: 'local',
      ...(remote ? { ipAddress: remote } : {}),
      versionNumber,
    });
  };
  const onDisconnect = (client: Client) => {
    if (!eligible(client)) return;
    const clientInitiated = (client as Client & { _disconnected?: boolean })._disconnected === true;
    const disconnectReason = clientInitiated ? 'CLIENT_INITIATED_DISCONNECT' : timedOut.has(client) ? 'MQTT_KEEP_ALIVE_TIMEOUT' : 'CONNECTION_LOST';
    emit('disconnected', client.id, {
      clientId: client.id,
      timestamp: now(),
      eventType: 'disconnected',
      sessionIdentifier: sessions.get(client) ?? randomUUID(),
      principalIdentifier: 'local',
      clientInitiatedDisconnect: clientInitiated,
      disconnectReason,
      versionNumber: versions.get(client.id) ?? 0,
    });
  };
  function emit(kind: 'connected' | 'disconnected', clientId: string, payload: object): void {
    sink(`$aws/events/presence/${kind}/${clientId}`, Buffer.from(JSON.stringify(payload)));
  }

  aedes.on('keepaliveTimeout', onKeepalive);
  aedes.on('clientReady', onReady);
  aedes.on('clientDisconnect', onDisconnect);
  return () => {
    aedes.removeListener('keepaliveTimeout', onKeepalive);
    aedes.removeListener('clientReady', onReady);
    aedes.removeListener('clientDisconnect', onDisconnect);
  };
}
