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
