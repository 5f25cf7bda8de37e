/**
 * What the IoT topic rule `qiongjian_wim_records_ingest` writes into the stream for every message
 * (see `infra/topology.ts`): the untouched payload, base64-encoded, with the topic and the broker's receive time.
 */
import * as z from 'zod';

export const ingestEnvelope = z.object({
  payloadBase64: z.string(),
  topic: z.string().min(1),
  topicStationId: z.string().min(1),
  receivedAtMs: z.number().int().nonnegative(),
  /** `n/a` for messages published over HTTP (the IoT data plane API). */
  clientId: z.string().optional(),
});

export type IngestEnvelope = z.infer<typeof ingestEnvelope>;

/**
 * The same envelope from the fleet rules (`qiongjian_fleet_telemetry_ingest`, `qiongjian_fleet_presence`): the device
 * id comes from the topic (`fleet/{deviceId}/telemetry`, or `$aws/events/presence/{event}/{clientId}`).
 */
export const fleetEnvelope = z.object({
  payloadBase64: z.string(),
  topic: z.string().min(1),
  topicDeviceId: z.string().min(1),
  receivedAtMs: z.number().int().nonnegative(),
  clientId: z.string().optional(),
});

export type FleetEnvelope = z.infer<typeof fleetEnvelope>;
