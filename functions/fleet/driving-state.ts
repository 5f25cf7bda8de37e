/**
 * What a supervisor is shown of a vehicle's rule-engine state (GET /supervision/vehicles/{deviceId}): the fatigue
 * clocks per driver, an open speeding episode, the hazmat zones it is inside. Pure: the engine state and the time in,
 * plain figures with units in their names out. The engine only moves its clocks when a report arrives, so a clock is
 * read against `nowMs` here: a driver who has been resting for the minimum rest since the last driving has a
 * continuous-driving time of 0 (the engine would reset it with the next report), and daily driving counts only if
 * it is today's (Asia/Shanghai).
 */
import type { DriverFatigueState, VehicleRuleState } from '../domain/supervision/engine.ts';
import { NONE_MS } from '../domain/supervision/engine.ts';
import { localDateText } from '../domain/supervision/local-time.ts';
import { defaultSupervisionRules } from '../domain/supervision/rules-config.ts';
import { shanghaiDate } from '../shared/local-time.ts';

export interface DriverClock {
  /** null for reports without a driver id (fatigue is then counted per vehicle). */
  readonly driverId: string | null;
  readonly continuousDrivingS: number;
  /** Continuous driving inside the night window (22:00–06:00) of the current block. */
  readonly nightContinuousDrivingS: number;
  readonly drivingBlockStartUtc: string | null;
  readonly lastDrivingUtc: string | null;
  /** Driving on `dailyLocalDate`; only for categories with a daily limit, null otherwise or before the first driving. */
  readonly dailyDrivingS: number | null;
  readonly dailyLocalDate: string | null;
}

export interface DrivingSummary {
  /** Time of the last report the engine applied (the clocks stand as of then, read against now as above). */
  readonly asOfUtc: string | null;
  readonly currentDriverId: string | null;
  /** The current driver's (the last applied report's) figures. */
  readonly continuousDrivingS: number;
  readonly nightContinuousDrivingS: number;
  readonly drivingTodayS: number | null;
  readonly drivers: DriverClock[];
  readonly speeding: { readonly sinceUtc: string; readonly limitKmh: number; readonly peakSpeedKmh: number } | null;
  readonly hazmatZonesInside: Array<{ readonly zoneId: string; readonly sinceUtc: string }>;
}

const iso = (ms: number): string | null => (ms === NONE_MS ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.round(ms / 1000);

export function drivingSummary(engine: VehicleRuleState | undefined, nowMs: number, minRestMs = defaultSupervisionRules.fatigue.minRestS.value * 1000): DrivingSummary {
  if (!engine) {
    return { asOfUtc: null, currentDriverId: null, continuousDrivingS: 0, nightContinuousDrivingS: 0, drivingTodayS: null, drivers: [], speeding: null, hazmatZonesInside: [] };
  }
  const today = shanghaiDate(nowMs);
  const drivers = engine.drivers.map((d) => driverClock(d, nowMs, minRestMs));
  const currentKey = engine.lastApplied ? (engine.lastApplied.driverId ?? '-') : undefined;
  const currentIndex = engine.drivers.findIndex((d) => d.key === currentKey);
  const current = currentIndex >= 0 ? drivers[currentIndex] : undefined;
  const speeding = engine.speeding;
  return {
    asOfUtc: engine.lastApplied ? new Date(engine.lastApplied.tsMs).toISOString() : null,
    currentDriverId: current?.driverId ?? null,
    continuousDrivingS: current?.continuousDrivingS ?? 0,
    nightContinuousDrivingS: current?.nightContinuousDrivingS ?? 0,
    drivingTodayS: current ? (current.dailyLocalDate === null ? null : current.dailyLocalDate === today ? current.dailyDrivingS : 0) : null,
    drivers,
    speeding: speeding ? { sinceUtc: new Date(speeding.startMs).toISOString(), limitKmh: speeding.limitKmh, peakSpeedKmh: speeding.peakSpeedKmh } : null,
    hazmatZonesInside: engine.hazmatInside.map((h) => ({ zoneId: h.zoneId, sinceUtc: new Date(h.startMs).toISOString() })),
  };
}

function driverClock(d: DriverFatigueState, nowMs: number, minRestMs: number): DriverClock {
  const rested = d.lastDriveEndMs === NONE_MS || nowMs - d.lastDriveEndMs >= minRestMs;
  const tracksDaily = d.day !== NONE_MS;
  return {
    driverId: d.key === '-' ? null : d.key,
    continuousDrivingS: rested ? 0 : seconds(d.continuousMs),
    nightContinuousDrivingS: rested ? 0 : seconds(d.nightMs),
    drivingBlockStartUtc: rested ? null : iso(d.blockStartMs),
    lastDrivingUtc: iso(d.lastDriveEndMs),
    dailyDrivingS: tracksDaily ? seconds(d.dayMs) : null,
    dailyLocalDate: tracksDaily ? localDateText(d.day) : null,
  };
}
