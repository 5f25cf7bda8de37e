/**
 * Runs the repository's Lambda handler modules in-process, as the Lambda Node.js runtime would, with two things the
 * cloud gives every invocation and handlers depend on:
 *
 * - a Context with a real deadline (`getRemainingTimeInMillis()` counts down from the function's timeout). middy
 *   aborts a handler `timeoutEarlyInMillis` before the deadline, so a constant value makes every call "time out"
 *   (docs/local-stack.md, notes §6.4);
 * - bounded concurrency, like reserved concurrency, so a burst queues instead of opening hundreds of connections.
 *
 * Handler module convention (every module under functions/handlers/): export `handler` for Lambda, which builds its
 * dependencies from `process.env` on first use, and `createHandler(env)` which builds the same handler from an
 * explicit environment. The local stack calls `createHandler(localEnv)` and never touches `process.env`, so several
 * stacks (tests) can run in one process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { commonEnv, streams, tables, type FunctionSpec, type TableName } from '../topology.ts';
import { localAccountId, localFunctionName, localRegion, localStreamName, localTableName } from './names.ts';

export type HandlerEnv = Readonly<Record<string, string | undefined>>;
export type LambdaHandler = (event: unknown, context: Context) => unknown;
export type HandlerFactory = (env: HandlerEnv) => LambdaHandler;

/** The handler module does not follow the convention (no `createHandler` export). */
export class HandlerConventionError extends Error {
  override readonly name = 'HandlerConventionError';
}

/** The invocation ran past the function's timeout (Lambda reports "Task timed out after N seconds"). */
export class LambdaTimeoutError extends Error {
  override readonly name = 'LambdaTimeoutError';
}

/** Imports `entry` (relative to `repoRoot`) and returns its `createHandler` export. */
export async function loadHandlerFactory(repoRoot: string, entry: string): Promise<HandlerFactory> {
  const url = pathToFileURL(resolve(repoRoot, entry)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot load handler module ${entry}: ${(error as Error).message}`, { cause: error });
  }
  const factory = module.createHandler;
  if (typeof factory !== 'function') {
    throw new HandlerConventionError(
      `${entry} must export createHandler(env) next to handler, so the local stack can build it from its own environment`,
    );
  }
  return factory as HandlerFactory;
}

export interface LocalEndpoints {
  readonly stage: string;
  readonly dynamodbUrl: string;
  readonly iotDataUrl: string;
  readonly region?: string;
}

/**
 * The environment a function gets locally: the variables the CDK stack sets (table and stream names, Powertools
 * settings, IoT data endpoint), the ones the Lambda runtime sets (region, function name, memory), the endpoint
 * override that points the SDK at dynalite, and dummy credentials so the SDK never looks for a profile.
 */
/** What the local runtime needs of any function spec: stream consumers, scheduled and API functions alike. */
export type LocalFunctionSpec = Pick<FunctionSpec, 'logicalId' | 'readsTables' | 'writesTables' | 'serviceName' | 'memoryMb' | 'timeoutS'> & {
  readonly source?: Pick<FunctionSpec['source'], 'stream'>;
};

export function localFunctionEnv(spec: LocalFunctionSpec, endpoints: LocalEndpoints, passThrough: HandlerEnv = {}): Record<string, string> {
  const region = endpoints.region ?? localRegion;
  const env: Record<string, string> = {};
  const declaredTables = new Set<TableName>([...spec.readsTables, ...spec.writesTables]);
  for (const name of declaredTables) env[tables[name].envVar] = localTableName(endpoints.stage, tables[name]);
  if (spec.source) env[streams[spec.source.stream].envVar] = localStreamName(endpoints.stage, streams[spec.source.stream]);
  Object.assign(env, {
    POWERTOOLS_SERVICE_NAME: spec.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: 'Qiongjian',
    [commonEnv.iotDataEndpoint]: endpoints.iotDataUrl,
    [commonEnv.dynamodbEndpoint]: endpoints.dynamodbUrl,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: localFunctionName(endpoints.stage, spec),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
  });
  // Settings a developer may tune from the shell (log level, retention days) pass through when set.
  for (const name of [
    commonEnv.readingRetentionDays,
    commonEnv.deadLetterRetentionDays,
    commonEnv.positionRetentionDays,
    'POWERTOOLS_LOG_LEVEL',
    'POWERTOOLS_DEV',
    'POWERTOOLS_METRICS_DISABLED',
    'POWERTOOLS_TRACE_ENABLED',
  ]) {
    const value = passThrough[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface LocalFunctionOptions {
  readonly functionName: string;
  readonly timeoutS: number;
  readonly memoryMb: number;
  /** Concurrent invocations; further calls wait in a queue. Default 10. */
  readonly maxConcurrency?: number;
  readonly region?: string;
  readonly accountId?: string;
}

export interface LocalFunctionStats {
  readonly invocations: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly running: number;
  readonly queued: number;
}

export class LocalFunction {
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private counts = { invocations: 0, errors: 0, timeouts: 0 };
  private readonly maxConcurrency: number;
  private readonly arn: string;

  constructor(
    private readonly handler: LambdaHandler,
    private readonly options: LocalFunctionOptions,
  ) {
    this.maxConcurrency = options.maxConcurrency ?? 10;
    this.arn = `arn:aws:lambda:${options.region ?? localRegion}:${options.accountId ?? localAccountId}:function:${options.functionName}`;
  }

  get name(): string {
    return this.options.functionName;
  }

  get stats(): LocalFunctionStats {
    return { ...this.counts, running: this.running, queued: this.queue.length };
  }

  /** Invokes the handler synchronously (RequestResponse) and returns its result; rejects on error or timeout. */
  async invoke(event: unknown): Promise<unknown> {
    await this.acquire();
    try {
      this.counts.invocations++;
      return await this.run(event);
    } catch (error) {
      this.counts.errors++;
      throw error;
    } finally {
      this.release();
    }
  }

  private async run(event: unknown): Promise<unknown> {
    const timeoutMs = this.options.timeoutS * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = this.context(deadline);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.counts.timeouts++;
        reject(new LambdaTimeoutError(`${context.awsRequestId} Task timed out after ${this.options.timeoutS.toFixed(2)} seconds`));
      }, timeoutMs);
    });
    try {
      // Unlike Lambda we cannot freeze a timed-out handler: it keeps running in the background, but its result is
      // ignored, as Lambda would ignore it after the sandbox is reset.
      return await Promise.race([Promise.resolve().then(() => this.handler(event, context)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private context(deadline: number): Context {
    const unsupported = (): never => {
      throw new Error('context.done/fail/succeed are not supported by the local runtime: return a promise');
    };
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.options.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arn,
      memoryLimitInMB: String(this.options.memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${this.options.functionName}`,
      logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrency) {
      this.running++;
      return Promise.resolve();
    }
    // The slot is handed over by release(), so `running` stays at the limit while the queue drains.
    return new Promise((resolveSlot) => this.queue.push(resolveSlot));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }
}

/** Loads a topology function with the handler convention and wraps it in a {@link LocalFunction}. */
export async function loadLocalFunction(
  repoRoot: string,
  spec: FunctionSpec,
  env: HandlerEnv,
  options: Partial<Pick<LocalFunctionOptions, 'maxConcurrency' | 'region' | 'accountId'>> & { functionName: string },
): Promise<LocalFunction> {
  const factory = await loadHandlerFactory(repoRoot, spec.entry);
  return new LocalFunction(factory(env), { timeoutS: spec.timeoutS, memoryMb: spec.memoryMb, ...options });
}
