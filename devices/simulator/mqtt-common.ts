/**
 * MQTT settings shared by the live simulator and the scripted publishers, chosen to match what AWS IoT Core accepts
 * from a WIM station (domain notes: local-runtime-notes §2.3): MQTT 3.1.1 (aedes does not speak MQTT 5), clean
 * session, QoS 0/1 only, keep-alive ≥ 30 s (IoT Core raises smaller values to 30 s anyway).
 */
import type { IClientOptions } from 'mqtt';
import { topics } from '../../infra/topology.ts';

export const KEEPALIVE_S = 30;
export const CONNECT_TIMEOUT_MS = 10_000;

/** Devices report their own liveness here; not part of the WIM record contract and not forwarded by the ingest rule. */
export function stationStatusTopic(stationId: string): string {
  return topics.wimStatus(stationId);
}

export type StationStatus = 'online' | 'offline';

/**
 * Payload on `wim/{stationId}/status` (QoS 1, not retained: retained wills need `iot:RetainPublish` in AWS and are
 * dropped by an aedes race locally).
 */
export interface StationStatusMessage {
  readonly stationId: string;
  readonly status: StationStatus;
  /** `connected` and `shutdown` are sent by the station; `connection-lost` is its last will, sent by the broker. */
  readonly reason: 'connected' | 'shutdown' | 'connection-lost';
  /** Station clock, ISO 8601 with +08:00; absent in the last will, which is composed at connect time. */
  readonly at?: string;
}

export function baseClientOptions(clientId: string): IClientOptions {
  return {
    clientId,
    clean: true,
    keepalive: KEEPALIVE_S,
    protocolVersion: 4,
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

/** The MQTT client id is the thing name: the IoT policy ties a station's topics to it. */
export function clientIdFor(stationId: string, prefix = ''): string {
  return `${prefix}${stationId}`;
}
