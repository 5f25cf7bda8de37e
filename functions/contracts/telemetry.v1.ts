/**
 * Wire contract v1 of vehicle telemetry on `fleet/{deviceId}/telemetry` (QoS 1), modelled on the JT/T 808 0x0200
 * location report, and its batch form for data buffered in a dead zone (JT/T 808 0x0704). Public API: change only
 * compatibly. Documented with examples in docs/contracts.md.
 */
import * as z from 'zod';
import { isoDateTimeWithOffset } from './wim-record.v1.ts';

/** AWS IoT thing names cannot hold Chinese characters: the device id is ASCII; the plate lives in the registry. */
export const deviceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'deviceId must be an AWS IoT thing name (ASCII letters, digits, _ and -)');

const reportFields = {
  /** Per-device counter, like JT/T 808's message serial (a WORD: it wraps at 65 535). */
  seq: z.number().int().min(0).max(0xffff_ffff),
  /** Event time: when the terminal took the fix. */
  ts: isoDateTimeWithOffset,
  /** WGS-84 degrees. */
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  speedKmh: z.number().min(0).max(250),
  headingDeg: z.number().min(0).max(360),
  odometerKm: z.number().min(0).optional(),
  ignition: z.boolean().optional(),
  /** The JT/T 808 0x0200 alarm bit field (DWORD). */
  alarmFlags: z.number().int().min(0).max(0xffff_ffff).optional(),
  /** Driver identity (IC card / licence number) when the terminal knows it. */
  driverId: z.string().min(1).max(64).optional(),
  /** State of charge, new-energy vehicles. */
  socPct: z.number().min(0).max(100).optional(),
  /** Cumulative energy drawn from the battery, kWh (new-energy vehicles). */
  energyKWh: z.number().min(0).optional(),
  /** Cumulative fuel used, litres. */
  fuelL: z.number().min(0).optional(),
  /** Taxi meter: carrying passengers. */
  occupied: z.boolean().optional(),
};

/** One report inside a batch; `deviceId` may be repeated but must then match. */
export const batchedReportV1 = z.object({ deviceId: deviceId.optional(), ...reportFields });

/** The single-report form. */
export const telemetryReportV1 = z.object({ schemaVersion: z.literal(1).optional(), deviceId, ...reportFields });

/** The batch form (0x0704): reports buffered in a dead zone, sent together. */
export const telemetryBatchV1 = z.object({
  schemaVersion: z.literal(1).optional(),
  deviceId,
  reports: z.array(batchedReportV1).min(1).max(1000),
});

/** Either form, as published on the topic. */
export const telemetryMessageV1 = z.union([telemetryBatchV1, telemetryReportV1]);

export type TelemetryReportV1 = z.infer<typeof telemetryReportV1>;
export type TelemetryBatchV1 = z.infer<typeof telemetryBatchV1>;
export type TelemetryMessageV1 = z.infer<typeof telemetryMessageV1>;
