/**
 * WIM ingest Lambda: Kinesis batch of rule envelopes → judgement → DynamoDB → overload alerts.
 * Thin on purpose: it wires configuration and adapters, the work is in `functions/wim/ingest-service.ts`.
 *
 * Convention shared by every handler module: `handler` is what Lambda calls (it builds itself from process.env on
 * first use); `createHandler(env)` builds the same function from an explicit environment, which is how the local
 * stack runs it. Event doc: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { commonEnv, functions, tables } from '../../infra/topology.ts';
import { DynamoDbAlertLedger } from '../adapters/dynamodb/alert-ledger.ts';
import { DynamoDbCounterStore } from '../adapters/dynamodb/counter-store.ts';
import { DynamoDbDeadLetterStore } from '../adapters/dynamodb/dead-letter-store.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { DynamoDbOverLimitStore } from '../adapters/dynamodb/over-limit-store.ts';
import { DynamoDbReadingStore } from '../adapters/dynamodb/reading-store.ts';
import { DynamoDbWimConfigStore } from '../adapters/dynamodb/wim-config-store.ts';
import { IotAlertPublisher, iotDataClientFromEnv } from '../adapters/iot/alert-publisher.ts';
import { defaultOverloadRules } from '../domain/overload/rules-config.ts';
import { numberFromEnv, requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, instrumented, powertoolsFor } from '../shared/powertools.ts';
import { ingestWimBatch } from '../wim/ingest-service.ts';
import type { WimIngestPorts } from '../wim/ports.ts';

export type WimIngestHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

export function createHandler(env: Env): WimIngestHandler {
  const spec = functions.wimIngest;
  const tools = powertoolsFor(env, spec.serviceName);
  const { logger, metrics, tracer, loggerPort } = tools;

  const ddb = documentClientFromEnv(env);
  const iotData = iotDataClientFromEnv(env);
  tracer.captureAWSv3Client(ddb);
  tracer.captureAWSv3Client(iotData);

  const readingRetentionDays = numberFromEnv(env, commonEnv.readingRetentionDays, 90);
  const deadLetterRetentionDays = numberFromEnv(env, commonEnv.deadLetterRetentionDays, 30);
  const ports: WimIngestPorts = {
    config: new DynamoDbWimConfigStore(ddb, requireEnv(env, tables.wimConfig.envVar)),
    readings: new DynamoDbReadingStore(ddb, requireEnv(env, tables.wimReadings.envVar), readingRetentionDays),
    overLimit: new DynamoDbOverLimitStore(ddb, requireEnv(env, tables.overLimitRecords.envVar)),
    alertLedger: new DynamoDbAlertLedger(ddb, requireEnv(env, tables.overloadAlerts.envVar)),
    counters: new DynamoDbCounterStore(ddb, requireEnv(env, tables.stationCounters.envVar)),
    deadLetters: new DynamoDbDeadLetterStore(ddb, requireEnv(env, tables.deadLetters.envVar)),
    alerts: new IotAlertPublisher(iotData),
    logger: loggerPort,
    nowMs: Date.now,
  };

  const ingest = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const outcome = await ingestWimBatch(
      event.Records.map((record) => ({ id: record.kinesis.sequenceNumber, dataBase64: record.kinesis.data })),
      ports,
      { rules: defaultOverloadRules, deadLetterRetentionDays },
    );
    const s = outcome.summary;
    metrics.addMetric('RecordsReceived', MetricUnit.Count, s.received);
    metrics.addMetric('ReadingsWritten', MetricUnit.Count, s.readingsWritten);
    metrics.addMetric('OverLimitRecords', MetricUnit.Count, s.overLimit);
    metrics.addMetric('EnforceableRecords', MetricUnit.Count, s.enforceable);
    metrics.addMetric('AlertsPublished', MetricUnit.Count, s.alertsPublished);
    metrics.addMetric('DeadLettered', MetricUnit.Count, s.deadLettered);
    metrics.addMetric('Redelivered', MetricUnit.Count, s.duplicatesInBatch + s.alreadyCounted);
    metrics.addMetric('RecordsToRetry', MetricUnit.Count, s.failed);
    logger.info('batch processed', { ...s });
    return { batchItemFailures: outcome.failedIds.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  return instrumented(ingest, tools);
}

export const handler: WimIngestHandler = handlerFromProcessEnv(createHandler);
