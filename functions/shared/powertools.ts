/**
 * Powertools instances of a handler, built from its environment: one place for the service name, log level and
 * metrics namespace, so every function logs and measures alike.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { LoggerPort } from '../wim/ports.ts';
import type { Env } from './aws-client-config.ts';

export interface Powertools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** The logger behind the use cases' small logging port. */
  readonly loggerPort: LoggerPort;
}

export function powertoolsFor(env: Env, defaultServiceName: string): Powertools {
  const serviceName = env.POWERTOOLS_SERVICE_NAME ?? defaultServiceName;
  const logger = new Logger({ serviceName, ...(env.POWERTOOLS_LOG_LEVEL ? { logLevel: env.POWERTOOLS_LOG_LEVEL as 'INFO' } : {}) });
  return {
    logger,
    metrics: new Metrics({ serviceName, namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'Qiongjian' }),
    tracer: new Tracer({ serviceName }),
    loggerPort: {
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
  };
}
