/**
 * In-memory implementations of the WIM ingest ports, for unit tests of the use case alone. They keep the same
 * guarantees as the DynamoDB adapters (overwrite by key, counted-id ledger, dead letters kept once).
 */
import type { OverloadAlertV1 } from '../../functions/contracts/overload-alert.v1.ts';
import type { OverloadPermit, StationProfile } from '../../functions/domain/overload/types.ts';
import type { StationCountersValue } from '../../functions/domain/overload/station-stats.ts';
import type { DeadLetter } from '../../functions/shared/dead-letter.ts';
import type {
  AlertPublisher,
  CounterStore,
  CounterUpdate,
  DeadLetterStore,
  JudgedReading,
  LoggerPort,
  OverLimitStore,
  AlertLedger,
  PublishedAlert,
  ReadingStore,
  WimConfigSource,
  WimIngestPorts,
} from '../../functions/wim/ports.ts';

export class MemoryConfig implements WimConfigSource {
  readonly stations = new Map<string, StationProfile>();
  readonly permits = new Map<string, OverloadPermit[]>();
  async stationProfiles(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.stations.has(id) ? [[id, this.stations.get(id) as StationProfile] as const] : [])));
  }
  async permitsForPlates(plates: readonly string[]) {
    return new Map(plates.flatMap((p) => (this.permits.has(p) ? [[p, this.permits.get(p) as OverloadPermit[]] as const] : [])));
  }
}

export class MemoryReadings implements ReadingStore {
  readonly items = new Map<string, JudgedReading>();
  writes = 0;
  failNext = 0;
  async putReadings(readings: readonly JudgedReading[]) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected reading failure');
    }
    for (const r of readings) {
      this.items.set(`${r.record.stationId}/${r.record.recordId}`, r);
      this.writes++;
    }
  }
}

export class MemoryOverLimit implements OverLimitStore {
  readonly items = new Map<string, JudgedReading>();
  async putRecords(readings: readonly JudgedReading[]) {
    for (const r of readings) this.items.set(`${r.record.stationId}/${r.record.recordId}`, r);
  }
}

export class MemoryAlertLedger implements AlertLedger {
  readonly items = new Map<string, PublishedAlert>();
  failNext = 0;
  async publishedAmong(alertIds: readonly string[]) {
    return new Set(alertIds.filter((id) => this.items.has(id)));
  }
  async recordPublished(alerts: readonly PublishedAlert[]) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected ledger failure');
    }
    for (const a of alerts) this.items.set(a.alert.alertId, a);
  }
}

export class MemoryCounters implements CounterStore {
  readonly totals = new Map<string, Record<string, number>>();
  readonly counted = new Map<string, Set<string>>();
  failNext = 0;
  async apply(update: CounterUpdate) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected counter failure');
    }
    const key = `${update.stationId}/${update.localHour}`;
    const ids = this.counted.get(key) ?? new Set<string>();
    this.counted.set(key, ids);
    const totals = this.totals.get(key) ?? {};
    this.totals.set(key, totals);
    const newlyCounted = new Set<string>();
    for (const c of update.contributions) {
      if (ids.has(c.recordId)) continue;
      ids.add(c.recordId);
      newlyCounted.add(c.recordId);
      for (const [field, amount] of Object.entries(c.increment)) totals[field] = (totals[field] ?? 0) + (amount as number);
    }
    return newlyCounted;
  }
  /** Sum of every hour of a station. */
  stationTotal(stationId: string): Partial<Record<keyof StationCountersValue, number>> {
    const sum: Record<string, number> = {};
    for (const [key, totals] of this.totals) {
      if (!key.startsWith(`${stationId}/`)) continue;
      for (const [field, amount] of Object.entries(totals)) sum[field] = (sum[field] ?? 0) + amount;
    }
    return sum;
  }
}

export class MemoryDeadLetters implements DeadLetterStore {
  readonly items = new Map<string, DeadLetter>();
  async put(deadLetter: DeadLetter) {
    if (!this.items.has(deadLetter.deadLetterId)) this.items.set(deadLetter.deadLetterId, deadLetter);
  }
}

export class MemoryAlerts implements AlertPublisher {
  readonly published: Array<{ topic: string; alert: OverloadAlertV1 }> = [];
  failNext = 0;
  async publish(topic: string, alert: OverloadAlertV1) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected publish failure');
    }
    this.published.push({ topic, alert });
  }
}

export const silentLogger: LoggerPort = { info() {}, warn() {}, error() {} };

export function memoryPorts(nowMs: () => number) {
  const config = new MemoryConfig();
  const readings = new MemoryReadings();
  const overLimit = new MemoryOverLimit();
  const alertLedger = new MemoryAlertLedger();
  const counters = new MemoryCounters();
  const deadLetters = new MemoryDeadLetters();
  const alerts = new MemoryAlerts();
  const ports: WimIngestPorts = { config, readings, overLimit, alertLedger, counters, deadLetters, alerts, logger: silentLogger, nowMs };
  return { ports, config, readings, overLimit, alertLedger, counters, deadLetters, alerts };
}
