/**
 * Overload console API Lambda (API Gateway HTTP API): alerts and their acknowledgement, stations, station-days,
 * over-limit records and repeat offenders. Routes in functions/wim/api-routes.ts; events, roles and metrics in
 * api-common.ts. Handler convention as in wim-ingest.ts.
 */
import { tables, topics } from '../../infra/topology.ts';
import { DynamoDbOverloadAlertStore } from '../adapters/dynamodb/alert-ledger.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { IotJsonPublisher, iotDataClientFromEnv } from '../adapters/iot/alert-publisher.ts';
import { DynamoDbOverLimitRecordStore, DynamoDbStationDirectory, WimQueries } from '../adapters/dynamodb/wim-queries.ts';
import { type Env, requireEnv } from '../shared/aws-client-config.ts';
import { overloadRoutes } from '../wim/api-routes.ts';
import { handlerFromProcessEnv } from '../shared/powertools.ts';
import { type ApiHandler, apiLogger, createApiHandler } from './api-common.ts';

export function createHandler(env: Env): ApiHandler {
  return createApiHandler('overloadApi', env, (env, tools) => {
    const ddb = documentClientFromEnv(env);
    tools.tracer.captureAWSv3Client(ddb);
    const iotData = iotDataClientFromEnv(env);
    tools.tracer.captureAWSv3Client(iotData);
    const publisher = new IotJsonPublisher(iotData);
    const table = (name: 'overloadAlerts' | 'overLimitRecords' | 'stationCounters' | 'wimConfig') => requireEnv(env, tables[name].envVar);
    return overloadRoutes({
      alerts: new DynamoDbOverloadAlertStore(ddb, table('overloadAlerts')),
      overLimit: new DynamoDbOverLimitRecordStore(ddb, table('overLimitRecords')),
      // The console reads no raw readings (the function is granted none), so that table name stays empty.
      counters: new WimQueries(ddb, { wimReadings: '', overLimitRecords: table('overLimitRecords'), stationCounters: table('stationCounters'), overloadAlerts: table('overloadAlerts') }),
      stations: new DynamoDbStationDirectory(ddb, table('wimConfig')),
      nowMs: Date.now,
      announce: (message) => publisher.publishJson(topics.overloadAcknowledgements(message.stationId), message),
      logger: apiLogger(tools),
    });
  });
}

export const handler: ApiHandler = handlerFromProcessEnv(createHandler);
