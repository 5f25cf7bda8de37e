/**
 * The pure, seeded telemetry generator: one vehicle driving a plan (drive at X km/h for Y min, stop Z min…) along a
 * route, as its JT/T 808-style terminal would report it on `fleet/{deviceId}/telemetry`.
 *
 * Model, per one-second tick:
 * - speed follows the step's target with a slow random drift (±3 km/h) and category acceleration; the vehicle brakes
 *   ahead so that it stands still when a stop begins and enters a slower step at that step's speed;
 * - the terminal reports on a timer (0x0029 ACC-on interval, default 30 s; 0x0027 ACC-off interval, default 300 s)
 *   and at once on a change of ignition, of motion (standstill ↔ above 8 km/h), of driver or of alarm flags;
 * - the reported speed carries ±2 km/h of GNSS noise (JT/T 794: ≤ 2 m/s), positions are exact on the traced line
 *   (rounded to 1e-6°, the 0x0200 resolution), heading is the direction of travel (kept while standing);
 * - the terminal's own alarm bits (JT/T 808 0x0200): bit 1 overspeed when the true speed is above its 0x0055 limit
 *   for 0x0056 seconds (10 s); bit 2 fatigue when continuous driving exceeds 0x0057 (4 h) without a 0x0059 rest
 *   (20 min) — a driver change resets it; other bits (bit 0 SOS…) come from the plan step (`alarmBits`);
 * - seq is a per-device WORD (wraps 65 535 → 0), like the 0x0200 message serial.
 *
 * Nothing here reads the wall clock: times come from `startMs` and the plan.
 */
import type { NamedLine } from '../../functions/domain/supervision/hainan-geography.ts';
import type { TelemetryReportV1 } from '../../functions/contracts/telemetry.v1.ts';
import { type EnergyType, isSupervised, type VehicleCategory, type VehicleV1 } from '../../functions/contracts/vehicle.v1.ts';
import type { PlateColor } from '../../functions/contracts/wim-record.v1.ts';
import { hashString32, Rng } from '../simulator/prng.ts';
import { toShanghaiIso } from '../simulator/time.ts';
import { EnergyMeter, energyProfileFor, isNewEnergy, RoutePath } from './kinematics.ts';

/** What the generator needs to know about a vehicle; the registry's other fields are optional. */
export interface FleetVehicle {
  readonly deviceId: string;
  readonly category: VehicleCategory;
  readonly energyType: EnergyType;
  /** 市, e.g. 海口市. */
  readonly city: string;
  readonly nightRestricted?: boolean;
  readonly hazmatClass?: string;
  readonly inService?: boolean;
  readonly plate?: string;
  readonly plateColor?: PlateColor;
  readonly operator?: string;
  readonly county?: string;
  readonly ratedGrossKg?: number;
}

export interface DriveStep {
  readonly kind: 'drive';
  /** Target cruising speed (the vehicle drifts ±3 km/h around it). */
  readonly speedKmh: number;
  /** Exactly one of durationMin and distanceKm. A timed step ends at standstill if a stop follows. */
  readonly durationMin?: number;
  readonly distanceKm?: number;
  /** Taxi meter while driving this step. */
  readonly occupied?: boolean;
  /** JT/T 808 alarm bits raised by the terminal for the whole step (e.g. 1 = bit 0 SOS). */
  readonly alarmBits?: number;
  readonly label?: string;
}

export interface StopStep {
  readonly kind: 'stop';
  readonly durationMin: number;
  /** Engine on while standing (bus stop, taxi rank, traffic). Default false: parked, ACC off. */
  readonly ignition?: boolean;
  /** Plugged in (new-energy vehicles, ignition off): the state of charge rises. */
  readonly charge?: boolean;
  /** A new driver takes over during this stop (swipes the IC card when the ignition comes back on). */
  readonly driverId?: string;
  readonly occupied?: boolean;
  readonly alarmBits?: number;
  /** Ignition on this long before moving off, when the stop is parked. Default 60 s. */
  readonly warmUpS?: number;
  readonly label?: string;
}

export type PlanStep = DriveStep | StopStep;

export interface PlanContext {
  /** Simulated time the step is expected to start (epoch ms). */
  readonly tsMs: number;
  readonly stepIndex: number;
  readonly odometerKm: number;
  readonly socPct: number | undefined;
  readonly driverId: string | undefined;
  /** A stream for the plan's own random choices, independent of the track's. */
  readonly rng: Rng;
}

/** A finite or endless list of steps, or a function producing the next step (undefined = end of plan). */
export type PlanSource = Iterable<PlanStep> | ((context: PlanContext) => PlanStep | undefined);

/** JT/T 808 terminal parameters that shape the reports. */
export interface TerminalSettings {
  /** 0x0029: report interval with ACC on (s). */
  readonly drivingIntervalS: number;
  /** 0x0027: report interval with ACC off (s). */
  readonly parkedIntervalS: number;
  /** 0x0055 maximum speed (km/h) and 0x0056 overspeed duration (s) for alarm bit 1. */
  readonly maxSpeedKmh: number;
  readonly overspeedDurationS: number;
  /** 0x0057 continuous driving limit and 0x0059 minimum rest (s) for alarm bit 2. */
  readonly continuousDrivingS: number;
  readonly minRestS: number;
}

export interface VehicleTrackOptions {
  readonly vehicle: FleetVehicle;
  readonly route: NamedLine | RoutePath;
  readonly seed: number;
  readonly startMs: number;
  readonly plan: PlanSource;
  /** Where on the route the vehicle starts (along-line km from the first point). Default 0. */
  readonly startDistanceKm?: number;
  /** First serial number, 0..65 535. Default 0. */
  readonly firstSeq?: number;
  /** Driver at the start (supervised categories get a seeded one by default; buses and taxis none). */
  readonly driverId?: string;
  readonly odometerKm?: number;
  readonly socPct?: number;
  readonly terminal?: Partial<TerminalSettings>;
  /** ±3 km/h drift around the target speed and ±2 km/h noise on the reported speed. Default true. */
  readonly speedNoise?: boolean;
}

export type ReportReason = 'start' | 'interval' | 'ignition' | 'motion' | 'driver' | 'alarm' | 'end';

/** What really happened at a report, for tests and scenario expectations (never published). */
export interface TrackTruth {
  readonly stepIndex: number;
  readonly label?: string;
  readonly trueSpeedKmh: number;
  /** Above 8 km/h since the last standstill. */
  readonly moving: boolean;
  /** Metres driven since the track started. */
  readonly distanceM: number;
  readonly continuousDrivingS: number;
  readonly reason: ReportReason;
}

export interface TrackPoint {
  readonly tsMs: number;
  readonly report: TelemetryReportV1;
  readonly truth: TrackTruth;
}

export interface VehicleTrack extends Iterable<TrackPoint> {
  readonly vehicle: FleetVehicle;
  readonly route: RoutePath;
  /** The next report, or undefined once a finite plan is done. */
  next(): TrackPoint | undefined;
}

export const SEQ_MODULUS = 0x1_0000;
export const ALARM_SOS = 1 << 0;
export const ALARM_OVERSPEED = 1 << 1;
export const ALARM_FATIGUE = 1 << 2;

/** Speed above which a standing vehicle counts as moving off (the terminal's motion report). */
const MOVING_OFF_KMH = 8;

interface Dynamics {
  readonly accelMps2: number;
  readonly brakeMps2: number;
}

function dynamicsOf(category: VehicleCategory): Dynamics {
  switch (category) {
    case 'taxi':
    case 'other':
      return { accelMps2: 1.5, brakeMps2: 1.5 };
    case 'bus':
      return { accelMps2: 0.8, brakeMps2: 1.1 };
    case 'coach':
    case 'charter':
      return { accelMps2: 0.6, brakeMps2: 1.0 };
    default:
      return { accelMps2: 0.4, brakeMps2: 0.9 };
  }
}

/** Terminal defaults: the category's legal maximum as 0x0055 (hazmat 80, city bus 60 by speed limiter). */
export function defaultTerminalSettings(category: VehicleCategory): TerminalSettings {
  const maxSpeedKmh = category === 'hazmat' ? 80 : category === 'bus' ? 60 : category === 'taxi' || category === 'other' ? 120 : 100;
  return { drivingIntervalS: 30, parkedIntervalS: 300, maxSpeedKmh, overspeedDurationS: 10, continuousDrivingS: 4 * 3600, minRestS: 20 * 60 };
}

/** A synthetic driver (IC card) id, stable for (seed, vehicle, n). */
export function driverIdFor(seed: number, deviceId: string, n = 0): string {
  const rng = Rng.derive(seed, 'driver', deviceId, String(n));
  return `DRV-46${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
}

const round = (value: number, step: number) => Math.round(value / step) * step;
const round1 = (value: number) => Math.round(value * 10) / 10;
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

function validateStep(step: PlanStep, index: number): void {
  if (step.kind === 'drive') {
    if (!(step.speedKmh > 0) || step.speedKmh > 200) throw new RangeError(`plan step ${index}: speedKmh must be in (0, 200]`);
    const timed = step.durationMin !== undefined;
    const ranged = step.distanceKm !== undefined;
    if (timed === ranged) throw new RangeError(`plan step ${index}: give exactly one of durationMin and distanceKm`);
    if (timed && !((step.durationMin as number) > 0)) throw new RangeError(`plan step ${index}: durationMin must be > 0`);
    if (ranged && !((step.distanceKm as number) > 0)) throw new RangeError(`plan step ${index}: distanceKm must be > 0`);
  } else if (!(step.durationMin > 0)) {
    throw new RangeError(`plan step ${index}: durationMin must be > 0`);
  }
}

function* trackGenerator(options: VehicleTrackOptions, route: RoutePath): Generator<TrackPoint, void, undefined> {
  const { vehicle, seed, startMs } = options;
  if (!Number.isFinite(startMs)) throw new RangeError('startMs must be a finite epoch time in ms');
  const firstSeq = options.firstSeq ?? 0;
  if (!Number.isInteger(firstSeq) || firstSeq < 0 || firstSeq >= SEQ_MODULUS) throw new RangeError('firstSeq must be 0..65535');
  const terminal = { ...defaultTerminalSettings(vehicle.category), ...options.terminal };
  const dynamics = dynamicsOf(vehicle.category);
  const noise = options.speedNoise ?? true;
  const driftRng = Rng.derive(seed, 'drift', vehicle.deviceId);
  const gnssRng = Rng.derive(seed, 'gnss', vehicle.deviceId);
  const planRng = Rng.derive(seed, 'plan', vehicle.deviceId);
  const profile = energyProfileFor(vehicle.category, vehicle.energyType, Rng.derive(seed, 'energy', vehicle.deviceId));
  const odometerKm = options.odometerKm ?? Rng.derive(seed, 'odometer', vehicle.deviceId).int(20_000, 400_000);
  // The terminal's counters run since the vehicle was new: start them in proportion to the odometer.
  const meter = new EnergyMeter(profile, {
    odometerKm,
    socPct: options.socPct ?? 90,
    ...(profile.drivetrain === 'combustion' ? {} : { energyKWh: Math.round(odometerKm * profile.kWhPer100Km) / 100 }),
    ...(profile.drivetrain === 'electric' ? {} : { fuelL: Math.round(odometerKm * profile.litresPer100Km * (profile.drivetrain === 'plug-in' ? 0.4 : 1)) / 100 }),
  });
  const newEnergy = isNewEnergy(vehicle.energyType);
  const startDistanceM = (options.startDistanceKm ?? 0) * 1000;

  // Vehicle and terminal state.
  let tMs = Math.round(startMs);
  let v = 0; // m/s
  let drift = 0; // km/h
  let distanceM = 0;
  let ignition = false;
  let motion = false;
  let driverId = options.driverId ?? (isSupervised(vehicle.category) ? driverIdFor(seed, vehicle.deviceId) : undefined);
  let occupied = false;
  let stepBits = 0;
  let overspeedS = 0;
  let continuousS = 0;
  let restS = 0;
  let alarmFlags = 0;
  let lastHeading = route.at(startDistanceM).headingDeg;
  let reports = 0;
  let lastReportMs = Number.NEGATIVE_INFINITY;
  let stepIndex = -1;
  let stepLabel: string | undefined;
  /** A change that happened at the instant of the previous report: reported with the next tick (1 s later). */
  let pendingReason: ReportReason | undefined;

  const source = options.plan;
  const iterator = typeof source === 'function' ? undefined : source[Symbol.iterator]();
  let planIndex = 0;
  const pull = (expectedStartMs: number): PlanStep | undefined => {
    const context: PlanContext = {
      tsMs: expectedStartMs,
      stepIndex: planIndex,
      odometerKm: meter.reading().odometerKm,
      socPct: newEnergy ? meter.socPct : undefined,
      driverId,
      rng: planRng,
    };
    let step: PlanStep | undefined;
    if (typeof source === 'function') step = source(context);
    else {
      const result = (iterator as Iterator<PlanStep>).next();
      step = result.done === true ? undefined : result.value;
    }
    if (step !== undefined) validateStep(step, planIndex);
    planIndex += 1;
    return step;
  };

  function makePoint(reason: ReportReason): TrackPoint {
    const position = route.at(startDistanceM + distanceM);
    const trueKmh = v * 3.6;
    if (trueKmh > 0.5) lastHeading = position.headingDeg;
    let speedKmh = trueKmh;
    if (noise && v > 0) speedKmh = Math.max(0, trueKmh + Math.max(-2, Math.min(2, gnssRng.normal(0, 0.8))));
    const energy = meter.reading();
    const heading = Math.round(lastHeading) % 360;
    const report: TelemetryReportV1 = {
      schemaVersion: 1,
      deviceId: vehicle.deviceId,
      seq: (firstSeq + reports) % SEQ_MODULUS,
      ts: toShanghaiIso(tMs),
      lat: round6(position.lat),
      lon: round6(position.lon),
      speedKmh: Math.min(250, round1(speedKmh)),
      headingDeg: heading,
      odometerKm: round1(energy.odometerKm),
      ignition,
      alarmFlags,
      ...(driverId === undefined ? {} : { driverId }),
      ...(energy.socPct === undefined ? {} : { socPct: Math.min(100, Math.max(0, round1(energy.socPct))) }),
      ...(energy.energyKWh === undefined ? {} : { energyKWh: round1(energy.energyKWh) }),
      ...(energy.fuelL === undefined ? {} : { fuelL: round1(energy.fuelL) }),
      ...(vehicle.category === 'taxi' ? { occupied } : {}),
    };
    reports += 1;
    lastReportMs = tMs;
    pendingReason = undefined;
    return {
      tsMs: tMs,
      report,
      truth: {
        stepIndex,
        ...(stepLabel === undefined ? {} : { label: stepLabel }),
        trueSpeedKmh: round(trueKmh, 0.01),
        moving: motion,
        distanceM,
        continuousDrivingS: continuousS,
        reason,
      },
    };
  }

  /**
   * Advances one second with the given speed target (m/s, already capped for braking) and returns the reason to
   * report now, if any.
   */
  function tick(targetMps: number, charging: boolean): ReportReason | undefined {
    const before = { ignition, motion, alarmFlags, driverId };
    const v0 = v;
    if (v < targetMps) v = Math.min(targetMps, v + dynamics.accelMps2);
    else v = Math.max(targetMps, v - Math.max(dynamics.brakeMps2, 2.5));
    const dM = (v0 + v) / 2;
    distanceM += dM;
    tMs += 1000;
    meter.step(dM, 1, ignition, charging);

    if (v === 0) motion = false;
    else if (v * 3.6 >= MOVING_OFF_KMH) motion = true;
    // Terminal: overspeed (bit 1) and fatigue (bit 2) timers.
    overspeedS = v * 3.6 > terminal.maxSpeedKmh ? overspeedS + 1 : 0;
    if (v > 0) {
      continuousS += 1;
      restS = 0;
    } else {
      restS += 1;
      if (restS >= terminal.minRestS) continuousS = 0;
    }
    alarmFlags =
      (stepBits |
        (overspeedS >= terminal.overspeedDurationS ? ALARM_OVERSPEED : 0) |
        (continuousS > terminal.continuousDrivingS ? ALARM_FATIGUE : 0)) >>>
      0;

    if (before.ignition !== ignition) return 'ignition';
    if (before.motion !== motion) return 'motion';
    if (before.alarmFlags !== alarmFlags) return 'alarm';
    if (before.driverId !== driverId) return 'driver';
    if (pendingReason !== undefined) return pendingReason;
    const intervalS = ignition ? terminal.drivingIntervalS : terminal.parkedIntervalS;
    if (tMs - lastReportMs >= intervalS * 1000) return 'interval';
    return undefined;
  }

  function updateDrift(): void {
    if (!noise) return;
    drift = Math.max(-3, Math.min(3, drift * (1 - 1 / 60) + driftRng.normal(0, 0.35)));
  }

  /** Applies a state change that happens "now" (between ticks), reporting it at once if it changed anything. */
  function* change(apply: () => void): Generator<TrackPoint, void, undefined> {
    const before = { ignition, alarmFlags, driverId };
    apply();
    alarmFlags =
      (stepBits |
        (overspeedS >= terminal.overspeedDurationS ? ALARM_OVERSPEED : 0) |
        (continuousS > terminal.continuousDrivingS ? ALARM_FATIGUE : 0)) >>>
      0;
    const reason: ReportReason | undefined =
      before.ignition !== ignition ? 'ignition' : before.alarmFlags !== alarmFlags ? 'alarm' : before.driverId !== driverId ? 'driver' : undefined;
    if (reason === undefined) return;
    // One report per instant: a change at the time of the last report goes out with the next tick.
    if (tMs === lastReportMs) pendingReason ??= reason;
    else yield makePoint(reason);
  }

  let current = pull(tMs);
  if (current === undefined) return;
  stepIndex = 0;
  stepLabel = current.label;
  // The terminal's first report: the vehicle standing where it starts, ignition as the first step needs it.
  ignition = current.kind === 'drive' || current.ignition === true;
  stepBits = current.alarmBits ?? 0;
  occupied = current.occupied ?? false;
  alarmFlags = stepBits;
  yield makePoint('start');

  while (current !== undefined) {
    const step: PlanStep = current;
    stepLabel = step.label;
    const expectedEndMs =
      tMs +
      (step.kind === 'drive' && step.distanceKm !== undefined
        ? (step.distanceKm / step.speedKmh) * 3_600_000
        : (step.durationMin ?? 0) * 60_000);
    const upcoming = pull(expectedEndMs);

    if (step.kind === 'drive') {
      yield* change(() => {
        ignition = true;
        stepBits = step.alarmBits ?? 0;
        if (step.occupied !== undefined) occupied = step.occupied;
      });
      // Speed to be at when the step ends: the next step's, or standstill before a stop / at the end of the plan.
      const exitMps = upcoming?.kind === 'drive' ? upcoming.speedKmh / 3.6 : 0;
      const brake = dynamics.brakeMps2;
      if (step.durationMin !== undefined) {
        const ticks = Math.max(1, Math.round(step.durationMin * 60));
        for (let i = 1; i <= ticks; i += 1) {
          updateDrift();
          const remainingS = ticks - i;
          const cap = exitMps + brake * remainingS;
          const reason = tick(Math.max(0, Math.min((step.speedKmh + drift) / 3.6, cap)), false);
          if (reason !== undefined) yield makePoint(reason);
        }
      } else {
        const goalM = distanceM + (step.distanceKm as number) * 1000;
        while (distanceM < goalM) {
          updateDrift();
          const remainingM = goalM - distanceM;
          const cap = Math.sqrt(exitMps * exitMps + 2 * brake * remainingM);
          // Never stall short of the goal: keep creeping at ≥ 1 m/s.
          const reason = tick(Math.max(1, Math.min((step.speedKmh + drift) / 3.6, cap)), false);
          if (reason !== undefined) yield makePoint(reason);
        }
      }
    } else {
      const ticks = Math.max(1, Math.round(step.durationMin * 60));
      const parked = step.ignition !== true;
      const warmUpS = parked && upcoming?.kind === 'drive' ? Math.min(step.warmUpS ?? 60, Math.floor(ticks / 2)) : 0;
      const swapAt = step.driverId === undefined ? -1 : parked && warmUpS > 0 ? ticks - warmUpS : Math.floor(ticks / 2);
      yield* change(() => {
        ignition = !parked;
        stepBits = step.alarmBits ?? 0;
        if (step.occupied !== undefined) occupied = step.occupied;
      });
      for (let i = 1; i <= ticks; i += 1) {
        if (i === swapAt && step.driverId !== undefined) {
          const nextDriver = step.driverId;
          // The new driver's card: the terminal's continuous-driving timer starts again.
          yield* change(() => {
            driverId = nextDriver;
            continuousS = 0;
          });
        }
        if (warmUpS > 0 && i === ticks - warmUpS) yield* change(() => {
          ignition = true;
        });
        const reason = tick(0, step.charge === true && !ignition);
        if (reason !== undefined) yield makePoint(reason);
      }
    }
    current = upcoming;
    if (current !== undefined) stepIndex += 1;
  }
  // End of a finite plan: one last report of where the vehicle stands, unless one was just sent.
  if (tMs !== lastReportMs || pendingReason !== undefined) {
    if (tMs === lastReportMs) tick(0, false);
    yield makePoint(pendingReason ?? 'end');
  }
}

export function createVehicleTrack(options: VehicleTrackOptions): VehicleTrack {
  const route = options.route instanceof RoutePath ? options.route : new RoutePath(options.route);
  const generator = trackGenerator(options, route);
  return {
    vehicle: options.vehicle,
    route,
    next() {
      const result = generator.next();
      return result.done === true ? undefined : result.value;
    },
    [Symbol.iterator]() {
      return generator;
    },
  };
}

/** All reports of a finite plan (throws beyond `maxReports`, a guard against an endless plan). */
export function generateTrack(options: VehicleTrackOptions, maxReports = 1_000_000): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const point of createVehicleTrack(options)) {
    out.push(point);
    if (out.length > maxReports) throw new RangeError(`generateTrack: more than ${maxReports} reports (endless plan?)`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Registry view of a simulated vehicle

const CITY_PLATE_PREFIX: Readonly<Record<string, string>> = {
  海口市: '琼A',
  三亚市: '琼B',
  儋州市: '琼C',
  琼海市: '琼C',
  五指山市: '琼D',
  万宁市: '琼D',
  东方市: '琼D',
};

const LARGE: readonly VehicleCategory[] = ['coach', 'charter', 'hazmat', 'heavy-truck', 'tractor', 'bus'];

function defaultOperator(vehicle: FleetVehicle): string {
  const city = vehicle.city.replace(/市$/, '');
  switch (vehicle.category) {
    case 'bus':
      return `${city}公交集团`;
    case 'taxi':
      return `${city}出租汽车有限公司`;
    case 'coach':
    case 'charter':
      return '海南海汽运输集团';
    case 'hazmat':
      return '海南琼港危险货物运输有限公司';
    default:
      return '海南琼州物流有限公司';
  }
}

/**
 * The registry record (vehicle.v1) of a simulated vehicle: plate, plate colour and operator are derived from the
 * device id when not given, so scenarios can register their vehicles before publishing.
 */
export function toRegistryVehicle(vehicle: FleetVehicle): VehicleV1 {
  const large = LARGE.includes(vehicle.category);
  const nev = isNewEnergy(vehicle.energyType);
  const rng = new Rng(hashString32(vehicle.deviceId), 'plate');
  const digits = String(rng.int(0, 99_999)).padStart(5, '0');
  const prefix = CITY_PLATE_PREFIX[vehicle.city] ?? '琼E';
  // New-energy plates (GA 36-2018): small vehicles D/F + 5 characters, large vehicles 5 characters + D/F.
  const plate = vehicle.plate ?? (nev ? (large ? `${prefix}·${digits}D` : `${prefix}·D${digits}`) : `${prefix}·${digits}`);
  const plateColor: PlateColor = vehicle.plateColor ?? (nev ? (large ? 'yellow-green' : 'green') : large ? 'yellow' : 'blue');
  return {
    deviceId: vehicle.deviceId,
    plate,
    plateColor,
    category: vehicle.category,
    energyType: vehicle.energyType,
    operator: vehicle.operator ?? defaultOperator(vehicle),
    city: vehicle.city,
    ...(vehicle.county === undefined ? {} : { county: vehicle.county }),
    ...(vehicle.nightRestricted === undefined ? {} : { nightRestricted: vehicle.nightRestricted }),
    ...(vehicle.hazmatClass === undefined ? {} : { hazmatClass: vehicle.hazmatClass }),
    ...(vehicle.ratedGrossKg === undefined ? {} : { ratedGrossKg: vehicle.ratedGrossKg }),
    inService: vehicle.inService ?? true,
  };
}
