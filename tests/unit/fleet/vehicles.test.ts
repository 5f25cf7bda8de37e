import { describe, expect, it } from 'vitest';
import { telemetryReportV1 } from '../../../functions/contracts/telemetry.v1.ts';
import { vehicleV1 } from '../../../functions/contracts/vehicle.v1.ts';
import { g98Ring, haikouCityLoop } from '../../../functions/domain/supervision/hainan-geography.ts';
import {
  ALARM_FATIGUE,
  ALARM_OVERSPEED,
  ALARM_SOS,
  createVehicleTrack,
  type FleetVehicle,
  generateTrack,
  type PlanStep,
  toRegistryVehicle,
} from '../../../devices/fleet/vehicles.ts';

const START = Date.parse('2026-11-29T08:00:00+08:00');
const coach: FleetVehicle = { deviceId: 'hn-coach-t1', category: 'coach', energyType: 'diesel', city: '海口市', nightRestricted: true };
const plan: PlanStep[] = [
  { kind: 'drive', speedKmh: 85, durationMin: 30 },
  { kind: 'stop', durationMin: 25, driverId: 'DRV-4600000002' },
  { kind: 'drive', speedKmh: 85, durationMin: 30 },
];

describe('createVehicleTrack', () => {
  it('is deterministic: the same seed gives the same reports, another seed other noise', () => {
    const a = generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, plan });
    const b = generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, plan });
    const c = generateTrack({ vehicle: coach, route: g98Ring, seed: 2, startMs: START, plan });
    expect(b).toEqual(a);
    expect(c.map((p) => p.report.speedKmh)).not.toEqual(a.map((p) => p.report.speedKmh));
    // Moving the start moves every timestamp and changes nothing else.
    const later = generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START + 86_400_000, plan });
    expect(later.map((p) => ({ ...p.report, ts: '' }))).toEqual(a.map((p) => ({ ...p.report, ts: '' })));
    expect(later.map((p) => p.tsMs - 86_400_000)).toEqual(a.map((p) => p.tsMs));
  });

  it('produces contract-valid reports with the terminal fields', () => {
    const points = generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, plan });
    for (const { report, tsMs } of points) {
      expect(telemetryReportV1.parse(report)).toEqual(report);
      expect(report.ts).toMatch(/^2026-11-29T\d\d:\d\d:\d\d\.\d{3}\+08:00$/);
      expect(Date.parse(report.ts)).toBe(tsMs);
      expect(report.alarmFlags).toBe(0);
      expect(report.fuelL).toBeGreaterThan(0);
      expect(report.socPct).toBeUndefined();
      expect(report.occupied).toBeUndefined();
    }
    // Driver change at the stop, with a report of it.
    const drivers = [...new Set(points.map((p) => p.report.driverId))];
    expect(drivers).toHaveLength(2);
    expect(drivers[1]).toBe('DRV-4600000002');
    expect(points.some((p) => p.truth.reason === 'driver' || (p.truth.reason === 'ignition' && p.report.driverId === drivers[1]))).toBe(true);
  });

  it('reports every ≤ 30 s with the ignition on, ≤ 300 s parked, and at once on state changes', () => {
    const points = generateTrack({ vehicle: coach, route: g98Ring, seed: 4, startMs: START, plan });
    for (let i = 1; i < points.length; i += 1) {
      const prev = points[i - 1];
      const cur = points[i];
      if (!prev || !cur) continue;
      const gapS = (cur.tsMs - prev.tsMs) / 1000;
      expect(gapS).toBeGreaterThanOrEqual(1);
      expect(gapS).toBeLessThanOrEqual(prev.report.ignition ? 30 : 300);
    }
    const reasons = new Set(points.map((p) => p.truth.reason));
    expect(reasons).toEqual(new Set(['start', 'interval', 'motion', 'ignition', 'driver']));
    // The halt is reported at standstill, the move-off above 5 km/h.
    for (const p of points.filter((q) => q.truth.reason === 'motion')) {
      if (p.truth.moving) expect(p.report.speedKmh).toBeGreaterThanOrEqual(5);
      else expect(p.report.speedKmh).toBe(0);
    }
  });

  it('wraps seq at 65 535 like the JT/T 808 serial', () => {
    const points = generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, firstSeq: 65_530, plan: [{ kind: 'drive', speedKmh: 80, durationMin: 5 }] });
    const seqs = points.map((p) => p.report.seq);
    expect(seqs.slice(0, 8)).toEqual([65_530, 65_531, 65_532, 65_533, 65_534, 65_535, 0, 1]);
    expect(() => generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, firstSeq: 65_536, plan })).toThrow(RangeError);
  });

  it('sets the overspeed bit only after 10 s above the terminal limit, and the fatigue bit after 4 h of driving', () => {
    const points = generateTrack({
      vehicle: coach,
      route: g98Ring,
      seed: 9,
      startMs: START,
      plan: [
        { kind: 'drive', speedKmh: 85, durationMin: 200 },
        { kind: 'drive', speedKmh: 112, durationMin: 5 },
        { kind: 'drive', speedKmh: 85, durationMin: 50 },
      ],
    });
    for (const p of points) {
      const over = ((p.report.alarmFlags ?? 0) & ALARM_OVERSPEED) !== 0;
      if (over) expect(p.truth.trueSpeedKmh).toBeGreaterThan(100);
      const tired = ((p.report.alarmFlags ?? 0) & ALARM_FATIGUE) !== 0;
      expect(tired).toBe(p.truth.continuousDrivingS > 4 * 3600);
    }
    expect(points.filter((p) => ((p.report.alarmFlags ?? 0) & ALARM_OVERSPEED) !== 0).length).toBeGreaterThanOrEqual(9);
    expect(points.some((p) => ((p.report.alarmFlags ?? 0) & ALARM_FATIGUE) !== 0)).toBe(true);
  });

  it('taxis carry occupied, new-energy vehicles socPct and energyKWh, plan alarm bits are raised (SOS)', () => {
    const taxi: FleetVehicle = { deviceId: 'hn-taxi-t1', category: 'taxi', energyType: 'bev', city: '海口市' };
    const points = generateTrack({
      vehicle: taxi,
      route: haikouCityLoop,
      seed: 5,
      startMs: START,
      plan: [
        { kind: 'drive', speedKmh: 40, durationMin: 10, occupied: true },
        { kind: 'stop', durationMin: 2, ignition: true, alarmBits: ALARM_SOS },
        { kind: 'drive', speedKmh: 40, durationMin: 10, occupied: false },
      ],
    });
    expect(points.every((p) => typeof p.report.occupied === 'boolean' && p.report.socPct !== undefined && p.report.fuelL === undefined)).toBe(true);
    expect(points.some((p) => p.report.occupied === true)).toBe(true);
    expect(points.at(-1)?.report.occupied).toBe(false);
    const sos = points.filter((p) => p.report.alarmFlags === ALARM_SOS);
    expect(sos.length).toBeGreaterThanOrEqual(2);
    expect(sos.every((p) => p.truth.stepIndex === 1)).toBe(true);
    expect(points.some((p) => p.report.driverId !== undefined)).toBe(false);
  });

  it('accepts an endless plan function and yields lazily', () => {
    let calls = 0;
    const track = createVehicleTrack({
      vehicle: coach,
      route: g98Ring,
      seed: 1,
      startMs: START,
      plan: () => {
        calls += 1;
        return calls % 2 === 1 ? { kind: 'drive', speedKmh: 80, durationMin: 60 } : { kind: 'stop', durationMin: 20 };
      },
    });
    for (let i = 0; i < 1_000; i += 1) expect(track.next()).toBeDefined();
    expect(calls).toBeGreaterThan(3);
    expect(calls).toBeLessThan(20);
  });

  it('rejects invalid steps', () => {
    expect(() => generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, plan: [{ kind: 'drive', speedKmh: 80 }] })).toThrow(RangeError);
    expect(() => generateTrack({ vehicle: coach, route: g98Ring, seed: 1, startMs: START, plan: [{ kind: 'stop', durationMin: 0 }] })).toThrow(RangeError);
  });
});

describe('toRegistryVehicle', () => {
  it('gives every simulated vehicle a valid registry record with a plausible plate', () => {
    const bus = toRegistryVehicle({ deviceId: 'hn-bus-t1', category: 'bus', energyType: 'bev', city: '海口市' });
    expect(vehicleV1.parse(bus)).toEqual(bus);
    expect(bus.plate).toMatch(/^琼A·\d{5}D$/);
    expect(bus.plateColor).toBe('yellow-green');
    const taxi = toRegistryVehicle({ deviceId: 'hn-taxi-t1', category: 'taxi', energyType: 'bev', city: '三亚市' });
    expect(taxi.plate).toMatch(/^琼B·D\d{5}$/);
    const tanker = toRegistryVehicle({ deviceId: 'hn-hazmat-t1', category: 'hazmat', energyType: 'diesel', city: '儋州市', hazmatClass: '3' });
    expect(tanker).toMatchObject({ plateColor: 'yellow', hazmatClass: '3', inService: true });
    expect(toRegistryVehicle({ ...coach })).toEqual(toRegistryVehicle({ ...coach }));
  });
});
