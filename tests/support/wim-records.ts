/**
 * Readable builders for WIM records and for the stream records the topic rule produces from them.
 */
import type { WimRecordV1 } from '../../functions/contracts/wim-record.v1.ts';
import type { StreamRecordIn } from '../../functions/wim/ingest-service.ts';

/** A 6-axle combination (1+2+3) with the given gross weight, axle weights summing exactly to it. */
export function sixAxleRecord(overrides: Partial<WimRecordV1> & { grossWeightKg?: number } = {}): WimRecordV1 {
  const gross = overrides.grossWeightKg ?? 40_000;
  const shares = [0.14, 0.17, 0.17, 0.173, 0.173, 0.174];
  const weights = shares.map((s) => Math.round((gross * s) / 10) * 10);
  weights[5] = gross - weights.slice(0, 5).reduce((a, b) => a + b, 0);
  const spacings = [undefined, 3.2, 1.35, 6.5, 1.31, 1.31];
  return {
    recordId: 'r-1',
    stationId: 'hn-g98-test',
    lane: 1,
    measuredAt: '2026-11-29T10:15:00+08:00',
    speedKmh: 72,
    grossWeightKg: gross,
    axles: weights.map((weightKg, i) => (spacings[i] === undefined ? { weightKg } : { weightKg, spacingM: spacings[i] })),
    vehicle: { plate: '琼A·12345', plateColor: 'yellow', kind: 'combination' },
    ...overrides,
  };
}

export interface EnvelopeOptions {
  topic?: string;
  receivedAtMs?: number;
  clientId?: string;
}

/** What the IoT rule writes into the stream for a payload published on a topic. */
export function streamRecord(id: string, payload: string | Buffer | object, options: EnvelopeOptions & { stationId?: string } = {}): StreamRecordIn {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  const stationId = options.stationId ?? (typeof payload === 'object' && !Buffer.isBuffer(payload) ? String((payload as { stationId?: unknown }).stationId) : 'hn-g98-test');
  const topic = options.topic ?? `wim/${stationId}/records`;
  const envelope = {
    payloadBase64: bytes.toString('base64'),
    topic,
    topicStationId: topic.split('/')[1] ?? '',
    receivedAtMs: options.receivedAtMs ?? Date.parse('2026-11-29T10:15:01+08:00'),
    clientId: options.clientId ?? stationId,
  };
  return { id, dataBase64: Buffer.from(JSON.stringify(envelope)).toString('base64') };
}
