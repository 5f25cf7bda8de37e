/**
 * A vehicle of the registry (v1): what the supervision rules and the green metrics need to know about a device.
 * Used by the import file format, the HTTP API and the registry table. Public API: change only compatibly.
 */
import * as z from 'zod';
import { deviceId } from './telemetry.v1.ts';
import { plateColors } from './wim-record.v1.ts';

export const vehicleCategories = ['coach', 'charter', 'hazmat', 'heavy-truck', 'tractor', 'bus', 'taxi', 'other'] as const;
export const energyTypes = ['bev', 'phev', 'fcev', 'diesel', 'gasoline', 'cng', 'lng', 'hybrid'] as const;

/** 两客一危一货: the categories the dynamic-supervision rules apply to. */
export const supervisedCategories = ['coach', 'charter', 'hazmat', 'heavy-truck', 'tractor'] as const;

export const vehicleV1 = z.object({
  deviceId,
  /** e.g. 琼A·12345 */
  plate: z.string().min(2).max(16),
  plateColor: z.enum(plateColors),
  category: z.enum(vehicleCategories),
  energyType: z.enum(energyTypes),
  /** Transport company (业户). */
  operator: z.string().min(1).max(128),
  /** City (市) and optionally county (县/区), e.g. 海口市 / 美兰区. */
  city: z.string().min(1).max(32),
  county: z.string().min(1).max(32).optional(),
  /** Long-distance coach barred from 02:00–05:00 (道路旅客运输企业安全管理规范 Art. 38); exempt lines set false. */
  nightRestricted: z.boolean().optional(),
  /** UN/GB 6944 hazard class of the goods carried, e.g. "3" (flammable liquids). */
  hazmatClass: z.string().min(1).max(8).optional(),
  ratedGrossKg: z.number().positive().optional(),
  /** Out of service (停运): silent-terminal checks are suspended. */
  inService: z.boolean().default(true),
});

export type VehicleV1 = z.infer<typeof vehicleV1>;
export type VehicleCategory = (typeof vehicleCategories)[number];
export type EnergyType = (typeof energyTypes)[number];

export function isSupervised(category: VehicleCategory): boolean {
  return (supervisedCategories as readonly string[]).includes(category);
}
