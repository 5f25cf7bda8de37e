/**
 * The console's cloud sign-in in Chromium: OIDC authorization code with PKCE (S256) against an identity provider,
 * then the ID token as the bearer of every API call, and the roles in its `cognito:groups` deciding what is shown.
 *
 * No identity provider can run here, so a minimal one is served on the site's own origin (`/idp/authorize` redirects
 * back with a code, `/idp/token` checks the PKCE verifier against the challenge and returns an ID token); the site is
 * the real one, served by the local stack's own site module, and the API answers empty lists while recording the
 * bearer it was sent. Everything else about the flow — redirect URI, state, verifier, storage, the clean URL — is the
 * page's own code.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, skipBrowserTests } from '../support/chromium.ts';
import { mountConsoleSite } from '../../infra/local/console-site.ts';
import { HttpRouter } from '../../infra/local/http-router.ts';
import { closeServer, listen } from '../../infra/local/listen.ts';


const clientId = 'qiongjian-console';
const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
/** An unsigned JWT: the page never verifies tokens (the API Gateway authorizer does), it only reads the claims. */
const idToken = (claims: Record<string, unknown>) => `${base64url(JSON.stringify({ alg: 'RS256', kid: 'k1' }))}.${base64url(JSON.stringify(claims))}.c2ln`;

describe.skipIf(skipBrowserTests)('console sign-in with OIDC (authorization code + PKCE)', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  const authorizeRequests: URLSearchParams[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const apiBearers: string[] = [];
  const issued = new Map<string, { challenge: string; redirectUri: string }>();
  const token = idToken({ sub: 'officer-7', name: '王警官', 'cognito:groups': ['enforcement'], exp: Math.floor(Date.now() / 1000) + 3600, aud: clientId });

  beforeAll(async () => {
    requireChromium();
    const router = new HttpRouter();
    mountConsoleSite(router, {
      siteDir: resolve(import.meta.dirname, '../../infra/console/site'),
      config: () => ({
        apiBaseUrl: '/api',
        auth: { kind: 'oidc', authorizationEndpoint: `${origin}/idp/authorize`, tokenEndpoint: `${origin}/idp/token`, clientId, scopes: ['openid', 'profile'] },
        stage: 'oidc-test',
      }),
    });
    router.addRoute('GET', '/idp/authorize', (request) => {
      authorizeRequests.push(request.query);
      const code = randomUUID();
      issued.set(code, { challenge: request.query.get('code_challenge') ?? '', redirectUri: request.query.get('redirect_uri') ?? '' });
      const back = new URL(request.query.get('redirect_uri') ?? '/');
      back.search = new URLSearchParams({ code, state: request.query.get('state') ?? '' }).toString();
      return { status: 302, headers: { location: back.toString() } };
    });
    router.addRoute('POST', '/idp/token', (request) => {
      const form = new URLSearchParams(request.body.toString('utf8'));
      tokenRequests.push(form);
      const grant = issued.get(form.get('code') ?? '');
      issued.delete(form.get('code') ?? '');
      const verifierMatches = grant && base64url(createHash('sha256').update(form.get('code_verifier') ?? '').digest()) === grant.challenge;
      if (!grant || !verifierMatches || form.get('redirect_uri') !== grant.redirectUri || form.get('client_id') !== clientId) {
        return { status: 400, body: { error: 'invalid_grant' } };
      }
      return { status: 200, body: { id_token: token, access_token: 'opaque', token_type: 'Bearer', expires_in: 3600 } };
    });
    router.addRoute('GET', '/api/', (request) => {
      apiBearers.push(String(request.headers.authorization ?? ''));
      return { status: 200, body: { items: [], date: '2026-11-30' } };
    });
    server = router.createServer();
    origin = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1', 'HTTP_PORT')}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await closeServer(server);
  });

  it('signs in, uses the ID token as the bearer, and shows what its roles may see', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${origin}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });

    // The authorization request: code flow, this client, S256 challenge, the page itself as the redirect URI.
    expect(authorizeRequests).toHaveLength(1);
    const authorize = authorizeRequests[0] as URLSearchParams;
    expect(Object.fromEntries(authorize)).toMatchObject({ response_type: 'code', client_id: clientId, redirect_uri: `${origin}/`, code_challenge_method: 'S256', scope: 'openid profile' });
    expect(authorize.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    // The token request proved the verifier (the fake IdP refuses otherwise) and gave no secret.
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.get('grant_type')).toBe('authorization_code');
    expect(tokenRequests[0]?.has('client_secret')).toBe(false);

    // The code is gone from the address bar; every API call carried the ID token.
    expect(page.url()).toBe(`${origin}/`);
    expect(apiBearers.length).toBeGreaterThan(0);
    expect(new Set(apiBearers)).toEqual(new Set([`Bearer ${token}`]));
    // An enforcement officer: the alert feed, not the green panels.
    await expect(page.locator('#feed-card').isVisible()).resolves.toBe(true);
    await expect(page.locator('#green-card').isVisible()).resolves.toBe(false);

    // A reload keeps the session (sessionStorage) without another round trip to the IdP.
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    expect(authorizeRequests).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('refuses a callback whose state it did not issue', async () => {
    const page = await (await browser.newContext()).newPage();
    const before = tokenRequests.length;
    await page.goto(`${origin}/?code=stolen&state=forged`);
    // The page says why it stopped, and never exchanged the code.
    await page.getByText('state mismatch').waitFor({ timeout: 10_000 });
    expect(tokenRequests.length).toBe(before);
  });
});
