/**
 * Wire contract v1 of the green-transport metrics, published RETAINED on `metrics/green` (the province) and
 * `metrics/green/{cityCode}` (GB/T 2260 division code, e.g. 460100 for 海口市) every five minutes: a subscriber
 * gets the latest figures at once. Public API: change only compatibly. Documented in docs/contracts.md and the
 * definitions of every figure in docs/green-metrics.md.
 */
import * as z from 'zod';
import { isoDateTimeWithOffset } from './wim-record.v1.ts';

/** The figures of one fleet (a vehicle category, or `all`) in one scope and period: numerators and denominators. */
export const greenFleetMetricsV1 = z.object({
  registered: z.number().int().nonnegative(),
  newEnergyRegistered: z.number().int().nonnegative(),
  cleanEnergyRegistered: z.number().int().nonnegative(),
  newEnergyShare: z.number().min(0).max(1),
  cleanEnergyShare: z.number().min(0).max(1),
  active: z.number().int().nonnegative(),
  activeNewEnergy: z.number().int().nonnegative(),
  activeCleanEnergy: z.number().int().nonnegative(),
  activeNewEnergyShare: z.number().min(0).max(1),
  activeCleanEnergyShare: z.number().min(0).max(1),
  vehicleKm: z.number().nonnegative(),
  electricVehicleKm: z.number().nonnegative(),
  electricKmShare: z.number().min(0).max(1),
  energyKWh: z.number().nonnegative(),
  fuelL: z.number().nonnegative(),
  baselineCo2Kg: z.number(),
  gridCo2Kg: z.number(),
  /** PHEVs' own fuel burnt, kg CO₂. */
  newEnergyFuelCo2Kg: z.number(),
  co2AvoidedKg: z.number(),
  /** Parts of the figures estimated (from positions, or from configured consumption). */
  estimatedKm: z.number().nonnegative(),
  estimatedKWh: z.number().nonnegative(),
  estimatedFuelL: z.number().nonnegative(),
  targets: z.array(
    z.object({ targetId: z.string(), metric: z.string(), value: z.number(), target: z.number(), progress: z.number(), met: z.boolean() }),
  ),
});

const period = z.object({ key: z.string(), fleets: z.record(z.string(), greenFleetMetricsV1) });

export const greenMetricsMessageV1 = z.object({
  schema: z.literal('qiongjian.green-metrics'),
  schemaVersion: z.literal(1),
  /** `province` or `city#<code>`. */
  scope: z.string(),
  /** The city's name when the scope is a city, e.g. 海口市. */
  city: z.string().optional(),
  computedAt: isoDateTimeWithOffset,
  periods: z.object({ hour: period, day: period, month: period }),
});

export type GreenFleetMetricsV1 = z.infer<typeof greenFleetMetricsV1>;
export type GreenMetricsMessageV1 = z.infer<typeof greenMetricsMessageV1>;
