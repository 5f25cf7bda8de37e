/**
 * Fleet sweep Lambda, run on a schedule: silent terminals, confirmed disconnects, and closing the episodes of
 * vehicles that stopped reporting. Handler convention as in wim-ingest.ts.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { scheduledFunctions } from '../../infra/topology.ts';
import { defaultGreenRules } from '../domain/green/rules-config.ts';
import { defaultSupervisionRules } from '../domain/supervision/rules-config.ts';
import { sweepFleet, type SweepSummary } from '../fleet/sweep-service.ts';
import type { Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, instrumented } from '../shared/powertools.ts';
import { fleetWiring } from './fleet-common.ts';

export type FleetSweepHandler = (event: unknown, context: Context) => Promise<SweepSummary>;

export function createHandler(env: Env): FleetSweepHandler {
  const { ports, tools, logger, metrics, positionRetentionDays } = fleetWiring(env, scheduledFunctions.fleetSweep.serviceName);
  const sweep = async (): Promise<SweepSummary> => {
    const s = await sweepFleet(ports, { rules: defaultSupervisionRules, greenRules: defaultGreenRules, positionRetentionDays });
    metrics.addMetric('VehiclesSwept', MetricUnit.Count, s.vehicles);
    metrics.addMetric('SilentTerminals', MetricUnit.Count, s.silentViolations);
    metrics.addMetric('OfflineConfirmed', MetricUnit.Count, s.offlineConfirmed);
    metrics.addMetric('SupervisionAlertsPublished', MetricUnit.Count, s.alertsPublished);
    logger.info('sweep done', { ...s });
    return s;
  };
  return instrumented(sweep, tools);
}

export const handler: FleetSweepHandler = handlerFromProcessEnv(createHandler);
