/**
 * A message Qiongjian could not accept, kept with the reason so that an operator can inspect it and, once the cause
 * is fixed, replay it onto its original topic (`npm run dlq -- replay …`).
 */
import { createHash } from 'node:crypto';

export type DeadLetterSource =
  /** The handler rejected the record (not JSON, schema, implausible values, station mismatch). */
  | 'wim-ingest'
  /** The fleet handler rejected a telemetry or presence message. */
  | 'fleet-ingest'
  /** The IoT rule's action failed (cloud: the rule's SQS error action; local: the rules engine). */
  | 'iot-rule-error'
  /** The stream's event source mapping gave up on a batch after its retries (the on-failure destination). */
  | 'stream-on-failure';

export type DeadLetterReason =
  | 'envelope-invalid'
  | 'not-json'
  | 'schema-invalid'
  | 'station-mismatch'
  | 'device-mismatch'
  | 'implausible'
  | 'duplicate-conflict'
  | 'rule-action-failed'
  | 'retries-exhausted';

export interface DeadLetter {
  readonly deadLetterId: string;
  readonly source: DeadLetterSource;
  readonly reason: DeadLetterReason;
  /** Human-readable findings, one per problem, with the numbers involved. */
  readonly details: readonly string[];
  readonly topic?: string;
  readonly stationId?: string;
  /** For fleet messages: the device id of the topic. */
  readonly deviceId?: string;
  /** The original payload, byte for byte. */
  readonly payloadBase64?: string;
  readonly receivedAtMs: number;
  readonly deadLetteredAtMs: number;
  readonly streamSequenceNumber?: string;
}

/** Same topic and bytes → same id, so a redelivered bad message is stored once. */
export function deadLetterIdFor(topic: string | undefined, payloadBase64: string | undefined): string {
  return createHash('sha256')
    .update(topic ?? '')
    .update('\n')
    .update(payloadBase64 ?? '')
    .digest('hex')
    .slice(0, 32);
}
