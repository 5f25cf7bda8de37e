/**
 * The console's static site on the local stack's HTTP port: the files of infra/console/site at `/`, the mqtt.js
 * browser bundle at `/vendor/mqtt.esm.js` (the CDK deployment copies the same file to the same path in the bucket),
 * and `/config.json`, which tells the page where the API and the MQTT-over-WebSocket endpoint are and which
 * development token to use. In the cloud the CDK stack writes `config.json` into the bucket instead (docs/console.md).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, resolve, sep } from 'node:path';
import type { HttpRequest, HttpResponse, HttpRouter } from './http-router.ts';

export interface ConsoleConfig {
  readonly apiBaseUrl: string;
  readonly mqtt?: { readonly url: string; readonly tokenQueryParam?: string };
  readonly auth:
    | { readonly kind: 'dev-token'; readonly token: string }
    | {
        readonly kind: 'oidc';
        readonly authorizationEndpoint: string;
        readonly tokenEndpoint: string;
        readonly clientId: string;
        readonly scopes?: readonly string[];
        readonly logoutEndpoint?: string;
      };
  readonly stage: string;
}

export interface MountConsoleOptions {
  readonly siteDir: string;
  /** The config for a request: the MQTT URL follows the host the page was loaded from. */
  readonly config: (requestHost: string | undefined) => ConsoleConfig;
  /** Extra documents served as JSON, e.g. `/api/openapi.json`. */
  readonly documents?: Readonly<Record<string, () => unknown>>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export function mountConsoleSite(router: HttpRouter, options: MountConsoleOptions): void {
  const siteDir = resolve(options.siteDir);
  const mqttBundle = createRequire(import.meta.url).resolve('mqtt/dist/mqtt.esm') // the package maps ./dist/* to ./dist/*.js;

  for (const [path, document] of Object.entries(options.documents ?? {})) {
    router.addRoute('GET', path, (request) => (request.rawPath === path ? json(document()) : notFound()));
  }
  router.addRoute('GET', '/config.json', (request) =>
    request.rawPath === '/config.json' ? json(options.config(hostOf(request))) : notFound(),
  );
  router.addRoute('GET', '/vendor/mqtt.esm.js', async (request) =>
    request.rawPath === '/vendor/mqtt.esm.js' ? file(mqttBundle, '.js', 'public, max-age=3600') : notFound(),
  );
  router.addRoute('GET', '/', async (request) => {
    let relative: string;
    try {
      relative = decodeURIComponent(request.rawPath);
    } catch {
      return notFound();
    }
    if (relative.endsWith('/')) relative += 'index.html';
    const target = resolve(siteDir, `.${relative}`);
    // No way out of the site folder (`..`, encoded or not).
    if (target !== siteDir && !target.startsWith(siteDir + sep)) return notFound();
    return file(target, extname(target), 'no-cache');
  });
}

function hostOf(request: HttpRequest): string | undefined {
  const host = request.headers.host;
  return Array.isArray(host) ? host[0] : host;
}

async function file(path: string, extension: string, cacheControl: string): Promise<HttpResponse> {
  try {
    const body = await readFile(path);
    return {
      status: 200,
      headers: { 'content-type': contentTypes[extension] ?? 'application/octet-stream', 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' },
      body,
    };
  } catch {
    return notFound();
  }
}

function json(value: unknown): HttpResponse {
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) };
}

function notFound(): HttpResponse {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not found\n' };
}
