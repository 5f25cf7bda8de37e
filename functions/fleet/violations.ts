/**
 * From a violation to a supervision alert, exactly once: violation ids are deterministic, so the ids already stored
 * are looked up first (one BatchGetItem per 100), the new ones published and then stored. The one window that can
 * repeat an alert on the wire — published, then the store failed — repeats it with the same `alertId`.
 */
import type { SupervisionAlertV1 } from '../contracts/supervision-alert.v1.ts';
import type { VehicleV1 } from '../contracts/vehicle.v1.ts';
import type { PositionReport, Violation } from '../domain/supervision/types.ts';
import { toShanghaiIso } from '../shared/local-time.ts';
import { topics } from '../../infra/topology.ts';
import type { FleetPorts, ViolationRecord } from './ports.ts';

export function evidenceOf(report: PositionReport): SupervisionAlertV1['evidence'][number] {
  return {
    seq: report.seq,
    ts: toShanghaiIso(report.tsMs),
    lat: report.lat,
    lon: report.lon,
    speedKmh: report.speedKmh,
    headingDeg: report.headingDeg,
    ...(report.odometerKm === undefined ? {} : { odometerKm: report.odometerKm }),
    ...(report.driverId === undefined ? {} : { driverId: report.driverId }),
    ...(report.alarmFlags === undefined ? {} : { alarmFlags: report.alarmFlags }),
  };
}

export function buildSupervisionAlert(violation: Violation, vehicle: VehicleV1, raisedAtMs: number): SupervisionAlertV1 {
  return {
    schema: 'qiongjian.supervision-alert',
    schemaVersion: 1,
    alertId: violation.violationId,
    type: violation.type,
    startAt: toShanghaiIso(violation.startMs),
    ...(violation.endMs === undefined ? {} : { endAt: toShanghaiIso(violation.endMs) }),
    ...(violation.driverId === undefined ? {} : { driverId: violation.driverId }),
    vehicle: {
      deviceId: vehicle.deviceId,
      plate: vehicle.plate,
      plateColor: vehicle.plateColor,
      category: vehicle.category,
      operator: vehicle.operator,
      city: vehicle.city,
    },
    details: { ...violation.details },
    basis: { ...violation.basis },
    evidence: violation.evidence.map(evidenceOf),
    raisedAt: toShanghaiIso(raisedAtMs),
  };
}

export interface PublishOutcome {
  readonly published: number;
  readonly alreadyKnown: number;
}

/** Publishes and stores the violations not seen before; throws if anything fails (the caller retries the batch). */
export async function publishNewViolations(
  found: ReadonlyArray<{ violation: Violation; vehicle: VehicleV1 }>,
  ports: Pick<FleetPorts, 'violations' | 'publisher' | 'nowMs'>,
  concurrency = 16,
): Promise<PublishOutcome> {
  if (found.length === 0) return { published: 0, alreadyKnown: 0 };
  const known = await ports.violations.knownAmong(found.map((f) => f.violation.violationId));
  const fresh = found.filter((f, i) => !known.has(f.violation.violationId) && found.findIndex((g) => g.violation.violationId === f.violation.violationId) === i);
  const records: ViolationRecord[] = [];
  let failure: unknown;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, fresh.length) }, async () => {
      while (next < fresh.length && failure === undefined) {
        const { violation, vehicle } = fresh[next++] as (typeof fresh)[number];
        const nowMs = ports.nowMs();
        try {
          await ports.publisher.publishJson(topics.supervisionAlerts(vehicle.category, vehicle.deviceId), buildSupervisionAlert(violation, vehicle, nowMs));
          records.push({ violation, vehicle, publishedAt: new Date(nowMs).toISOString() });
        } catch (error) {
          failure ??= error;
        }
      }
    }),
  );
  // Store what went out even when something failed, so that the retry does not publish those again.
  await ports.violations.putMany(records);
  if (failure !== undefined) throw failure;
  return { published: records.length, alreadyKnown: found.length - fresh.length };
}
