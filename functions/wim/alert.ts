/**
 * Builds the enforcement alert for a judged record. The alert id depends only on the station and the record id, so a
 * redelivered record maps onto the same alert.
 */
import { createHash } from 'node:crypto';
import type { OverloadAlertV1 } from '../contracts/overload-alert.v1.ts';
import { toShanghaiIso } from '../shared/local-time.ts';
import type { JudgedReading } from './ports.ts';

export function overloadAlertId(stationId: string, recordId: string): string {
  const digest = createHash('sha256').update(stationId).update('\n').update(recordId).digest('hex').slice(0, 20);
  return `ovl-${digest}`;
}

export function buildOverloadAlert(reading: JudgedReading, raisedAtMs: number): OverloadAlertV1 {
  const { record, judgement, station } = reading;
  return {
    schema: 'qiongjian.overload-alert',
    schemaVersion: 1,
    alertId: overloadAlertId(record.stationId, record.recordId),
    stationId: record.stationId,
    ...(station.name ? { stationName: station.name } : {}),
    recordId: record.recordId,
    lane: record.lane,
    plate: record.vehicle ? reading.plateKey.split('#')[0] ?? reading.plateKey : 'unknown',
    ...(record.vehicle ? { plateColor: record.vehicle.plateColor } : {}),
    measuredAt: record.measuredAt,
    grossWeightKg: record.grossWeightKg,
    limitKg: judgement.limitKg,
    overLimitKg: judgement.overLimitKg,
    overLimitRatio: judgement.overLimitRatio,
    band: judgement.band,
    hundredTonne: judgement.hundredTonne,
    enforceable: judgement.enforceable,
    dimensionViolations: judgement.dimensionViolations.map((v) => ({ ...v, fineRangeYuan: [v.fineRangeYuan[0], v.fineRangeYuan[1]] })),
    fineEstimateYuan: judgement.fine.totalEstimateYuan,
    fineWarningOnly: judgement.fine.warningOnly,
    fineBasis: judgement.fine.basis,
    limitBasis: { ...judgement.limitBasis, assumptions: [...judgement.limitBasis.assumptions] },
    evidence: {
      record,
      tolerance: { ...judgement.tolerance },
      axleFindings: judgement.axleFindings.map((f) => ({ ...f, axleIndexes: [...f.axleIndexes] })),
      receivedAt: toShanghaiIso(reading.receivedAtMs),
    },
    raisedAt: toShanghaiIso(raisedAtMs),
  };
}
