/**
 * AWS IoT lifecycle events (`$aws/events/presence/{connected|disconnected}/{clientId}`). AWS documents that they can
 * arrive late, twice or out of order, and that connect and disconnect of one connection share a `versionNumber`
 * which grows per connection. So an event changes the connection state only if it is newer: a higher version, or the
 * disconnect of the same version, or — since the version resets after about an hour offline — a timestamp more than
 * an hour later. A disconnect is only a suspicion: the sweep confirms it after a re-check.
 * Event doc: https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html
 */
import * as z from 'zod';
import type { ConnectionState, VehicleStateItem } from './ports.ts';

const presencePayload = z.object({
  clientId: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
  eventType: z.enum(['connected', 'disconnected']),
  versionNumber: z.number().int().nonnegative(),
  disconnectReason: z.string().optional(),
  clientInitiatedDisconnect: z.boolean().optional(),
  ipAddress: z.string().optional(),
});

export interface PresenceEvent {
  readonly clientId: string;
  readonly timestampMs: number;
  readonly eventType: 'connected' | 'disconnected';
  readonly versionNumber: number;
  readonly disconnectReason?: string;
  readonly ipAddress?: string;
}

export function parsePresenceEvent(payload: unknown, topicClientId: string): { ok: true; event: PresenceEvent } | { ok: false; errors: string[] } {
  const parsed = presencePayload.safeParse(payload);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`) };
  const p = parsed.data;
  if (p.clientId !== topicClientId) return { ok: false, errors: [`clientId ${p.clientId} does not match the topic's ${topicClientId}`] };
  return {
    ok: true,
    event: {
      clientId: p.clientId,
      timestampMs: p.timestamp,
      eventType: p.eventType,
      versionNumber: p.versionNumber,
      ...(p.disconnectReason ? { disconnectReason: p.disconnectReason } : {}),
      ...(p.ipAddress ? { ipAddress: p.ipAddress } : {}),
    },
  };
}

const versionResetMs = 3_600_000;

export function isNewer(event: PresenceEvent, current: ConnectionState | undefined): boolean {
  if (!current) return true;
  if (event.timestampMs > current.atMs + versionResetMs) return true;
  if (event.versionNumber !== current.versionNumber) return event.versionNumber > current.versionNumber;
  return event.eventType === 'disconnected' && current.connected;
}

export function applyPresence(state: VehicleStateItem, event: PresenceEvent): VehicleStateItem {
  if (!isNewer(event, state.connection)) return state;
  const connection: ConnectionState = {
    connected: event.eventType === 'connected',
    atMs: event.timestampMs,
    versionNumber: event.versionNumber,
    ...(event.disconnectReason ? { disconnectReason: event.disconnectReason } : {}),
  };
  return { ...state, connection };
}
