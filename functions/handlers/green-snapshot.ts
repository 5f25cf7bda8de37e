/**
 * Green snapshot Lambda, every five minutes: metrics per city and fleet → history, retained MQTT, and CloudWatch
 * metrics (EMF) for the dashboard. Handler convention as in wim-ingest.ts.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { greenDashboardFleets, scheduledFunctions, tables } from '../../infra/topology.ts';
import { DynamoDbGreenHistoryStore } from '../adapters/dynamodb/green-history-store.ts';
import { documentClientFromEnv } from '../adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStateStore } from '../adapters/dynamodb/fleet-stores.ts';
import { DynamoDbVehicleStore } from '../adapters/dynamodb/vehicle-store.ts';
import { IotJsonPublisher, iotDataClientFromEnv } from '../adapters/iot/alert-publisher.ts';
import type { VehicleV1 } from '../contracts/vehicle.v1.ts';
import { defaultGreenRules } from '../domain/green/rules-config.ts';
import { takeGreenSnapshot } from '../green/snapshot-service.ts';
import { requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, instrumented, powertoolsFor } from '../shared/powertools.ts';

export type GreenSnapshotHandler = (event: unknown, context: Context) => Promise<{ vehicles: number; published: number }>;

export function createHandler(env: Env): GreenSnapshotHandler {
  const tools = powertoolsFor(env, scheduledFunctions.greenSnapshot.serviceName);
  const { logger, metrics, tracer } = tools;
  const ddb = documentClientFromEnv(env);
  const iotData = iotDataClientFromEnv(env);
  tracer.captureAWSv3Client(ddb);
  tracer.captureAWSv3Client(iotData);
  const registry = new DynamoDbVehicleStore(ddb, requireEnv(env, tables.vehicles.envVar), { cacheTtlMs: 0 });
  const states = new DynamoDbVehicleStateStore(ddb, requireEnv(env, tables.vehicleState.envVar));
  const history = new DynamoDbGreenHistoryStore(ddb, requireEnv(env, tables.greenMetrics.envVar));
  const publisher = new IotJsonPublisher(iotData);

  const listVehicles = async (): Promise<VehicleV1[]> => {
    const all: VehicleV1[] = [];
    let cursor: string | undefined;
    do {
      const page = await registry.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
      all.push(...page.vehicles);
      cursor = page.cursor;
    } while (cursor);
    return all;
  };

  const snapshot = async () => {
    const result = await takeGreenSnapshot(
      {
        listVehicles,
        scanStates: () => states.scanAll(),
        history,
        publishRetained: (topic, message) => publisher.publishJson(topic, message, { retain: true }),
        nowMs: Date.now,
      },
      { rules: defaultGreenRules },
    );
    // Province figures of the current day, per fleet, for the dashboard (names shared with the CDK dashboard).
    for (const fleet of greenDashboardFleets) {
      const m = result.currentDay.province[fleet];
      if (!m) continue;
      const single = metrics.singleMetric();
      single.addDimensions({ city: 'province', fleet });
      single.addMetric('NewEnergyShare', MetricUnit.Percent, m.newEnergyShare * 100);
      single.addMetric('CleanEnergyShare', MetricUnit.Percent, m.cleanEnergyShare * 100);
      single.addMetric('ElectricVehicleKm', MetricUnit.Count, m.electricVehicleKm);
      single.addMetric('EnergyKWh', MetricUnit.Count, m.energyKWh);
      single.addMetric('Co2AvoidedKg', MetricUnit.Count, m.co2AvoidedKg);
    }
    metrics.addMetric('GreenSnapshots', MetricUnit.Count, 1);
    logger.info('green snapshot', { vehicles: result.vehicles, historyItems: result.historyItems, published: result.published });
    return { vehicles: result.vehicles, published: result.published };
  };

  return instrumented(snapshot, tools);
}

export const handler: GreenSnapshotHandler = handlerFromProcessEnv(createHandler);
