/**
 * The AWS IoT policy a console browser gets for its MQTT-over-WSS live feed, from the roles in its token: connect as a
 * `console-…` client, subscribe to and receive exactly the topics its roles may see, publish nothing.
 *
 * The same role → topics mapping as the certificate-based client policies (infra/constructs/iot-policies.ts); kept
 * free of aws-cdk-lib because it runs inside the authorizer Lambda, where the ARNs are built from the function's own
 * ARN (partition, region, account), so nothing names a partition.
 */
import { type ConsoleRole, topics } from '../../infra/topology.ts';

/** Client ids a console may connect with; the wildcard keeps tabs of one user from kicking each other off. */
export const CONSOLE_CLIENT_ID_PREFIX = 'console-';

/** What each role may watch: topic prefixes (everything below them), and exact topics (the prefix itself). */
export const consoleFeedTopics: Readonly<Record<Exclude<ConsoleRole, 'admin'>, { readonly prefix: string; readonly exact: readonly string[] }>> = {
  enforcement: { prefix: topics.overloadAlertsPrefix, exact: [] },
  supervisor: { prefix: topics.supervisionAlertsPrefix, exact: [] },
  // The province figures are retained on `metrics/green` itself, which `metrics/green/*` does not match.
  operator: { prefix: topics.greenMetricsPrefix, exact: [topics.greenMetricsProvince] },
};

export interface IotArnParts {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** Partition, region and account of `arn:<partition>:<service>:<region>:<account>:…` (e.g. the invoked function's ARN). */
export function arnParts(arn: string): IotArnParts | undefined {
  const [prefix, partition, , region, accountId] = arn.split(':');
  if (prefix !== 'arn' || !partition || !region || !accountId) return undefined;
  return { partition, region, accountId };
}

export interface ConsoleIotPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{ readonly Effect: 'Allow'; readonly Action: readonly string[]; readonly Resource: readonly string[] }>;
}

/** The topics `roles` may see; admin sees every feed. Sorted, deduplicated. */
export function feedTopicsFor(roles: ReadonlySet<ConsoleRole>): { prefixes: string[]; exact: string[] } {
  const granted = Object.entries(consoleFeedTopics).filter(([role]) => roles.has('admin') || roles.has(role as ConsoleRole));
  return {
    prefixes: [...new Set(granted.map(([, t]) => t.prefix))].sort(),
    exact: [...new Set(granted.flatMap(([, t]) => t.exact))].sort(),
  };
}

/**
 * The policy document for `roles`, or undefined when the roles see no feed (the caller is then refused: a connection
 * that may subscribe to nothing is of no use and only costs a session).
 */
export function consoleIotPolicy(roles: ReadonlySet<ConsoleRole>, where: IotArnParts): ConsoleIotPolicyDocument | undefined {
  const { prefixes, exact } = feedTopicsFor(roles);
  if (prefixes.length === 0) return undefined;
  const arn = (resource: string) => `arn:${where.partition}:iot:${where.region}:${where.accountId}:${resource}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iot:Connect'], Resource: [arn(`client/${CONSOLE_CLIENT_ID_PREFIX}*`)] },
      {
        Effect: 'Allow',
        Action: ['iot:Subscribe'],
        Resource: [...exact.map((t) => arn(`topicfilter/${t}`)), ...prefixes.map((p) => arn(`topicfilter/${p}/*`))],
      },
      {
        Effect: 'Allow',
        Action: ['iot:Receive'],
        Resource: [...exact.map((t) => arn(`topic/${t}`)), ...prefixes.map((p) => arn(`topic/${p}/*`))],
      },
    ],
  };
}

/** The authorizer's token key name (`CfnAuthorizer.tokenKeyName`) and the query parameter the console sends it in. */
export const CONSOLE_MQTT_TOKEN_KEY = 'token';

/** Environment of the console MQTT authorizer Lambda, set by the CDK stack. */
export const consoleAuthorizerEnv = {
  issuer: 'JWT_ISSUER',
  audience: 'JWT_AUDIENCE',
  /** The issuer's JSON Web Key Set (`<issuer>/.well-known/jwks.json` for Cognito). */
  jwksUrl: 'JWT_JWKS_URL',
} as const;

/** Seconds an authorized connection may stay: until the token expires, within what AWS IoT accepts (300–86 400). */
export function disconnectAfterSeconds(expiresAtEpochS: number, nowMs: number): number {
  return Math.min(86_400, Math.max(300, Math.floor(expiresAtEpochS - nowMs / 1000)));
}
