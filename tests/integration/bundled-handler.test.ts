/**
 * The artifact that is deployed — the handler bundled by esbuild as the CDK stack bundles it (ESM, node22, minified,
 * AWS SDK external) — runs on the embedded stack and turns an over-limit record into an alert.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overloadAlertV1 } from '../../functions/contracts/overload-alert.v1.ts';
import { toShanghaiIso } from '../../functions/shared/local-time.ts';
import { publishRecords } from '../../devices/simulator/scripted.ts';
import type { HandlerFactory } from '../../infra/local/lambda-runtime.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { functions } from '../../infra/topology.ts';
import { sixAxleRecord } from '../support/wim-records.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the bundled WIM handler on the embedded stack', () => {
  let stack: LocalStack;
  let officer: MqttClient;
  const alerts: unknown[] = [];

  beforeAll(async () => {
    // Inside the repository, so that the external AWS SDK resolves from node_modules as the runtime's would.
    const outdir = resolve(repoRoot, 'test-artifacts/bundle');
    mkdirSync(outdir, { recursive: true });
    const outfile = resolve(outdir, 'wim-ingest.mjs');
    await build({
      entryPoints: [resolve(repoRoot, functions.wimIngest.entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      outfile,
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    const bundled = (await import(pathToFileURL(outfile).href)) as { createHandler: HandlerFactory; handler: unknown };
    expect(typeof bundled.handler).toBe('function');
    stack = await startLocalStack({
      mqttPort: 0,
      dynamodbPort: 0,
      httpPort: 0,
      stage: 'bundle',
      log: () => {},
      functionOverrides: { wimIngest: bundled.createHandler },
      passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    officer = await connectAsync(stack.endpoints.mqttUrl, { clientId: 'enforcement-bundle', clean: true });
    officer.on('message', (_topic, payload) => alerts.push(JSON.parse(payload.toString('utf8'))));
    await officer.subscribeAsync('alerts/overload/+', { qos: 1 });
  });

  afterAll(async () => {
    await officer?.endAsync();
    await stack?.stop();
  });

  it('alerts an enforceable record', async () => {
    const record = sixAxleRecord({ recordId: 'bundled-1', stationId: 'hn-bundle', measuredAt: toShanghaiIso(Date.now()), grossWeightKg: 60_000 });
    await publishRecords(stack.endpoints.mqttUrl, [{ record }]);
    await stack.drain();
    const deadline = Date.now() + 5000;
    while (alerts.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(alerts).toHaveLength(1);
    expect(overloadAlertV1.parse(alerts[0])).toMatchObject({ recordId: 'bundled-1', limitKg: 49_000, overLimitKg: 11_000 });
  });
});
