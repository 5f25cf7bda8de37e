/**
 * Verification of the console's bearer tokens outside API Gateway: the same checks API Gateway's JWT authorizer makes
 * (signature against the issuer's JWKS, issuer, audience, expiry), so that the MQTT live feed (AWS IoT custom
 * authorizer, functions/handlers/console-mqtt-authorizer.ts) admits exactly the callers the HTTP API admits.
 *
 * Pure apart from the key set, which is injected: in Lambda a remote JWKS (`createRemoteJWKSet`, cached between
 * invocations), in tests a local one (`createLocalJWKSet`).
 * API Gateway's rules: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { ConsoleRole } from '../../infra/topology.ts';
import { rolesFrom } from './router.ts';

/** Asymmetric algorithms only: a symmetric (HS*) token would be signed with a secret the browser could not hold. */
export const ACCEPTED_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

export interface ConsoleTokenExpectations {
  readonly issuer: string;
  /** The console's client id: the token's `aud` must contain it, or, without `aud`, its `client_id` must be it. */
  readonly audience: string;
  /** Claim holding the console roles (`cognito:groups` for Cognito). */
  readonly rolesClaim: string;
  /** Clock skew tolerated on `exp`/`nbf`/`iat`, seconds. */
  readonly clockToleranceS?: number;
  /** "Now" for the time checks; default the real clock. */
  readonly currentDate?: Date;
}

export interface VerifiedConsoleToken {
  readonly subject: string;
  readonly roles: ReadonlySet<ConsoleRole>;
  readonly expiresAtEpochS: number;
}

export type ConsoleTokenVerdict =
  | { readonly valid: true; readonly token: VerifiedConsoleToken }
  | { readonly valid: false; readonly reason: string };

/**
 * Never throws: every failure (malformed, unknown key, bad signature, expired, wrong issuer or audience, JWKS
 * unreachable) is a verdict with a reason for the log, not for the caller.
 */
export async function verifyConsoleToken(
  token: string | undefined,
  keys: JWTVerifyGetKey,
  expectations: ConsoleTokenExpectations,
): Promise<ConsoleTokenVerdict> {
  if (!token) return { valid: false, reason: 'no token' };
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: expectations.issuer,
      algorithms: [...ACCEPTED_JWT_ALGORITHMS],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: expectations.clockToleranceS ?? 0,
      ...(expectations.currentDate ? { currentDate: expectations.currentDate } : {}),
    }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { valid: false, reason: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
  }
  // Checked here rather than by jose's `audience` option: Cognito access tokens carry `client_id` and no `aud`, and
  // API Gateway accepts them on that ground; the live feed must accept the same tokens the API does.
  if (!audienceMatches(payload, expectations.audience)) return { valid: false, reason: 'audience mismatch' };
  return {
    valid: true,
    token: {
      subject: payload.sub as string,
      roles: rolesFrom(payload[expectations.rolesClaim]),
      expiresAtEpochS: payload.exp as number,
    },
  };
}

function audienceMatches(payload: JWTPayload, audience: string): boolean {
  if (payload.aud !== undefined) return (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(audience);
  return payload.client_id === audience;
}
