/**
 * The green-transport metrics the snapshot function (`scheduledFunctions.greenSnapshot`) emits as CloudWatch EMF
 * metrics, and that the "Qiongjian" dashboard graphs. One list, read by both sides, so that they cannot disagree.
 *
 * This module deliberately has **no runtime import** besides the topology (itself dependency-free): a handler may
 * import it without pulling aws-cdk-lib into its Lambda bundle. The widgets themselves are built in
 * `infra/constructs/dashboard.ts`. The two lists themselves are defined in the topology.
 *
 * Every metric is emitted by Powertools Metrics in namespace `Qiongjian` (POWERTOOLS_METRICS_NAMESPACE) with the
 * dimensions `service` (`green-snapshot`, Powertools' default dimension), `fleet` and `city`. CloudWatch treats each
 * distinct dimension *set* as its own metric, so the handler must emit exactly these three dimensions.
 */
import { greenDashboardFleets, greenMetricNames, scheduledFunctions } from '../topology.ts';

/** CloudWatch namespace of every Qiongjian EMF metric (the stack's POWERTOOLS_METRICS_NAMESPACE). */
export const greenMetricsNamespace = 'Qiongjian';

/** Value of the `service` dimension: the snapshot function's Powertools service name. */
export const greenMetricsService = scheduledFunctions.greenSnapshot.serviceName;

/**
 * Metric names (as passed to `metrics.addMetric`) and the `fleet` values the dashboard shows (`all` = every registered
 * vehicle). Both live in `infra/topology.ts`, which the handler (functions/handlers/green-snapshot.ts) imports too;
 * they are re-exported here for the dashboard and its tests. The shares are emitted as percentages (0–100, unit
 * `Percent`), the other figures as the current day's totals (km, kWh, kg).
 */
export { greenDashboardFleets, greenMetricNames };
export type GreenMetricName = (typeof greenMetricNames)[number];
export type GreenDashboardFleet = (typeof greenDashboardFleets)[number];

/** Names of the two non-service dimensions. */
export const greenMetricDimensions = { fleet: 'fleet', city: 'city' } as const;

/** Value of the `city` dimension for the whole province (cities use their GB/T 2260 code, e.g. `460100`). */
export const greenProvinceCity = 'province';

/** One metric line of the dashboard, as plain data. */
export interface GreenMetricSeries {
  readonly namespace: string;
  readonly metricName: GreenMetricName;
  readonly dimensions: { readonly service: string; readonly fleet: GreenDashboardFleet; readonly city: string };
}

/** Every (metric, fleet) series of a scope (default: the province), in dashboard order. */
export function greenMetricSeries(city: string = greenProvinceCity): GreenMetricSeries[] {
  return greenMetricNames.flatMap((metricName) =>
    greenDashboardFleets.map((fleet) => ({
      namespace: greenMetricsNamespace,
      metricName,
      dimensions: { service: greenMetricsService, fleet, city },
    })),
  );
}
