/**
 * The green-metrics snapshot, run every five minutes: the registry (what is registered) and every vehicle's green
 * accumulators (what was driven and drawn) → metrics per city and fleet for the current hour, day and month →
 * history in DynamoDB and retained MQTT messages for operators.
 *
 * Periods that ended less than `closingWindowMs` ago are computed once more, so that each hour, day and month is
 * closed by a snapshot taken after its end ("at the close of each day"); every snapshot of a period overwrites the
 * last, so the final one stands.
 */
import type { GreenMetricsMessageV1 } from '../contracts/green-metrics.v1.ts';
import { computeGreenMetrics, type GreenSnapshot } from '../domain/green/metrics.ts';
import { cityCodeOf, type GreenRules } from '../domain/green/rules-config.ts';
import type { GreenVehicleState } from '../domain/green/accumulator.ts';
import { shanghaiDate, shanghaiHour, toShanghaiIso } from '../shared/local-time.ts';
import { topics } from '../../infra/topology.ts';
import type { GreenHistoryItem, PeriodKind, SnapshotPorts } from './ports.ts';

export interface SnapshotOptions {
  readonly rules: GreenRules;
  /** Periods that ended this recently are computed once more. Default 10 minutes (two 5-minute runs). */
  readonly closingWindowMs?: number;
}

export interface SnapshotResult {
  readonly vehicles: number;
  readonly periods: ReadonlyArray<{ kind: PeriodKind; key: string }>;
  /** The current day's snapshot (what is published and emitted as metrics). */
  readonly currentDay: GreenSnapshot;
  readonly historyItems: number;
  readonly published: number;
}

export function periodKeys(nowMs: number, closingWindowMs: number): Array<{ kind: PeriodKind; key: string }> {
  const keys = new Map<string, { kind: PeriodKind; key: string }>();
  for (const at of [nowMs - closingWindowMs, nowMs]) {
    const day = shanghaiDate(at);
    for (const p of [
      { kind: 'hour' as const, key: shanghaiHour(at) },
      { kind: 'day' as const, key: day },
      { kind: 'month' as const, key: day.slice(0, 7) },
    ]) {
      keys.set(`${p.kind}:${p.key}`, p);
    }
  }
  return [...keys.values()];
}

export async function takeGreenSnapshot(ports: SnapshotPorts, options: SnapshotOptions): Promise<SnapshotResult> {
  const nowMs = ports.nowMs();
  const vehicles = await ports.listVehicles();
  const states = new Map<string, GreenVehicleState>();
  for await (const state of ports.scanStates()) if (state.green) states.set(state.deviceId, state.green);

  const periods = periodKeys(nowMs, options.closingWindowMs ?? 10 * 60_000);
  const items: GreenHistoryItem[] = [];
  const current = new Map<PeriodKind, { key: string; snapshot: GreenSnapshot }>();
  for (const period of periods) {
    const snapshot = computeGreenMetrics({ vehicles, states, period, rules: options.rules });
    items.push({ scope: 'province', periodKind: period.kind, periodKey: period.key, computedAtMs: nowMs, metrics: snapshot.province });
    for (const [city, metrics] of Object.entries(snapshot.cities)) {
      items.push({ scope: `city#${cityCodeOf(city, options.rules) ?? city}`, periodKind: period.kind, periodKey: period.key, computedAtMs: nowMs, metrics });
    }
    // The later of the two keys of a kind is the current period (periods are listed oldest first).
    current.set(period.kind, { key: period.key, snapshot });
  }
  await ports.history.putMany(items);

  const message = (scope: string, cityName: string | undefined, pick: (s: GreenSnapshot) => unknown): GreenMetricsMessageV1 => ({
    schema: 'qiongjian.green-metrics',
    schemaVersion: 1,
    scope,
    ...(cityName ? { city: cityName } : {}),
    computedAt: toShanghaiIso(nowMs),
    periods: Object.fromEntries(
      [...current].map(([kind, { key, snapshot }]) => [kind, { key, fleets: pick(snapshot) }]),
    ) as GreenMetricsMessageV1['periods'],
  });
  const day = current.get('day') as { key: string; snapshot: GreenSnapshot };
  let published = 0;
  await ports.publishRetained(topics.greenMetricsProvince, message('province', undefined, (s) => s.province));
  published++;
  for (const city of Object.keys(day.snapshot.cities)) {
    // Every key of `cities` is a configured city with a code (unknown registry cities go to `unknownCities`).
    const code = cityCodeOf(city, options.rules) ?? city;
    await ports.publishRetained(topics.greenMetricsCity(code), message(`city#${code}`, city, (s) => s.cities[city] ?? {}));
    published++;
  }
  return { vehicles: vehicles.length, periods, currentDay: day.snapshot, historyItems: items.length, published };
}
