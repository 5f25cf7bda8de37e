/**
 * Wire contract v1 of a weigh-in-motion record, published by a station on `wim/{stationId}/records` (QoS 1).
 * Public API: change only compatibly (new optional fields). Documented with examples in docs/contracts.md.
 *
 * This schema checks the shape and the units; whether the values are physically plausible (axle count, sums,
 * clock skew) is judged by the domain (`functions/domain/overload/plausibility.ts`), whose thresholds are configured.
 */
import * as z from 'zod';

/** ISO 8601 date-time that carries an explicit offset (`Z` or `±hh:mm`): a local time without zone is ambiguous. */
export const isoDateTimeWithOffset = z.iso.datetime({ offset: true, local: false });

export const wimAxleV1 = z.object({
  weightKg: z.number().finite(),
  /** Distance from the previous axle in metres; absent on the first axle. */
  spacingM: z.number().finite().positive().optional(),
});

export const plateColors = ['blue', 'yellow', 'yellow-green', 'green', 'white', 'black', 'other'] as const;

export const wimVehicleV1 = z.object({
  /** As read by ANPR, e.g. 琼A·12345 or 琼A12345; normalised by the domain for matching. */
  plate: z.string().min(1).max(16),
  plateColor: z.enum(plateColors),
  kind: z.enum(['truck', 'combination']),
  /** Tractor with a single drive axle (6+ axle combination: 46 t instead of 49 t). Absent = unknown. */
  singleDriveAxle: z.boolean().optional(),
  /** 4-axle centre-axle trailer train (3-axle truck + 1-axle trailer, 35 t). Absent = unknown. */
  centreAxleTrailer: z.boolean().optional(),
  /** Drive axle with dual tyres and air suspension (+1 t for 3/4-axle trucks; 37 t articulated case). */
  driveAxleAirSuspension: z.boolean().optional(),
  /** Number of non-drive axles with single tyres each side (each lowers the limit by 3 t). Absent = unknown. */
  singleTyreNonDriveAxles: z.number().int().min(0).max(12).optional(),
});

export const wimDimensionsV1 = z.object({
  lengthM: z.number().finite().positive(),
  widthM: z.number().finite().positive(),
  heightM: z.number().finite().positive(),
});

export const wimRecordV1 = z.object({
  /** Optional explicit contract version; absent means 1. */
  schemaVersion: z.literal(1).optional(),
  recordId: z.string().min(1).max(128),
  stationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'stationId must be an AWS IoT thing name (ASCII letters, digits, _ and -)'),
  lane: z.number().int().min(1),
  measuredAt: isoDateTimeWithOffset,
  speedKmh: z.number().finite(),
  axles: z.array(wimAxleV1).min(1),
  grossWeightKg: z.number().finite(),
  vehicle: wimVehicleV1.optional(),
  dimensions: wimDimensionsV1.optional(),
  /** References (URIs or object keys) to the station's photos and video of the vehicle. */
  images: z.array(z.string().min(1).max(1024)).max(16).optional(),
});

export type WimAxleV1 = z.infer<typeof wimAxleV1>;
export type WimVehicleV1 = z.infer<typeof wimVehicleV1>;
export type WimDimensionsV1 = z.infer<typeof wimDimensionsV1>;
export type WimRecordV1 = z.infer<typeof wimRecordV1>;
export type PlateColor = (typeof plateColors)[number];
