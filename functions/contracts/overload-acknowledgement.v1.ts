/**
 * Wire contract v1 of an overload alert's acknowledgement: the body of
 * `POST /overload/alerts/{alertId}/acknowledgement`, the `acknowledgement` the API returns with an alert, and the
 * message announcing it on `alerts/overload/{stationId}/acknowledgement` (QoS 1) to every console watching.
 * Public API: change only compatibly. Who and when are not in the request: the server takes them from the caller's
 * token and its own clock, so an officer cannot acknowledge in someone else's name or backdate it.
 */
import * as z from 'zod';

/** What the officer found. `referred`: handed on (e.g. to the next station or 路政); `other` needs a note to be useful. */
export const acknowledgementOutcomes = ['intercepted', 'not-found', 'false-reading', 'permit-verified', 'referred', 'other'] as const;
export type AcknowledgementOutcome = (typeof acknowledgementOutcomes)[number];

export const maxAcknowledgementNoteChars = 500;

export const overloadAcknowledgementRequestV1 = z.object({
  schemaVersion: z.literal(1).optional(),
  outcome: z.enum(acknowledgementOutcomes),
  note: z.string().trim().min(1).max(maxAcknowledgementNoteChars).optional(),
});

export type OverloadAcknowledgementRequestV1 = z.infer<typeof overloadAcknowledgementRequestV1>;

/** As stored on the alert and returned by the API. */
export const overloadAcknowledgementV1 = z.object({
  /** The caller's stable id (`sub`). */
  byId: z.string().min(1),
  byName: z.string().min(1),
  /** Server time, ISO 8601 UTC. */
  atUtc: z.iso.datetime(),
  outcome: z.enum(acknowledgementOutcomes),
  note: z.string().max(maxAcknowledgementNoteChars).optional(),
});

export type OverloadAcknowledgementV1 = z.infer<typeof overloadAcknowledgementV1>;

/**
 * Published on `alerts/overload/{stationId}/acknowledgement` after an acknowledgement is stored (and again when the
 * same acknowledgement is repeated, so that a retry repairs a lost announcement; consoles apply it idempotently).
 */
export const overloadAcknowledgementMessageV1 = z.object({
  schemaVersion: z.literal(1),
  alertId: z.string().min(1),
  stationId: z.string().min(1),
  status: z.literal('acknowledged'),
  acknowledgement: overloadAcknowledgementV1,
});

export type OverloadAcknowledgementMessageV1 = z.infer<typeof overloadAcknowledgementMessageV1>;
