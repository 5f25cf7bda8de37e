/**
 * The CloudWatch dashboard of a Qiongjian deployment: green-transport metrics for the province (what the snapshot
 * function emits, `infra/constructs/green-dashboard.ts`) and the operational view (records and reports processed,
 * alerts published, dead letters, Kinesis iterator age, Lambda errors).
 *
 * CloudWatch dashboards exist in cn-north-1/cn-northwest-1. Nothing here names a region or partition: the widgets'
 * region is the stack's `AWS::Region` and every metric is addressed by namespace and dimensions (resource names are
 * `Ref`s), never by ARN. Dashboard names are unique per *account* (not per region), so the stack passes a name that
 * includes the region.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  SingleValueWidget,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functions, scheduledFunctions } from '../topology.ts';
import {
  type GreenMetricName,
  greenDashboardFleets,
  greenMetricNames,
  greenMetricSeries,
  greenMetricsNamespace,
  greenProvinceCity,
} from './green-dashboard.ts';

/** Period of the green-metric series: the snapshot runs every `rateMinutes` and emits one value per series per run. */
const GREEN_PERIOD = Duration.minutes(scheduledFunctions.greenSnapshot.rateMinutes);
const OPS_PERIOD = Duration.minutes(5);

/** An EMF metric a handler emits (Powertools: namespace `Qiongjian`, dimension `service`), summed per period. */
export interface ServiceMetric {
  readonly service: string;
  readonly metricName: string;
  readonly label: string;
}

/**
 * The handlers' operational EMF metrics the dashboard shows (names as in `metrics.addMetric` of
 * functions/handlers/*.ts; tests/infra/stack.test.ts checks that the handlers still emit them).
 */
export const operationalMetrics = {
  recordsProcessed: [
    { service: functions.wimIngest.serviceName, metricName: 'RecordsReceived', label: 'WIM records received' },
    { service: functions.wimIngest.serviceName, metricName: 'ReadingsWritten', label: 'WIM readings written' },
    { service: functions.fleetIngest.serviceName, metricName: 'TelemetryReports', label: 'Fleet telemetry reports' },
    { service: functions.fleetIngest.serviceName, metricName: 'PresenceEvents', label: 'Fleet presence events' },
  ],
  alertsPublished: [
    { service: functions.wimIngest.serviceName, metricName: 'AlertsPublished', label: 'Overload alerts' },
    { service: functions.fleetIngest.serviceName, metricName: 'SupervisionAlertsPublished', label: 'Supervision alerts (ingest)' },
    { service: scheduledFunctions.fleetSweep.serviceName, metricName: 'SupervisionAlertsPublished', label: 'Supervision alerts (sweep)' },
  ],
  deadLettered: [
    { service: functions.wimIngest.serviceName, metricName: 'DeadLettered', label: 'WIM dead letters' },
    { service: functions.fleetIngest.serviceName, metricName: 'DeadLettered', label: 'Fleet dead letters' },
  ],
} as const satisfies Record<string, readonly ServiceMetric[]>;

export interface QiongjianDashboardProps {
  readonly dashboardName: string;
  readonly streams: ReadonlyArray<{ readonly label: string; readonly stream: IStream }>;
  readonly functions: ReadonlyArray<{ readonly label: string; readonly function: IFunction }>;
  readonly deadLetterQueues: ReadonlyArray<{ readonly label: string; readonly queue: IQueue }>;
}

function serviceMetric(m: ServiceMetric): Metric {
  return new Metric({
    namespace: greenMetricsNamespace,
    metricName: m.metricName,
    dimensionsMap: { service: m.service },
    statistic: 'Sum',
    period: OPS_PERIOD,
    label: m.label,
  });
}

function greenMetric(metricName: GreenMetricName, fleet: string, statistic: string): Metric {
  const series = greenMetricSeries(greenProvinceCity).find(
    (s) => s.metricName === metricName && s.dimensions.fleet === fleet,
  );
  if (!series) throw new Error(`no green metric series ${metricName}/${fleet}`);
  return new Metric({
    namespace: series.namespace,
    metricName,
    dimensionsMap: { ...series.dimensions },
    statistic,
    period: GREEN_PERIOD,
    label: fleet,
  });
}

export class QiongjianDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: QiongjianDashboardProps) {
    super(scope, id);
    const graph = (title: string, left: IMetric[], width = 8, extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {}) =>
      new GraphWidget({ title, left, width, height: 6, ...extra });

    this.dashboard = new Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(1),
    });

    // ── Green transport (province) ──────────────────────────────────────────────────────────────────────────────
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## Green transport — province (fleets: ${greenDashboardFleets.join(', ')})\nEmitted by the green snapshot every ${scheduledFunctions.greenSnapshot.rateMinutes} min; shares in %, the other figures are the current day's totals (km, kWh, kg CO₂ avoided).`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Province, all fleets (latest)',
        metrics: greenMetricNames.map((name) => {
          const m = greenMetric(name, 'all', 'Maximum');
          return m.with({ label: name });
        }),
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      ...greenMetricNames.map((name) =>
        graph(
          name,
          greenDashboardFleets.map((fleet) => greenMetric(name, fleet, 'Maximum')),
          name.endsWith('Share') ? 12 : 8,
          name.endsWith('Share') ? { leftYAxis: { min: 0, max: 100, label: '%', showUnits: false } } : { leftYAxis: { min: 0 } },
        ),
      ),
    );

    // ── Operations ──────────────────────────────────────────────────────────────────────────────────────────────
    this.dashboard.addWidgets(new TextWidget({ markdown: '## Operations', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      graph('Records and reports processed', operationalMetrics.recordsProcessed.map(serviceMetric)),
      graph('Alerts published', operationalMetrics.alertsPublished.map(serviceMetric)),
      graph('Dead letters (kept in the DeadLetters table)', operationalMetrics.deadLettered.map(serviceMetric)),
    );
    this.dashboard.addWidgets(
      graph(
        'Kinesis iterator age (max, ms)',
        props.streams.map(({ label, stream }) =>
          stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: Duration.minutes(1), label }),
        ),
      ),
      graph(
        'Lambda errors',
        props.functions.map(({ label, function: fn }) => fn.metricErrors({ statistic: 'Sum', period: OPS_PERIOD, label })),
      ),
      graph(
        'Dead-letter queues (messages waiting)',
        props.deadLetterQueues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: OPS_PERIOD, label }),
        ),
      ),
    );
  }
}
