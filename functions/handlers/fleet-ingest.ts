/**
 * Fleet ingest Lambda: Kinesis batches of telemetry and lifecycle envelopes → supervision rules → DynamoDB →
 * supervision alerts. Thin: the work is in `functions/fleet/ingest-service.ts`. Handler convention as in
 * wim-ingest.ts: `handler` for Lambda, `createHandler(env)` for the local stack.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { functions } from '../../infra/topology.ts';
import { defaultGreenRules } from '../domain/green/rules-config.ts';
import { defaultSupervisionRules } from '../domain/supervision/rules-config.ts';
import { ingestFleetBatch } from '../fleet/ingest-service.ts';
import type { Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, instrumented } from '../shared/powertools.ts';
import { fleetWiring } from './fleet-common.ts';

export type FleetIngestHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

export function createHandler(env: Env): FleetIngestHandler {
  const { ports, tools, logger, metrics, deadLetterRetentionDays, positionRetentionDays } = fleetWiring(env, functions.fleetIngest.serviceName);

  const ingest = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    // Storage failures throw and the whole batch is retried (bisected): every step is idempotent, and bad input is
    // dead-lettered rather than failed, so a retry never loops on a poison message.
    const s = await ingestFleetBatch(
      event.Records.map((r) => ({ id: r.kinesis.sequenceNumber, dataBase64: r.kinesis.data })),
      ports,
      { rules: defaultSupervisionRules, greenRules: defaultGreenRules, deadLetterRetentionDays, positionRetentionDays, maxFutureSkewS: 300, maxAgeS: 7 * 86_400 },
    );
    metrics.addMetric('TelemetryReports', MetricUnit.Count, s.reports);
    metrics.addMetric('PresenceEvents', MetricUnit.Count, s.presenceEvents);
    metrics.addMetric('Violations', MetricUnit.Count, s.violations);
    metrics.addMetric('SupervisionAlertsPublished', MetricUnit.Count, s.alertsPublished);
    metrics.addMetric('LateReports', MetricUnit.Count, s.lateReports);
    metrics.addMetric('UnregisteredReports', MetricUnit.Count, s.unregisteredReports);
    metrics.addMetric('DeadLettered', MetricUnit.Count, s.deadLettered);
    logger.info('batch processed', { ...s });
    return { batchItemFailures: [] };
  };

  return instrumented(ingest, tools);
}

export const handler: FleetIngestHandler = handlerFromProcessEnv(createHandler);
