/**
 * The console's plumbing on the embedded stack, over real sockets: the static site, its generated config, the
 * OpenAPI document and the mqtt.js bundle on the HTTP port; MQTT over WebSocket at /mqtt on the same port, where a
 * console client logs in with a development token (as the cloud's IoT custom authorizer takes the JWT) and, with the
 * cloud's policies enforced, may subscribe only to what its role may see.
 */
import { get } from 'node:http';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../functions/api/openapi.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { apiFunctions, topics } from '../../infra/topology.ts';

let stack: LocalStack;
let base: string;

beforeAll(async () => {
  stack = await startLocalStack({ mqttPort: 0, dynamodbPort: 0, httpPort: 0, stage: 'console-it', enforcePolicies: true, scheduleIntervalMs: { greenSnapshot: 0 } });
  base = `http://127.0.0.1:${stack.ports.http}`;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('console site on the local HTTP port', () => {
  it('serves the page, its scripts and the mqtt.js bundle', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/琼监/);
    const bundle = await fetch(`${base}/vendor/mqtt.esm.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('config.json points the page at this stack, with the MQTT URL on the host it was loaded from', async () => {
    // fetch may not set Host; node:http may.
    const config = await new Promise<unknown>((resolve, reject) => {
      get({ host: '127.0.0.1', port: stack.ports.http, path: '/config.json', headers: { host: `console.example:${stack.ports.http}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
      }).on('error', reject);
    });
    expect(config).toEqual({
      apiBaseUrl: '/api',
      mqtt: { url: `ws://console.example:${stack.ports.http}/mqtt` },
      auth: { kind: 'dev-token', token: stack.devToken },
      stage: 'console-it',
    });
  });

  it('does not serve files outside the site, however the path is spelled', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/js/..%2f..%2f..%2fpackage.json', '/nope.html']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
    }
  });

  it('serves the OpenAPI document, one operation per route of the topology', async () => {
    const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(document).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    const routes = Object.values(apiFunctions).flatMap((spec) => spec.routes.map((route) => route.operationId));
    expect(operations.sort()).toEqual([...routes].sort());
  });
});

describe('MQTT over WebSocket for the console', () => {
  const connect = (token: string | undefined) =>
    mqtt.connectAsync(stack.endpoints.consoleMqttUrl, {
      clientId: `console-test-${Math.random().toString(16).slice(2)}`,
      username: 'console',
      ...(token === undefined ? {} : { password: token }),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });

  it('refuses a console client without a valid development token', async () => {
    await expect(connect(undefined)).rejects.toThrow(/Not authorized|not authorized/i);
    await expect(connect('wrong')).rejects.toThrow(/Not authorized|not authorized/i);
  });

  it.each([
    ['enforcement', [true, false, false]],
    ['supervisor', [false, true, false]],
    ['operator', [false, false, true]],
    ['admin', [true, true, true]],
  ] as const)('a %s console may subscribe to its own topics only', async (role, expected) => {
    const client = await connect(role === 'admin' ? stack.devToken : `${stack.devToken}.${role}`);
    try {
      const granted = [];
      for (const filter of [topics.overloadAlertsFilter, topics.supervisionAlertsFilter, topics.greenMetricsProvince]) {
        // mqtt.js rejects a SUBACK failure (0x80) for the filter.
        granted.push(await client.subscribeAsync(filter, { qos: 1 }).then((grants) => grants[0]?.qos !== 128, () => false));
      }
      expect(granted).toEqual(expected);
    } finally {
      await client.endAsync();
    }
  });

  it('delivers an alert published through the data plane to a subscribed console', async () => {
    const client = await connect(`${stack.devToken}.enforcement`);
    try {
      await client.subscribeAsync(topics.overloadAlertsFilter, { qos: 1 });
      const received = new Promise<string>((resolve) => client.once('message', (topic) => resolve(topic)));
      await stack.broker.publish(topics.overloadAlerts('hn-test'), Buffer.from('{}'), { qos: 1 });
      expect(await received).toBe('alerts/overload/hn-test');
    } finally {
      await client.endAsync();
    }
  });
});
