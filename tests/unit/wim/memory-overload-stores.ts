/**
 * In-memory implementations of the overload console ports (functions/wim/api-ports.ts) with DynamoDB's paging
 * semantics: newest first, at most `limit` items, `next` when the query stopped early.
 */
import type { OverloadAcknowledgementV1 } from '../../../functions/contracts/overload-acknowledgement.v1.ts';
import type { StationProfile } from '../../../functions/domain/overload/types.ts';
import { shanghaiDate } from '../../../functions/shared/local-time.ts';
import type {
  AlertRangeQuery,
  OverLimitRecordStore,
  OverloadAlertStore,
  StationCounterReader,
  StationDirectory,
  StationHourCounters,
  StoredAlert,
  StoredOverLimitRecord,
  StorePage,
  StorePosition,
  TimeRangeQuery,
} from '../../../functions/wim/api-ports.ts';

function page<T>(matching: T[], keyOf: (item: T) => string, limit: number, after: StorePosition | undefined): StorePage<T> {
  const start = after ? matching.findIndex((item) => keyOf(item) === after.key) + 1 : 0;
  const items = matching.slice(start, start + limit);
  const last = items[items.length - 1];
  return start + limit < matching.length && last ? { items, next: { key: keyOf(last) } } : { items };
}

const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

export class MemoryAlertStore implements OverloadAlertStore {
  readonly items = new Map<string, StoredAlert>();
  readonly queries: string[] = [];

  put(...alerts: StoredAlert[]): void {
    for (const a of alerts) this.items.set(a.alertId, a);
  }

  private select(index: string, match: (a: StoredAlert) => boolean, q: AlertRangeQuery): StorePage<StoredAlert> {
    this.queries.push(index);
    const matching = [...this.items.values()]
      .filter((a) => match(a) && a.measuredAtUtc >= q.fromUtc && a.measuredAtUtc <= q.toUtc && (q.status === undefined || a.status === q.status))
      .sort((a, b) => desc(a.measuredAtUtc, b.measuredAtUtc) || desc(a.alertId, b.alertId));
    return page(matching, (a) => a.alertId, q.limit, q.after);
  }

  async alertsOfLocalDate(localDate: string, q: AlertRangeQuery) {
    return this.select(`date:${localDate}`, (a) => shanghaiDate(Date.parse(a.measuredAtUtc)) === localDate, q);
  }
  async alertsOfStation(stationId: string, q: AlertRangeQuery) {
    return this.select(`station:${stationId}`, (a) => a.stationId === stationId, q);
  }
  async alertsOfPlate(plateKey: string, q: AlertRangeQuery) {
    return this.select(`plate:${plateKey}`, (a) => a.plateKey === plateKey, q);
  }
  async plateAlertsOfLocalDate(localDate: string, q: TimeRangeQuery) {
    const all = this.select(`plates:${localDate}`, (a) => a.plateKey !== undefined && shanghaiDate(Date.parse(a.measuredAtUtc)) === localDate, { ...q, limit: Number.MAX_SAFE_INTEGER });
    const rows = all.items.map((a) => ({ alertId: a.alertId, stationId: a.stationId, measuredAtUtc: a.measuredAtUtc, overLimitKg: a.overLimitKg, plateKey: a.plateKey ?? '' }));
    return page(rows, (r) => r.alertId, q.limit, q.after);
  }
  async alert(alertId: string) {
    return this.items.get(alertId);
  }
  async acknowledge(alertId: string, acknowledgement: OverloadAcknowledgementV1) {
    const alert = this.items.get(alertId);
    if (alert?.status !== 'open') return false;
    this.items.set(alertId, { ...alert, status: 'acknowledged', acknowledgement });
    return true;
  }
}

export class MemoryOverLimitStore implements OverLimitRecordStore {
  readonly items: StoredOverLimitRecord[] = [];
  async recordOfAlert(alertId: string) {
    return this.items.find((r) => r.alertId === alertId);
  }
  async recordsOfStation(stationId: string, q: TimeRangeQuery & { minGrossWeightKg?: number }) {
    const matching = this.items
      .filter((r) => r.stationId === stationId && r.measuredAtUtc >= q.fromUtc && r.measuredAtUtc <= q.toUtc && r.grossWeightKg >= (q.minGrossWeightKg ?? 0))
      .sort((a, b) => desc(`${a.measuredAtUtc}#${a.recordId}`, `${b.measuredAtUtc}#${b.recordId}`));
    return page(matching, (r) => `${r.measuredAtUtc}#${r.recordId}`, q.limit, q.after);
  }
}

export class MemoryCounters implements StationCounterReader {
  readonly hours = new Map<string, StationHourCounters[]>();
  async hoursOfStationDay(stationId: string, localDate: string) {
    return this.hours.get(`${stationId}/${localDate}`) ?? [];
  }
}

export class MemoryStations implements StationDirectory {
  constructor(readonly profiles: StationProfile[] = []) {}
  async stations() {
    return this.profiles;
  }
}
