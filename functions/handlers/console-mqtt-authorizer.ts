/**
 * AWS IoT custom authorizer of the console's live feed (MQTT over WSS, signing disabled, token key `token`): the
 * browser connects to `wss://<ATS endpoint>/mqtt?x-amz-customauthorizer-name=<name>&token=<JWT>` with the bearer token
 * it uses for the HTTP API. The token is verified as API Gateway's JWT authorizer verifies it (functions/api/jwt.ts);
 * the answer is an IoT policy that lets the connection receive exactly its roles' topics (functions/api/
 * console-mqtt-policy.ts). Any failure is `isAuthenticated: false`, never an exception: a throwing authorizer makes
 * IoT answer with an error the browser cannot tell from an outage, and would retry it.
 * Contract: https://docs.aws.amazon.com/iot/latest/developerguide/config-custom-auth.html
 */
import type { Context, IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult } from 'aws-lambda';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { commonEnv } from '../../infra/topology.ts';
import {
  arnParts,
  CONSOLE_MQTT_TOKEN_KEY,
  consoleAuthorizerEnv,
  consoleIotPolicy,
  disconnectAfterSeconds,
} from '../api/console-mqtt-policy.ts';
import { verifyConsoleToken } from '../api/jwt.ts';
import { defaultRolesClaim } from '../api/router.ts';
import { requireEnv, type Env } from '../shared/aws-client-config.ts';
import { handlerFromProcessEnv, powertoolsFor } from '../shared/powertools.ts';

export type ConsoleMqttAuthorizer = (event: IoTCustomAuthorizerEvent, context: Pick<Context, 'invokedFunctionArn'>) => Promise<IoTCustomAuthorizerResult>;

/** How often IoT asks again while the connection lives (the minimum IoT allows). */
export const REFRESH_AFTER_S = 300;

export interface AuthorizerOptions {
  /** Key set to verify against; default the issuer's remote JWKS from the environment. */
  readonly keys?: JWTVerifyGetKey;
  readonly nowMs?: () => number;
  readonly log?: (message: string, extra: Record<string, unknown>) => void;
}

const DENIED: IoTCustomAuthorizerResult = {
  isAuthenticated: false,
  principalId: 'denied',
  // Inside the ranges IoT validates (300–86 400) even though a refused connection never uses them.
  disconnectAfterInSeconds: 300,
  refreshAfterInSeconds: 300,
  policyDocuments: [],
};

/** The token from wherever the client put it: IoT's own extraction, the query string, a header, or the MQTT password. */
export function tokenOf(event: IoTCustomAuthorizerEvent): string | undefined {
  if (event.token) return event.token;
  const http = event.protocolData?.http;
  if (http?.queryString) {
    const fromQuery = new URLSearchParams(http.queryString.replace(/^\?/, '')).get(CONSOLE_MQTT_TOKEN_KEY);
    if (fromQuery) return fromQuery;
  }
  const header = Object.entries(http?.headers ?? {}).find(([name]) => name.toLowerCase() === CONSOLE_MQTT_TOKEN_KEY)?.[1];
  if (header) return header;
  const password = event.protocolData?.mqtt?.password;
  return password ? Buffer.from(password, 'base64').toString('utf8') || undefined : undefined;
}

/** IoT allows principal ids of 1–128 alphanumerics. */
function principalIdOf(subject: string): string {
  return subject.replace(/[^a-zA-Z0-9]/g, '').slice(0, 128) || 'console';
}

export function createHandler(env: Env, options: AuthorizerOptions = {}): ConsoleMqttAuthorizer {
  const issuer = requireEnv(env, consoleAuthorizerEnv.issuer);
  const audience = requireEnv(env, consoleAuthorizerEnv.audience);
  // Built once per container: jose caches the keys and refetches only on an unknown key id (rotation).
  const keys = options.keys ?? createRemoteJWKSet(new URL(requireEnv(env, consoleAuthorizerEnv.jwksUrl)));
  const rolesClaim = env[commonEnv.apiRolesClaim] || defaultRolesClaim;
  const nowMs = options.nowMs ?? Date.now;
  const log = options.log ?? (() => {});

  return async (event, context) => {
    try {
      const verdict = await verifyConsoleToken(tokenOf(event), keys, {
        issuer,
        audience,
        rolesClaim,
        clockToleranceS: 30,
        currentDate: new Date(nowMs()),
      });
      if (!verdict.valid) {
        log('console connection refused', { reason: verdict.reason, connectionId: event.connectionMetadata?.id });
        return DENIED;
      }
      const where = arnParts(context.invokedFunctionArn);
      const policy = where ? consoleIotPolicy(verdict.token.roles, where) : undefined;
      if (!policy) {
        log('console connection refused', { reason: where ? 'no feed for these roles' : 'unreadable function ARN', subject: verdict.token.subject });
        return DENIED;
      }
      return {
        isAuthenticated: true,
        principalId: principalIdOf(verdict.token.subject),
        disconnectAfterInSeconds: disconnectAfterSeconds(verdict.token.expiresAtEpochS, nowMs()),
        refreshAfterInSeconds: REFRESH_AFTER_S,
        policyDocuments: [policy as unknown as IoTCustomAuthorizerResult['policyDocuments'][number]],
      };
    } catch (error) {
      log('console authorizer failed', { error: error instanceof Error ? error.message : String(error) });
      return DENIED;
    }
  };
}

export const handler = handlerFromProcessEnv((env) => {
  const { logger } = powertoolsFor(env, 'console-mqtt-authorizer');
  const authorize = createHandler(env, { log: (message, extra) => logger.warn(message, extra) });
  return (event: IoTCustomAuthorizerEvent, context: Context) => authorize(event, context);
});
