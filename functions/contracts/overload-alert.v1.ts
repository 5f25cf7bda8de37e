/**
 * Wire contract v1 of an overload alert, published on `alerts/overload/{stationId}` (QoS 1) for enforcement officers.
 * Public API: change only compatibly. `alertId` is deterministic — the same record always yields the same id — so
 * a subscriber that sees an id twice (possible only if the publisher crashed between publishing and recording it)
 * can drop the repeat.
 */
import * as z from 'zod';
import { isoDateTimeWithOffset, wimRecordV1 } from './wim-record.v1.ts';

const band = z.enum(['none', '0-10', '10-20', '20-50', '50-100', '100+']);

export const overloadAlertV1 = z.object({
  schema: z.literal('qiongjian.overload-alert'),
  schemaVersion: z.literal(1),
  alertId: z.string().min(1),
  stationId: z.string(),
  stationName: z.string().optional(),
  recordId: z.string(),
  lane: z.number().int(),
  /** Normalised plate, e.g. 琼A12345; `unknown` when the station read no plate. */
  plate: z.string(),
  plateColor: z.string().optional(),
  measuredAt: isoDateTimeWithOffset,
  grossWeightKg: z.number(),
  limitKg: z.number(),
  overLimitKg: z.number(),
  /** 0.122 = 12.2 % over the limit. */
  overLimitRatio: z.number(),
  band,
  hundredTonne: z.boolean(),
  enforceable: z.boolean(),
  dimensionViolations: z.array(
    z.object({
      dimension: z.enum(['height', 'width', 'length']),
      measuredM: z.number(),
      limitM: z.number(),
      overM: z.number(),
      source: z.string(),
      fineRangeYuan: z.tuple([z.number(), z.number()]),
    }),
  ),
  fineEstimateYuan: z.number(),
  fineWarningOnly: z.boolean(),
  fineBasis: z.string(),
  limitBasis: z.object({
    ruleId: z.string(),
    description: z.string(),
    source: z.string(),
    assumptions: z.array(z.string()),
  }),
  evidence: z.object({
    record: wimRecordV1,
    tolerance: z.object({
      toleranceKg: z.number(),
      ratio: z.number(),
      accuracyClass: z.string(),
      source: z.string(),
    }),
    axleFindings: z.array(
      z.object({
        kind: z.string(),
        axleIndexes: z.array(z.number()),
        loadKg: z.number(),
        limitKg: z.number(),
        overKg: z.number(),
        ruleId: z.string(),
        source: z.string(),
      }),
    ),
    receivedAt: isoDateTimeWithOffset,
  }),
  /** When Qiongjian raised the alert (the first time). */
  raisedAt: isoDateTimeWithOffset,
});

export type OverloadAlertV1 = z.infer<typeof overloadAlertV1>;
