/**
 * Wire contract v1 of a supervision alert, published once per violation on
 * `alerts/supervision/{category}/{deviceId}` (QoS 1) for supervisors at the authority and at transport companies.
 * Public API: change only compatibly. `alertId` equals the violation id, which is deterministic: the same episode
 * always has the same id, so a subscriber can drop a repeat.
 */
import * as z from 'zod';
import { isoDateTimeWithOffset } from './wim-record.v1.ts';

export const violationTypes = [
  'speeding',
  'fatigue-continuous',
  'fatigue-night-continuous',
  'fatigue-daily',
  'night-coach',
  'hazmat-zone',
  'silent-terminal',
] as const;

export const evidenceReportV1 = z.object({
  seq: z.number().int(),
  ts: isoDateTimeWithOffset,
  lat: z.number(),
  lon: z.number(),
  speedKmh: z.number(),
  headingDeg: z.number(),
  odometerKm: z.number().optional(),
  driverId: z.string().optional(),
  alarmFlags: z.number().int().optional(),
});

export const supervisionAlertV1 = z.object({
  schema: z.literal('qiongjian.supervision-alert'),
  schemaVersion: z.literal(1),
  alertId: z.string().min(1),
  type: z.enum(violationTypes),
  startAt: isoDateTimeWithOffset,
  /** Absent when the condition was still going on when the violation was confirmed (fatigue, silent terminal). */
  endAt: isoDateTimeWithOffset.optional(),
  driverId: z.string().optional(),
  vehicle: z.object({
    deviceId: z.string(),
    plate: z.string(),
    plateColor: z.string(),
    category: z.string(),
    operator: z.string(),
    city: z.string(),
  }),
  /** Rule-specific figures with units in their names (peakSpeedKmh, limitKmh, band, continuousDrivingS, zoneId…). */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  basis: z.object({ ruleId: z.string(), source: z.string() }),
  evidence: z.array(evidenceReportV1),
  raisedAt: isoDateTimeWithOffset,
});

export type SupervisionAlertV1 = z.infer<typeof supervisionAlertV1>;
