/**
 * Powertools instances of a handler, built from its environment: one place for the service name, log level and
 * metrics namespace, so every function logs and measures alike.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
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

/**
 * Wraps a handler in the middy middlewares every Qiongjian function uses: tracing, the Lambda context in the logs
 * (cleared between invocations), and metrics flushed at the end.
 */
export function instrumented<E, R>(handler: (event: E, context: Context) => Promise<R>, tools: Powertools): (event: E, context: Context) => Promise<R> {
  return middy(handler)
    .use(captureLambdaHandler(tools.tracer))
    .use(injectLambdaContext(tools.logger, { clearState: true }))
    .use(logMetrics(tools.metrics)) as unknown as (event: E, context: Context) => Promise<R>;
}

/**
 * The `handler` export of a module: built from process.env on the first invocation (Lambda), so that importing the
 * module — as the local stack does, to call `createHandler(env)` itself — needs no environment.
 */
export function handlerFromProcessEnv<E, R>(create: (env: Env) => (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  let built: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event, context) => {
    built ??= create(process.env);
    return built(event, context);
  };
}
