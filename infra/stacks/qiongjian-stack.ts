/**
 * The Qiongjian (琼监) road-transport supervision system on AWS, built entirely from `infra/topology.ts`:
 *
 *   WIM station ──MQTT──▶ IoT Core ──topic rule──▶ Kinesis ──ESM──▶ wim-ingest Lambda ──▶ DynamoDB
 *                           │ errorAction                  │ on-failure          └──iot:Publish──▶ alerts/overload/<station>
 *                           ▼                              ▼
 *                       rule DLQ (SQS)              stream-failure DLQ (SQS)
 *
 *   vehicle terminal ──MQTT──▶ IoT Core ──2 rules (telemetry, presence)──▶ Kinesis ──ESM──▶ fleet-ingest Lambda
 *   EventBridge rate(5 min) ──▶ fleet-sweep Lambda                                     └─iot:Publish─▶ alerts/supervision/…
 *   EventBridge rate(5 min) ──▶ green-snapshot Lambda ──▶ GreenMetrics table, EMF metrics (dashboard)
 *                                                   └─iot:Publish + iot:RetainPublish─▶ metrics/green[/<city>] (retained)
 *
 *   console (browser) ──static files──▶ S3 bucket [──▶ CloudFront] (index.html, vendor/mqtt.esm.js, config.json)
 *        │ sign-in: OIDC authorization code + PKCE (Cognito user pool, or the authority's issuer)
 *        ├─Bearer JWT─▶ API Gateway HTTP API (JWT authorizer, one route per topology route) ─▶ registry/green/
 *        │                                                                   overload/supervision API Lambdas
 *        └─MQTT over WSS ?token=JWT─▶ IoT Core custom authorizer (Lambda: same JWT) ─▶ its roles' alert/metric topics
 *
 * Every table, stream, topic rule and function comes from a loop over the topology (`tables`, `streams`,
 * `topicRules`, `functions`, `scheduledFunctions`, `apiFunctions`); tests/infra/topology-drift.test.ts checks it.
 * The stack is environment-agnostic: no account, region or partition is hard-coded (ARNs come from
 * `Stack.formatArn`/`Aws.PARTITION`, the IoT data endpoint from a deploy-time lookup), so the same template deploys
 * to cn-north-1 / cn-northwest-1 and to global regions.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import { Alarm, type CfnDashboard, ComparisonOperator, type IAlarm, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AttributeType,
  BillingMode,
  type CfnTable,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy } from 'aws-cdk-lib/aws-iot';
import { type CfnStream, Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONSOLE_MQTT_TOKEN_KEY } from '../../functions/api/console-mqtt-policy.ts';
import { ConsoleHttpApi } from '../constructs/console-http-api.ts';
import { CONSOLE_OIDC_SCOPES, ConsoleIdentity, type ExternalIssuerProps } from '../constructs/console-identity.ts';
import { ConsoleMqttAuthorizer } from '../constructs/console-mqtt-authorizer.ts';
import { type ConsoleHosting, ConsoleSite } from '../constructs/console-site.ts';
import { QiongjianDashboard } from '../constructs/dashboard.ts';
import { createHandlerFunction, type HandlerFunctionParts } from '../constructs/handler-function.ts';
import { IotDataEndpoint } from '../constructs/iot-data-endpoint.ts';
import {
  enforcementClientPolicyDocument,
  operatorClientPolicyDocument,
  stackIotArnBuilder,
  stationPolicyDocument,
  supervisorClientPolicyDocument,
  vehicleTerminalPolicyDocument,
} from '../constructs/iot-policies.ts';
import { KinesisTopicRule } from '../constructs/kinesis-topic-rule.ts';
import { ScheduledFunction } from '../constructs/scheduled-function.ts';
import { StreamFunction } from '../constructs/stream-function.ts';
import {
  type ApiFunctionName,
  type ApiFunctionSpec,
  apiFunctions,
  commonEnv,
  type FunctionName,
  type FunctionSpec,
  functions,
  type ScheduledFunctionName,
  type ScheduledFunctionSpec,
  type StreamName,
  type StreamSpec,
  scheduledFunctions,
  streams,
  type TableName,
  type TableSpec,
  type TopicRuleSpec,
  type AttributeType as TopologyAttributeType,
  tables,
  topicRules,
  topics,
} from '../topology.ts';

/** Repository root (holds package-lock.json); topology entries are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const DEFAULT_READING_RETENTION_DAYS = 90;
export const DEFAULT_DEAD_LETTER_RETENTION_DAYS = 30;
/** 道路运输车辆动态监督管理办法: dynamic monitoring data is kept at least 6 months. */
export const DEFAULT_POSITION_RETENTION_DAYS = 183;
export const MIN_REGULATORY_POSITION_RETENTION_DAYS = 183;
/**
 * CloudFormation logical id of the HTTP API. Not `Api`, the id of the REST API it replaces: CloudFormation cannot
 * change a resource's type under one logical id, so the new API is created and the old one deleted.
 */
export const API_LOGICAL_ID = 'HttpApi';
export const DEFAULT_API_THROTTLING_RATE_LIMIT = 50;
export const DEFAULT_API_THROTTLING_BURST_LIMIT = 100;
export const DEFAULT_ITERATOR_AGE_ALARM_MS = 60_000;
export const METRICS_NAMESPACE = 'Qiongjian';
/** Where a developer runs the console against the cloud API (CORS origin and sign-in callback). */
export const CONSOLE_DEV_ORIGIN = 'http://localhost:3000';
export const DEFAULT_CONSOLE_SITE_DIR = path.join(REPO_ROOT, 'infra/console/site');
export const DEFAULT_MQTT_BROWSER_BUNDLE = path.join(REPO_ROOT, 'node_modules/mqtt/dist/mqtt.esm.js');

/** `bucket` where CloudFront needs an ICP-filed domain (a concrete `cn-*` region), else `cloudfront`. */
export function defaultConsoleHosting(region: string): ConsoleHosting {
  return !Token.isUnresolved(region) && region.startsWith('cn-') ? 'bucket' : 'cloudfront';
}

/**
 * Topic prefixes whose messages are published RETAINED (`retain=true`): a function publishing under one of them gets
 * `iot:Publish` and `iot:RetainPublish` on the prefix itself (the province topic `metrics/green` has no level below
 * it) and on everything below it. Any other prefix gets `iot:Publish` on `<prefix>/*` only, never RetainPublish.
 * (Belongs in the topology as a per-function field one day; until then it is decided here, from the topology's topics.)
 */
export const RETAINED_TOPIC_PREFIXES: readonly string[] = [topics.greenMetricsPrefix];

export type TopicRuleName = keyof typeof topicRules;

export interface QiongjianStackProps extends StackProps {
  /** Directory holding package-lock.json against which function entries are resolved. Default: the repository. */
  readonly projectRoot?: string;
  /** Days before DynamoDB TTL removes a raw reading (handler env READING_RETENTION_DAYS). Default 90. */
  readonly readingRetentionDays?: number;
  /** Days before DynamoDB TTL removes a dead letter (handler env DEAD_LETTER_RETENTION_DAYS). Default 30. */
  readonly deadLetterRetentionDays?: number;
  /**
   * Days a vehicle's positions and events are kept (handler env POSITION_RETENTION_DAYS). Default 183; less than
   * that is allowed (test stages) but warned about, the regulation asks for at least 6 months.
   */
  readonly positionRetentionDays?: number;
  /**
   * An OIDC issuer of the authority's whose JWTs the API and the live feed accept instead of a Cognito user pool
   * created by the stack; needs `jwtAudience` (the console's client id there) and the two endpoints below.
   */
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  /** The issuer's endpoints the console signs in with (authorization code + PKCE). Required with `jwtIssuer`. */
  readonly oidcAuthorizationEndpoint?: string;
  readonly oidcTokenEndpoint?: string;
  /** The issuer's JWKS. Default `<jwtIssuer>/.well-known/jwks.json`. */
  readonly jwtJwksUri?: string;
  /** Claim holding the console roles (API_ROLES_CLAIM of the API functions). Default `cognito:groups`. */
  readonly jwtRolesClaim?: string;
  /** Cognito hosted-UI domain prefix. Default `<stack name>-console-<account id>`. */
  readonly cognitoDomainPrefix?: string;
  /** `cloudfront` or `bucket`; default `bucket` in a concrete `cn-*` region, else `cloudfront`. */
  readonly consoleHosting?: ConsoleHosting;
  /**
   * The console's origin (`https://console.example.gov.cn`) when the authority serves the bucket itself: CORS origin
   * and sign-in callback. With CloudFront the distribution's URL is used (and this one too, if given).
   */
  readonly consoleOrigin?: string;
  /** Directory of the console's static files. Default infra/console/site. */
  readonly consoleSiteDir?: string;
  /** Path of the browser ESM build of mqtt.js. Default node_modules/mqtt/dist/mqtt.esm.js. */
  readonly mqttBrowserBundle?: string;
  /** DynamoDB deletion protection on every table. Default false (tables are RETAINed on stack deletion anyway). */
  readonly deletionProtection?: boolean;
  /** Maximum Kinesis iterator age before the alarm fires. Default 60 000 ms. */
  readonly iteratorAgeAlarmMs?: number;
  /** Optional e-mail address subscribed to the alarm topic (must confirm the subscription). */
  readonly alarmEmail?: string;
}

/** `Object.entries` that keeps the key type of the topology's records. */
function entriesOf<K extends string, V>(record: Record<K, V>): Array<[K, V]> {
  return Object.entries(record) as Array<[K, V]>;
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function attributeType(type: TopologyAttributeType): AttributeType {
  return type === 'S' ? AttributeType.STRING : AttributeType.NUMBER;
}

/** The authority's issuer from the props, or undefined for a Cognito user pool of the stack's. */
function externalIssuer(props: QiongjianStackProps): ExternalIssuerProps | undefined {
  if (!props.jwtIssuer) return undefined;
  const missing = (['jwtAudience', 'oidcAuthorizationEndpoint', 'oidcTokenEndpoint'] as const).filter((key) => !props[key]);
  if (missing.length > 0) throw new Error(`jwtIssuer needs ${missing.join(', ')} too`);
  return {
    issuer: props.jwtIssuer,
    audience: props.jwtAudience as string,
    authorizationEndpoint: props.oidcAuthorizationEndpoint as string,
    tokenEndpoint: props.oidcTokenEndpoint as string,
    ...(props.jwtJwksUri ? { jwksUri: props.jwtJwksUri } : {}),
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

export class QiongjianStack extends Stack {
  readonly tables: Record<TableName, Table>;
  readonly streams: Record<StreamName, Stream>;
  readonly functions: Record<FunctionName, StreamFunction>;
  readonly scheduledFunctions: Record<ScheduledFunctionName, ScheduledFunction>;
  readonly apiFunctions: Record<ApiFunctionName, HandlerFunctionParts>;
  /** The console's HTTP API: every topology route, JWT-authorized. */
  readonly api: ConsoleHttpApi;
  /** The JWT issuer (a Cognito user pool of the stack's, or the authority's provider). */
  readonly consoleIdentity: ConsoleIdentity;
  readonly consoleSite: ConsoleSite;
  readonly consoleMqttAuthorizer: ConsoleMqttAuthorizer;
  readonly consoleHosting: ConsoleHosting;
  readonly topicRules: Record<TopicRuleName, KinesisTopicRule>;
  readonly iotDataEndpoint: IotDataEndpoint;
  readonly stationPolicy: CfnPolicy;
  readonly enforcementClientPolicy: CfnPolicy;
  readonly vehicleTerminalPolicy: CfnPolicy;
  readonly supervisorClientPolicy: CfnPolicy;
  readonly operatorClientPolicy: CfnPolicy;
  readonly alarmTopic: Topic;
  readonly alarms: IAlarm[] = [];
  /** CloudWatch dashboard `<stack>-<region>`: green metrics of the province and the operational view. */
  readonly dashboard: QiongjianDashboard;
  readonly readingRetentionDays: number;
  readonly deadLetterRetentionDays: number;
  readonly positionRetentionDays: number;

  constructor(scope: Construct, id: string, props: QiongjianStackProps = {}) {
    super(scope, id, {
      description:
        'Qiongjian (琼监) road-transport supervision: WIM overload enforcement and vehicle supervision (IoT Core → Kinesis → Lambda → DynamoDB, alerts over MQTT), operator and enforcement console (JWT-authorized HTTP API, static site, live feed)',
      ...props,
    });
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    this.readingRetentionDays = positiveInteger(
      'readingRetentionDays',
      props.readingRetentionDays ?? DEFAULT_READING_RETENTION_DAYS,
    );
    this.deadLetterRetentionDays = positiveInteger(
      'deadLetterRetentionDays',
      props.deadLetterRetentionDays ?? DEFAULT_DEAD_LETTER_RETENTION_DAYS,
    );
    this.positionRetentionDays = positiveInteger(
      'positionRetentionDays',
      props.positionRetentionDays ?? DEFAULT_POSITION_RETENTION_DAYS,
    );
    if (this.positionRetentionDays < MIN_REGULATORY_POSITION_RETENTION_DAYS) {
      Annotations.of(this).addWarningV2(
        'qiongjian:positionRetentionDays',
        `positionRetentionDays=${this.positionRetentionDays}: vehicle positions must be kept at least 6 months (${MIN_REGULATORY_POSITION_RETENTION_DAYS} days) in production.`,
      );
    }
    const iotArn = stackIotArnBuilder(this);

    // ── DynamoDB ────────────────────────────────────────────────────────────────────────────────────────────────
    this.tables = {} as Record<TableName, Table>;
    for (const [name, spec] of entriesOf<TableName, TableSpec>(tables)) {
      this.tables[name] = this.createTable(spec, props.deletionProtection ?? false);
    }

    // ── Kinesis ─────────────────────────────────────────────────────────────────────────────────────────────────
    this.streams = {} as Record<StreamName, Stream>;
    for (const [name, spec] of entriesOf<StreamName, StreamSpec>(streams)) {
      const stream = new Stream(this, spec.logicalId, {
        shardCount: spec.shardCount,
        retentionPeriod: Duration.hours(spec.retentionHours),
        // Explicit: CDK's default would leave streams unencrypted in cn-north-1/cn-northwest-1 (a stale region list).
        encryption: StreamEncryption.MANAGED,
      });
      (stream.node.defaultChild as CfnStream).overrideLogicalId(spec.logicalId);
      this.streams[name] = stream;
    }

    // ── IoT topic rules ─────────────────────────────────────────────────────────────────────────────────────────
    this.topicRules = {} as Record<TopicRuleName, KinesisTopicRule>;
    for (const [name, spec] of entriesOf<TopicRuleName, TopicRuleSpec>(topicRules)) {
      this.topicRules[name] = new KinesisTopicRule(this, `${pascalCase(name)}Rule`, {
        spec,
        stream: this.streams[spec.action.stream],
      });
    }

    // ── Functions ───────────────────────────────────────────────────────────────────────────────────────────────
    this.iotDataEndpoint = new IotDataEndpoint(this, 'IotDataEndpoint');
    const sharedEnv: Record<string, string> = {
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      [commonEnv.readingRetentionDays]: String(this.readingRetentionDays),
      [commonEnv.deadLetterRetentionDays]: String(this.deadLetterRetentionDays),
      [commonEnv.positionRetentionDays]: String(this.positionRetentionDays),
      [commonEnv.iotDataEndpoint]: this.iotDataEndpoint.url,
    };
    for (const [name, spec] of entriesOf<TableName, TableSpec>(tables)) {
      sharedEnv[spec.envVar] = this.tables[name].tableName;
    }
    for (const [name, spec] of entriesOf<StreamName, StreamSpec>(streams)) {
      sharedEnv[spec.envVar] = this.streams[name].streamName;
    }

    this.functions = {} as Record<FunctionName, StreamFunction>;
    for (const [name, spec] of entriesOf<FunctionName, FunctionSpec>(functions)) {
      const fn = new StreamFunction(this, spec.logicalId, {
        spec,
        stream: this.streams[spec.source.stream],
        projectRoot,
        environment: { ...sharedEnv, POWERTOOLS_SERVICE_NAME: spec.serviceName },
      });
      this.grantFromSpec(fn, spec, iotArn);
      this.functions[name] = fn;
    }

    this.scheduledFunctions = {} as Record<ScheduledFunctionName, ScheduledFunction>;
    for (const [name, spec] of entriesOf<ScheduledFunctionName, ScheduledFunctionSpec>(scheduledFunctions)) {
      const fn = new ScheduledFunction(this, spec.logicalId, {
        spec,
        projectRoot,
        environment: { ...sharedEnv, POWERTOOLS_SERVICE_NAME: spec.serviceName },
      });
      this.grantFromSpec(fn, spec, iotArn);
      this.scheduledFunctions[name] = fn;
    }

    // ── Console: site, identity, HTTP API, live feed ───────────────────────────────────────────────────────────
    this.consoleHosting = props.consoleHosting ?? defaultConsoleHosting(this.region);
    this.consoleSite = new ConsoleSite(this, 'ConsoleSite', {
      hosting: this.consoleHosting,
      siteDir: props.consoleSiteDir ?? DEFAULT_CONSOLE_SITE_DIR,
      mqttBrowserBundle: readFileSync(props.mqttBrowserBundle ?? DEFAULT_MQTT_BROWSER_BUNDLE, 'utf8'),
    });
    const consoleOrigins = [
      ...(this.consoleSite.cloudFrontUrl ? [this.consoleSite.cloudFrontUrl] : []),
      ...(props.consoleOrigin ? [props.consoleOrigin.replace(/\/$/, '')] : []),
    ];
    if (consoleOrigins.length === 0) {
      Annotations.of(this).addWarningV2(
        'qiongjian:consoleOrigin',
        `consoleHosting=${this.consoleHosting} without consoleOrigin: only ${CONSOLE_DEV_ORIGIN} may sign in and call the API until the console's own origin is given (-c consoleOrigin=https://…).`,
      );
    }
    const allowedOrigins = [...consoleOrigins, CONSOLE_DEV_ORIGIN];
    this.consoleIdentity = new ConsoleIdentity(this, 'ConsoleIdentity', {
      external: externalIssuer(props),
      cognitoDomainPrefix: props.cognitoDomainPrefix ?? ConsoleIdentity.defaultDomainPrefix(this.stackName),
      callbackUrls: allowedOrigins.map((origin) => `${origin}/`),
    });
    if (!props.jwtIssuer && !Token.isUnresolved(this.region) && this.region.startsWith('cn-')) {
      // An error, not a warning: the China regions' documentation lists no Cognito user pools, so the deployment
      // would fail half-way; better to stop at synth with what to do instead.
      Annotations.of(this).addError(
        `No jwtIssuer in ${this.region}: the stack would create a Cognito user pool, which the China regions do not offer; pass the authority's OIDC issuer (-c jwtIssuer=… -c jwtAudience=… -c oidcAuthorizationEndpoint=… -c oidcTokenEndpoint=…), see docs/deploy.md.`,
      );
    }
    this.api = new ConsoleHttpApi(this, 'Api', {
      logicalId: API_LOGICAL_ID,
      description: 'Qiongjian (琼监) console API: every route requires a JWT of the console issuer',
      jwtIssuer: this.consoleIdentity.issuer,
      jwtAudience: [this.consoleIdentity.audience],
      allowedOrigins,
      throttlingRateLimit: DEFAULT_API_THROTTLING_RATE_LIMIT,
      throttlingBurstLimit: DEFAULT_API_THROTTLING_BURST_LIMIT,
    });
    Validations.of(this.api.stage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF web ACL: every route requires a valid JWT of the console issuer and the stage is throttled (50 rps, burst 100). WAF cannot be associated with HTTP APIs; put the API behind CloudFront with a web ACL if the threat model changes.',
    });

    this.apiFunctions = {} as Record<ApiFunctionName, HandlerFunctionParts>;
    for (const [name, spec] of entriesOf<ApiFunctionName, ApiFunctionSpec>(apiFunctions)) {
      const fn = new Construct(this, spec.logicalId);
      const parts = createHandlerFunction(fn, {
        spec,
        projectRoot,
        environment: {
          ...sharedEnv,
          POWERTOOLS_SERVICE_NAME: spec.serviceName,
          ...(props.jwtRolesClaim ? { [commonEnv.apiRolesClaim]: props.jwtRolesClaim } : {}),
        },
      });
      this.grantFromSpec(parts, spec, iotArn);
      for (const route of spec.routes) this.api.addRoute(route, parts.function);
      this.apiFunctions[name] = parts;
    }

    this.consoleMqttAuthorizer = new ConsoleMqttAuthorizer(this, 'ConsoleMqttAuthorizer', {
      projectRoot,
      issuer: this.consoleIdentity.issuer,
      audience: this.consoleIdentity.audience,
      jwksUri: this.consoleIdentity.jwksUri,
      rolesClaim: props.jwtRolesClaim,
      environment: { POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE },
    });
    this.consoleSite.deploy({
      apiBaseUrl: this.api.url,
      mqtt: {
        url: `wss://${this.iotDataEndpoint.address}/mqtt?x-amz-customauthorizer-name=${this.consoleMqttAuthorizer.authorizerName}`,
        tokenQueryParam: CONSOLE_MQTT_TOKEN_KEY,
      },
      auth: {
        kind: 'oidc',
        authorizationEndpoint: this.consoleIdentity.authorizationEndpoint,
        tokenEndpoint: this.consoleIdentity.tokenEndpoint,
        ...(this.consoleIdentity.logoutEndpoint ? { logoutEndpoint: this.consoleIdentity.logoutEndpoint } : {}),
        clientId: this.consoleIdentity.audience,
        scopes: [...CONSOLE_OIDC_SCOPES],
      },
      stage: this.stackName,
      region: Aws.REGION,
    });

    // ── IoT policies for devices and clients ────────────────────────────────────────────────────────────────────
    this.stationPolicy = new CfnPolicy(this, 'WimStationPolicy', {
      policyName: `${this.stackName}-wim-station`,
      policyDocument: stationPolicyDocument(iotArn),
    });
    this.enforcementClientPolicy = new CfnPolicy(this, 'EnforcementClientPolicy', {
      policyName: `${this.stackName}-enforcement-client`,
      policyDocument: enforcementClientPolicyDocument(iotArn),
    });
    this.vehicleTerminalPolicy = new CfnPolicy(this, 'VehicleTerminalPolicy', {
      policyName: `${this.stackName}-vehicle-terminal`,
      policyDocument: vehicleTerminalPolicyDocument(iotArn),
    });
    this.supervisorClientPolicy = new CfnPolicy(this, 'SupervisorClientPolicy', {
      policyName: `${this.stackName}-supervisor-client`,
      policyDocument: supervisorClientPolicyDocument(iotArn),
    });
    this.operatorClientPolicy = new CfnPolicy(this, 'OperatorClientPolicy', {
      policyName: `${this.stackName}-operator-client`,
      policyDocument: operatorClientPolicyDocument(iotArn),
    });

    // ── Alarms ──────────────────────────────────────────────────────────────────────────────────────────────────
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'Qiongjian alarms', enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key (alias/aws/sns); the notifications carry alarm names and metric values only, no WIM or personal data.',
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.createAlarms(props.iteratorAgeAlarmMs ?? DEFAULT_ITERATOR_AGE_ALARM_MS);

    // ── Dashboard ───────────────────────────────────────────────────────────────────────────────────────────────
    this.dashboard = this.createDashboard();

    // ── Outputs ─────────────────────────────────────────────────────────────────────────────────────────────────
    for (const [name, spec] of entriesOf<TableName, TableSpec>(tables)) {
      new CfnOutput(this, `${spec.logicalId}TableName`, { value: this.tables[name].tableName });
    }
    for (const [name, spec] of entriesOf<StreamName, StreamSpec>(streams)) {
      new CfnOutput(this, `${spec.logicalId}Name`, { value: this.streams[name].streamName });
    }
    for (const rule of Object.values(this.topicRules)) {
      new CfnOutput(this, `${rule.node.id}DeadLetterQueueUrl`, { value: rule.deadLetterQueue.queueUrl });
    }
    for (const fn of Object.values(this.functions)) {
      new CfnOutput(this, `${fn.node.id}FailureQueueUrl`, { value: fn.failureQueue.queueUrl });
    }
    for (const fn of Object.values(this.scheduledFunctions)) {
      new CfnOutput(this, `${fn.node.id}ScheduleDeadLetterQueueUrl`, { value: fn.deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the console HTTP API (send Authorization: Bearer <JWT of the console issuer>)',
      value: this.api.url,
    });
    new CfnOutput(this, 'ConsoleUrl', {
      description: this.consoleSite.cloudFrontUrl ? 'The console (CloudFront)' : 'The console origin(s) allowed to sign in (bucket hosting: serve ConsoleBucketName yourself)',
      value: this.consoleSite.cloudFrontUrl ?? (consoleOrigins.join(' ') || CONSOLE_DEV_ORIGIN),
    });
    new CfnOutput(this, 'ConsoleBucketName', { value: this.consoleSite.bucket.bucketName });
    new CfnOutput(this, 'ConsoleJwtIssuer', { value: this.consoleIdentity.issuer });
    new CfnOutput(this, 'ConsoleClientId', { value: this.consoleIdentity.audience });
    if (this.consoleIdentity.userPool) {
      new CfnOutput(this, 'ConsoleUserPoolId', { value: this.consoleIdentity.userPool.userPoolId });
    }
    new CfnOutput(this, 'ConsoleMqttAuthorizerName', { value: this.consoleMqttAuthorizer.authorizerName });
    new CfnOutput(this, 'IotDataEndpointUrl', { value: this.iotDataEndpoint.url });
    new CfnOutput(this, 'WimStationPolicyName', { value: this.stationPolicy.ref });
    new CfnOutput(this, 'EnforcementClientPolicyName', { value: this.enforcementClientPolicy.ref });
    new CfnOutput(this, 'VehicleTerminalPolicyName', { value: this.vehicleTerminalPolicy.ref });
    new CfnOutput(this, 'SupervisorClientPolicyName', { value: this.supervisorClientPolicy.ref });
    new CfnOutput(this, 'OperatorClientPolicyName', { value: this.operatorClientPolicy.ref });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard (console: CloudWatch → Dashboards)',
      value: this.dashboard.dashboard.dashboardName,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  private createTable(spec: TableSpec, deletionProtection: boolean): Table {
    const table = new Table(this, spec.logicalId, {
      partitionKey: { name: spec.partitionKey.name, type: attributeType(spec.partitionKey.type) },
      sortKey: spec.sortKey ? { name: spec.sortKey.name, type: attributeType(spec.sortKey.type) } : undefined,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: spec.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection,
    });
    for (const index of spec.globalIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
        sortKey: index.sortKey ? { name: index.sortKey.name, type: attributeType(index.sortKey.type) } : undefined,
        projectionType: ProjectionType.ALL,
      });
    }
    (table.node.defaultChild as CfnTable).overrideLogicalId(spec.logicalId);
    Validations.of(table).acknowledge({
      id: 'AwsSolutions-DDB4',
      reason:
        'Continuous point-in-time recovery (35 days) is enabled and the table is retained on stack deletion; an AWS Backup plan is an account-level decision of the operator, documented in docs/deploy.md.',
    });
    return table;
  }

  /** Grants exactly what the function spec declares: table access, IoT publish on its topic prefixes. */
  private grantFromSpec(
    fn: HandlerFunctionParts,
    spec: Pick<FunctionSpec, 'readsTables' | 'writesTables'> & { readonly publishesTopicPrefixes?: readonly string[]; readonly publishesTopics?: readonly string[] },
    iotArn: (resource: string) => string,
  ): void {
    const publishesTopicPrefixes = spec.publishesTopicPrefixes ?? [];
    const publishesTopics = spec.publishesTopics ?? [];
    if (publishesTopics.length > 0) {
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['iot:Publish'], resources: publishesTopics.map((topic) => iotArn(`topic/${topic}`)) }));
      for (const topic of publishesTopics.filter((t) => t.includes('*'))) {
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/${topic}]`,
          reason: `Publishes ${topic} for any station (topology.publishesTopics): station ids are data, so that level must be a wildcard.`,
        });
      }
    }
    const reads = new Set<TableName>(spec.readsTables);
    const writes = new Set<TableName>(spec.writesTables);
    for (const name of new Set([...reads, ...writes])) {
      const table = this.tables[name];
      if (reads.has(name) && writes.has(name)) table.grantReadWriteData(fn.role);
      else if (writes.has(name)) table.grantWriteData(fn.role);
      else table.grantReadData(fn.role);
      if (tables[name].globalIndexes.length > 0) {
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${tables[name].logicalId}.Arn>/index/*]`,
          reason: `Queries on the GSIs of ${tables[name].logicalId} (${tables[name].globalIndexes.map((i) => i.indexName).join(', ')}), declared in topology; CDK grants all indexes of that one table.`,
        });
      }
    }
    const retained = publishesTopicPrefixes.filter((prefix) => RETAINED_TOPIC_PREFIXES.includes(prefix));
    const plain = publishesTopicPrefixes.filter((prefix) => !RETAINED_TOPIC_PREFIXES.includes(prefix));
    if (plain.length > 0) {
      const resources = plain.map((prefix) => iotArn(`topic/${prefix}/*`));
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['iot:Publish'], resources }));
    }
    if (retained.length > 0) {
      // A retained publish needs both actions on the topic; the prefix itself is a topic too (the province's).
      const resources = retained.flatMap((prefix) => [iotArn(`topic/${prefix}`), iotArn(`topic/${prefix}/*`)]);
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['iot:Publish', 'iot:RetainPublish'], resources }));
    }
    for (const prefix of publishesTopicPrefixes) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/${prefix}/*]`,
        reason: `Publishes one topic per station, vehicle or city under ${prefix}/ (topology.publishesTopicPrefixes); station, category, device and city ids are data, so the levels below the prefix must be a wildcard.`,
      });
    }
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) support no resource-level permissions.',
    });
    Validations.of(fn.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the handlers, the local stack and the esbuild target are node22; the move to a newer runtime is a planned, tested change, not an automatic one.',
    });
  }

  private createDashboard(): QiongjianDashboard {
    const label = (fn: HandlerFunctionParts) => fn.function.node.scope?.node.id ?? fn.function.node.id;
    const dashboard = new QiongjianDashboard(this, 'Dashboard', {
      // Dashboard names are unique per account across regions: the region keeps two regional deployments apart.
      dashboardName: `${this.stackName}-${Aws.REGION}`,
      streams: entriesOf(this.streams).map(([name, stream]) => ({ label: streams[name].logicalId, stream })),
      functions: [
        ...Object.values(this.functions),
        ...Object.values(this.scheduledFunctions),
        ...Object.values(this.apiFunctions),
      ].map((fn) => ({ label: label(fn), function: fn.function })),
      deadLetterQueues: [
        ...Object.values(this.topicRules).map((r) => ({ label: `${r.node.id} (rule)`, queue: r.deadLetterQueue })),
        ...Object.values(this.functions).map((f) => ({ label: `${f.node.id} (stream)`, queue: f.failureQueue })),
        ...Object.values(this.scheduledFunctions).map((f) => ({ label: `${f.node.id} (schedule)`, queue: f.deadLetterQueue })),
      ],
    });
    (dashboard.dashboard.node.defaultChild as CfnDashboard).overrideLogicalId('Dashboard');
    return dashboard;
  }

  private createAlarms(iteratorAgeAlarmMs: number): void {
    const action = new SnsAction(this.alarmTopic);
    const add = (alarm: Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    const queueDepthAlarm = (id: string, queue: Queue, what: string) =>
      new Alarm(this, id, {
        alarmDescription: `${what}: at least one message is waiting in the dead-letter queue. Inspect and redrive with \`npm run dlq\`.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    for (const rule of Object.values(this.topicRules)) {
      add(queueDepthAlarm(`${rule.node.id}DeadLetterAlarm`, rule.deadLetterQueue, `IoT rule ${rule.node.id} could not deliver`));
    }
    for (const [name, stream] of entriesOf(this.streams)) {
      add(
        new Alarm(this, `${streams[name].logicalId}IteratorAgeAlarm`, {
          alarmDescription: `Consumers of ${streams[name].logicalId} are more than ${iteratorAgeAlarmMs} ms behind.`,
          metric: stream.metricGetRecordsIteratorAgeMilliseconds({ period: Duration.minutes(1), statistic: 'Maximum' }),
          threshold: iteratorAgeAlarmMs,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const errorsAlarm = (id: string, fn: HandlerFunctionParts, what: string) =>
      new Alarm(this, `${id}ErrorsAlarm`, {
        alarmDescription: `${id} invocations failed: ${what}`,
        metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    for (const fn of Object.values(this.functions)) {
      add(queueDepthAlarm(`${fn.node.id}FailureAlarm`, fn.failureQueue, `${fn.node.id} gave up on stream records`));
      add(errorsAlarm(fn.node.id, fn, 'errors are retried, then bisected, then dead-lettered.'));
    }
    for (const fn of Object.values(this.scheduledFunctions)) {
      add(queueDepthAlarm(`${fn.node.id}ScheduleDeadLetterAlarm`, fn.deadLetterQueue, `EventBridge could not invoke ${fn.node.id}`));
      add(errorsAlarm(fn.node.id, fn, 'the run is not retried; the next scheduled run starts over.'));
    }
    for (const [name, fn] of entriesOf(this.apiFunctions)) {
      add(errorsAlarm(apiFunctions[name].logicalId, fn, 'the caller got a 502 from API Gateway.'));
    }
    add(
      new Alarm(this, 'ApiServerErrorsAlarm', {
        alarmDescription: 'The console HTTP API answered 5xx (function errors, timeouts, or internal errors answered as 500).',
        metric: this.api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    add(
      new Alarm(this, 'ConsoleMqttAuthorizerErrorsAlarm', {
        alarmDescription: 'The console MQTT authorizer failed (consoles cannot open the live feed).',
        metric: this.consoleMqttAuthorizer.fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
