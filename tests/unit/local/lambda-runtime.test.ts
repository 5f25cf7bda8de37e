import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HandlerConventionError,
  LambdaTimeoutError,
  LocalFunction,
  loadHandlerFactory,
  localFunctionEnv,
} from '../../../infra/local/lambda-runtime.ts';
import { functions, tables } from '../../../infra/topology.ts';
import type { EchoResult } from '../../fixtures/handlers/echo.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('lambda runtime', () => {
  it('loads createHandler from a module and invokes it with a real-deadline context', async () => {
    const factory = await loadHandlerFactory(repoRoot, 'tests/fixtures/handlers/echo.ts');
    const fn = new LocalFunction(factory({ A: 'b' }), { functionName: 'local-Echo', timeoutS: 2, memoryMb: 128 });
    const first = (await fn.invoke({ hello: 1 })) as EchoResult;
    const second = (await fn.invoke({ delayMs: 50 })) as EchoResult;
    expect(first).toMatchObject({ event: { hello: 1 }, env: { A: 'b' }, functionName: 'local-Echo' });
    expect(first.remainingMs).toBeGreaterThan(1900);
    expect(first.remainingMs).toBeLessThanOrEqual(2000);
    expect(second.remainingMs).toBeLessThan(1960);
    expect(first.awsRequestId).not.toBe(second.awsRequestId);
  });

  it('rejects modules without createHandler, naming the convention', async () => {
    await expect(loadHandlerFactory(repoRoot, 'tests/fixtures/handlers/no-factory.ts')).rejects.toThrow(HandlerConventionError);
    await expect(loadHandlerFactory(repoRoot, 'tests/fixtures/handlers/no-factory.ts')).rejects.toThrow(/createHandler\(env\)/);
  });

  it('times out like Lambda and propagates handler errors', async () => {
    const factory = await loadHandlerFactory(repoRoot, 'tests/fixtures/handlers/echo.ts');
    const fn = new LocalFunction(factory({}), { functionName: 'f', timeoutS: 0.05, memoryMb: 128 });
    await expect(fn.invoke({ delayMs: 200 })).rejects.toThrow(LambdaTimeoutError);
    await expect(fn.invoke({ fail: true })).rejects.toThrow('echo asked to fail');
    expect(fn.stats).toMatchObject({ invocations: 2, errors: 2, timeouts: 1, running: 0 });
  });

  it('bounds concurrency', async () => {
    let running = 0;
    let peak = 0;
    const fn = new LocalFunction(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { functionName: 'f', timeoutS: 5, memoryMb: 128, maxConcurrency: 3 },
    );
    await Promise.all(Array.from({ length: 20 }, () => fn.invoke({})));
    expect(peak).toBe(3);
    expect(fn.stats).toMatchObject({ invocations: 20, running: 0, queued: 0 });
  });

  it('builds the environment the CDK stack sets, with local names and endpoints', () => {
    const env = localFunctionEnv(functions.wimIngest, { stage: 'dev', dynamodbUrl: 'http://127.0.0.1:1', iotDataUrl: 'http://127.0.0.1:2' }, { POWERTOOLS_LOG_LEVEL: 'WARN', UNRELATED: 'x' });
    // Exactly the tables the function declares, as the CDK stack grants them: no others.
    const declared = new Set<string>([...functions.wimIngest.readsTables, ...functions.wimIngest.writesTables]);
    for (const [name, spec] of Object.entries(tables)) {
      if (declared.has(name)) expect(env[spec.envVar]).toBe(`dev-${spec.logicalId}`);
      else expect(env[spec.envVar]).toBeUndefined();
    }
    expect(env).toMatchObject({
      WIM_RECORD_STREAM: 'dev-WimRecordStream',
      POWERTOOLS_SERVICE_NAME: 'wim-ingest',
      POWERTOOLS_METRICS_NAMESPACE: 'Qiongjian',
      IOT_DATA_ENDPOINT: 'http://127.0.0.1:2',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
      AWS_REGION: 'local',
      AWS_LAMBDA_FUNCTION_NAME: 'dev-WimIngestFunction',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    expect(env.UNRELATED).toBeUndefined();
  });
});
