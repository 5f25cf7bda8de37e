/**
 * File format v1 for loading WIM stations and 大件运输 permits (`npm run wim-config -- import <file>`).
 */
import * as z from 'zod';
import { isoDateTimeWithOffset, plateColors } from './wim-record.v1.ts';

export const stationConfigV1 = z.object({
  stationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  name: z.string().min(1).optional(),
  road: z.string().optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  accuracyClass: z.enum(['class-2', 'class-5', 'class-10']),
});

export const permitConfigV1 = z
  .object({
    permitId: z.string().min(1),
    plate: z.string().min(1),
    plateColor: z.enum(plateColors).optional(),
    validFrom: isoDateTimeWithOffset,
    validTo: isoDateTimeWithOffset,
    allowedGrossKg: z.number().positive(),
    stationIds: z.array(z.string()).optional(),
  })
  .refine((p) => Date.parse(p.validFrom) <= Date.parse(p.validTo), { message: 'validFrom must not be after validTo', path: ['validTo'] });

export const wimConfigFileV1 = z.object({
  stations: z.array(stationConfigV1).default([]),
  permits: z.array(permitConfigV1).default([]),
});

export type StationConfigV1 = z.infer<typeof stationConfigV1>;
export type PermitConfigV1 = z.infer<typeof permitConfigV1>;
export type WimConfigFileV1 = z.infer<typeof wimConfigFileV1>;
