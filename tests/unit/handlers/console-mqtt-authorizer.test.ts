/**
 * The console's IoT custom authorizer with a locally generated key pair and a local JWKS: which tokens get a
 * connection, and which topics each role's policy opens.
 */
import type { IoTCustomAuthorizerEvent } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { consoleIotPolicy, disconnectAfterSeconds, feedTopicsFor } from '../../../functions/api/console-mqtt-policy.ts';
import { verifyConsoleToken } from '../../../functions/api/jwt.ts';
import { type ConsoleMqttAuthorizer, createHandler, tokenOf } from '../../../functions/handlers/console-mqtt-authorizer.ts';

const issuer = 'https://cognito-idp.cn-northwest-1.amazonaws.com.cn/cn-northwest-1_Test';
const audience = 'console-client-id';
const nowMs = Date.parse('2026-11-30T02:00:00Z');
const nowS = nowMs / 1000;
const functionArn = 'arn:aws-cn:lambda:cn-northwest-1:123456789012:function:Qiongjian-ConsoleMqttAuthorizer';
const iot = (resource: string) => `arn:aws-cn:iot:cn-northwest-1:123456789012:${resource}`;

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let key: KeyPair;
let otherKey: KeyPair;
let authorize: ConsoleMqttAuthorizer;
const logged: string[] = [];

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  otherKey = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  authorize = createHandler(
    { JWT_ISSUER: issuer, JWT_AUDIENCE: audience, JWT_JWKS_URL: 'https://unused.invalid/jwks.json' },
    { keys: createLocalJWKSet({ keys: [jwk] }), nowMs: () => nowMs, log: (_message, extra) => logged.push(String(extra.reason)) },
  );
});

interface TokenOptions {
  readonly claims?: JWTPayload;
  readonly issuer?: string;
  readonly audience?: string | null;
  readonly expiresAtS?: number;
  readonly signWith?: KeyPair;
}

function token(options: TokenOptions = {}): Promise<string> {
  let jwt = new SignJWT({ 'cognito:groups': ['enforcement'], ...options.claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('3f1c2d4e-aaaa-bbbb-cccc-0123456789ab')
    .setIssuer(options.issuer ?? issuer)
    .setIssuedAt(nowS - 60)
    .setExpirationTime(options.expiresAtS ?? nowS + 3600);
  if (options.audience !== null) jwt = jwt.setAudience(options.audience ?? audience);
  return jwt.sign((options.signWith ?? key).privateKey);
}

function wssEvent(jwt: string | undefined): IoTCustomAuthorizerEvent {
  const query = `x-amz-customauthorizer-name=Qiongjian-console${jwt ? `&token=${jwt}` : ''}`;
  return {
    signatureVerified: false,
    protocols: ['tls', 'http', 'mqtt'],
    protocolData: { tls: { serverName: 'x-ats.iot.cn-northwest-1.amazonaws.com.cn' }, http: { headers: {}, queryString: `?${query}` } },
    connectionMetadata: { id: 'conn-1' },
  };
}

const run = (event: IoTCustomAuthorizerEvent) => authorize(event, { invokedFunctionArn: functionArn });

const overload = { filters: [iot('topicfilter/alerts/overload/*')], topics: [iot('topic/alerts/overload/*')] };
const supervision = { filters: [iot('topicfilter/alerts/supervision/*')], topics: [iot('topic/alerts/supervision/*')] };
const green = {
  filters: [iot('topicfilter/metrics/green'), iot('topicfilter/metrics/green/*')],
  topics: [iot('topic/metrics/green'), iot('topic/metrics/green/*')],
};

describe('console MQTT authorizer: valid tokens', () => {
  it.each([
    { groups: ['enforcement'], expected: [overload] },
    { groups: ['supervisor'], expected: [supervision] },
    { groups: ['operator'], expected: [green] },
    { groups: ['enforcement', 'operator'], expected: [overload, green] },
    { groups: ['admin'], expected: [overload, supervision, green] },
  ])('$groups → exactly their topics', async ({ groups, expected }) => {
    const result = await run(wssEvent(await token({ claims: { 'cognito:groups': groups } })));
    expect(result.isAuthenticated).toBe(true);
    expect(result.principalId).toBe('3f1c2d4eaaaabbbbcccc0123456789ab');
    expect(result.refreshAfterInSeconds).toBe(300);
    expect(result.disconnectAfterInSeconds).toBe(3600);
    expect(result.policyDocuments).toHaveLength(1);
    const doc = result.policyDocuments[0] as unknown as { Statement: Array<{ Effect: string; Action: string[]; Resource: string[] }> };
    expect(JSON.stringify(doc).length).toBeLessThan(2048); // IoT's limit per policy document
    const byAction = Object.fromEntries(doc.Statement.map((s) => [s.Action.join(','), s.Resource]));
    expect(Object.keys(byAction).sort()).toEqual(['iot:Connect', 'iot:Receive', 'iot:Subscribe']);
    expect(doc.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(byAction['iot:Connect']).toEqual([iot('client/console-*')]);
    expect([...(byAction['iot:Subscribe'] ?? [])].sort()).toEqual(expected.flatMap((e) => e.filters).sort());
    expect([...(byAction['iot:Receive'] ?? [])].sort()).toEqual(expected.flatMap((e) => e.topics).sort());
  });

  it('accepts a Cognito access token (client_id, no aud), as API Gateway does', async () => {
    const jwt = await token({ audience: null, claims: { client_id: audience, token_use: 'access', 'cognito:groups': ['supervisor'] } });
    expect((await run(wssEvent(jwt))).isAuthenticated).toBe(true);
  });

  it('reads the roles claim API_ROLES_CLAIM names, as the API functions do', async () => {
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1' };
    const custom = createHandler(
      { JWT_ISSUER: issuer, JWT_AUDIENCE: audience, JWT_JWKS_URL: 'https://unused.invalid/', API_ROLES_CLAIM: 'roles' },
      { keys: createLocalJWKSet({ keys: [jwk] }), nowMs: () => nowMs },
    );
    const jwt = await token({ claims: { 'cognito:groups': [], roles: 'operator' } });
    const result = await custom(wssEvent(jwt), { invokedFunctionArn: functionArn });
    expect(JSON.stringify(result.policyDocuments)).toContain('metrics/green');
    expect(JSON.stringify(result.policyDocuments)).not.toContain('alerts/');
  });

  it('keeps the connection until the token expires, within 300 s … 24 h', async () => {
    expect((await run(wssEvent(await token({ expiresAtS: nowS + 90_000 })))).disconnectAfterInSeconds).toBe(86_400);
    expect((await run(wssEvent(await token({ expiresAtS: nowS + 120 })))).disconnectAfterInSeconds).toBe(300);
    expect(disconnectAfterSeconds(nowS + 1234.9, nowMs)).toBe(1234);
  });

  it('takes the token from the query string, a header, or the MQTT password', async () => {
    const jwt = await token();
    expect(tokenOf(wssEvent(jwt))).toBe(jwt);
    expect(tokenOf({ ...wssEvent(undefined), token: jwt })).toBe(jwt);
    expect(tokenOf({ ...wssEvent(undefined), protocolData: { http: { headers: { Token: jwt }, queryString: '' } } })).toBe(jwt);
    expect(
      tokenOf({ ...wssEvent(undefined), protocolData: { mqtt: { clientId: 'console-1', password: Buffer.from(jwt).toString('base64') } } }),
    ).toBe(jwt);
  });
});

describe('console MQTT authorizer: refused', () => {
  it.each<[string, () => Promise<string | undefined>]>([
    ['expired', () => token({ expiresAtS: nowS - 120 })],
    ['wrong issuer', () => token({ issuer: 'https://login.example.cn/realms/other' })],
    ['wrong audience', () => token({ audience: 'another-client' })],
    ['no audience and another client_id', () => token({ audience: null, claims: { client_id: 'another-client' } })],
    ['signed with another key', () => token({ signWith: otherKey })],
    ['tampered payload', async () => {
      const [h, , s] = (await token()).split('.');
      const forged = Buffer.from(JSON.stringify({ sub: 'x', iss: issuer, aud: audience, exp: nowS + 3600, 'cognito:groups': ['admin'] })).toString('base64url');
      return `${h}.${forged}.${s}`;
    }],
    ['not a JWT', async () => 'local-dev-token'],
    ['missing', async () => undefined],
    ['a valid token without any console role', () => token({ claims: { 'cognito:groups': ['someone-else'] } })],
  ])('%s → isAuthenticated false, no policy, no exception', async (_case, make) => {
    const result = await run(wssEvent(await make()));
    expect(result).toMatchObject({ isAuthenticated: false, policyDocuments: [] });
  });

  it('never throws, even on an unreadable event or function ARN', async () => {
    const jwt = await token();
    await expect(authorize({} as IoTCustomAuthorizerEvent, { invokedFunctionArn: functionArn })).resolves.toMatchObject({ isAuthenticated: false });
    await expect(authorize(wssEvent(jwt), { invokedFunctionArn: 'nonsense' })).resolves.toMatchObject({ isAuthenticated: false });
  });

  it('logs why (for the operator), not to the caller', () => {
    expect(logged).toEqual(expect.arrayContaining(['ERR_JWT_EXPIRED', 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'audience mismatch', 'no token']));
  });
});

describe('verifyConsoleToken and the policy, directly', () => {
  it('returns the subject, roles and expiry', async () => {
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1' };
    const verdict = await verifyConsoleToken(await token({ claims: { 'cognito:groups': ['operator', 'admin', 'x'] } }), createLocalJWKSet({ keys: [jwk] }), {
      issuer,
      audience,
      rolesClaim: 'cognito:groups',
      currentDate: new Date(nowMs),
    });
    expect(verdict.valid && [...verdict.token.roles].sort()).toEqual(['admin', 'operator']);
    expect(verdict.valid && verdict.token.expiresAtEpochS).toBe(nowS + 3600);
  });

  it('gives no policy to roles without a feed', () => {
    expect(consoleIotPolicy(new Set(), { partition: 'aws', region: 'ap-east-1', accountId: '1' })).toBeUndefined();
    expect(feedTopicsFor(new Set(['admin']))).toEqual({
      prefixes: ['alerts/overload', 'alerts/supervision', 'metrics/green'],
      exact: ['metrics/green'],
    });
  });
});
