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
 *   admin (SigV4) ──▶ API Gateway REST API (AWS_IAM) ──proxy──▶ registry-api Lambda ──▶ Vehicles table
 *   EventBridge rate(5 min) ──▶ green-snapshot Lambda ──▶ GreenMetrics table, EMF metrics (dashboard)
 *                                                   └─iot:Publish + iot:RetainPublish─▶ metrics/green[/<city>] (retained)
 *   caller (SigV4) ──▶ API Gateway /metrics ──proxy──▶ green-api Lambda ──▶ GreenMetrics table
 *
 * Every table, stream, topic rule and function comes from a loop over the topology (`tables`, `streams`,
 * `topicRules`, `functions`, `scheduledFunctions`, `apiFunctions`); tests/infra/topology-drift.test.ts checks it.
 * The stack is environment-agnostic: no account, region or partition is hard-coded (ARNs come from
 * `Stack.formatArn`/`Aws.PARTITION`, the IoT data endpoint from a deploy-time lookup), so the same template deploys
 * to cn-north-1 / cn-northwest-1 and to global regions.
 */
import { fileURLToPath } from 'node:url';
import { Annotations, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
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
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPolicy } from 'aws-cdk-lib/aws-iot';
import { type CfnStream, Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QiongjianDashboard } from '../constructs/dashboard.ts';
import { createHandlerFunction, type HandlerFunctionParts } from '../constructs/handler-function.ts';
import { IamRestApi } from '../constructs/iam-rest-api.ts';
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
export const API_STAGE_NAME = 'v1';
/** CloudFormation logical id of the REST API (also how cdk-nag names it in findings). */
export const API_LOGICAL_ID = 'Api';
export const DEFAULT_API_THROTTLING_RATE_LIMIT = 50;
export const DEFAULT_API_THROTTLING_BURST_LIMIT = 100;
export const DEFAULT_ITERATOR_AGE_ALARM_MS = 60_000;
export const METRICS_NAMESPACE = 'Qiongjian';

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
   * Create API Gateway's account-level CloudWatch Logs role (`AWS::ApiGateway::Account`, one per account and region).
   * Default true; set false if the account already has one that another stack manages.
   */
  readonly apiGatewayCloudWatchRole?: boolean;
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
  /** The REST API in front of `apiFunctions`, IAM authorization on every method (none without API functions). */
  readonly api: IamRestApi | undefined;
  /** Per API function: a managed policy allowing every route (`<Name>Admin`) and one allowing GET only (`<Name>Reader`). */
  readonly apiAdminPolicies: Record<ApiFunctionName, ManagedPolicy>;
  readonly apiReaderPolicies: Record<ApiFunctionName, ManagedPolicy>;
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
        'Qiongjian (琼监) road-transport supervision: WIM overload enforcement and vehicle supervision (IoT Core → Kinesis → Lambda → DynamoDB, alerts over MQTT), IAM-authorized admin API',
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

    // ── REST API (IAM-authorized) in front of the API functions ─────────────────────────────────────────────────
    this.apiFunctions = {} as Record<ApiFunctionName, HandlerFunctionParts>;
    this.apiAdminPolicies = {} as Record<ApiFunctionName, ManagedPolicy>;
    this.apiReaderPolicies = {} as Record<ApiFunctionName, ManagedPolicy>;
    const apiSpecs = entriesOf<ApiFunctionName, ApiFunctionSpec>(apiFunctions);
    // A REST API without methods cannot be deployed: no API functions, no API.
    this.api = apiSpecs.length === 0 ? undefined : this.createApi(props.apiGatewayCloudWatchRole ?? true);
    for (const [name, spec] of apiSpecs) {
      const api = this.api as IamRestApi;
      const fn = new Construct(this, spec.logicalId);
      const parts = createHandlerFunction(fn, {
        spec,
        projectRoot,
        environment: { ...sharedEnv, POWERTOOLS_SERVICE_NAME: spec.serviceName },
      });
      this.grantFromSpec(parts, spec, iotArn);
      for (const prefix of spec.pathPrefixes) api.addPrefix(prefix, parts.function);
      this.apiFunctions[name] = parts;
      this.createApiPolicies(api, name, spec);
    }

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
    if (this.api) {
      new CfnOutput(this, 'ApiUrl', {
        description: 'Base URL of the IAM-authorized REST API (sign requests with SigV4, service execute-api)',
        value: this.api.url,
      });
    }
    for (const policy of [...Object.values(this.apiAdminPolicies), ...Object.values(this.apiReaderPolicies)]) {
      new CfnOutput(this, `${policy.node.id}Arn`, { value: policy.managedPolicyArn });
    }
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

  /**
   * `<Name>Admin` (every method on every prefix of the function) and `<Name>Reader` (GET only), as customer managed
   * policies operators attach to their own roles/groups; e.g. registryApi → `<stack>-RegistryAdmin-<region>`.
   */
  private createApiPolicies(api: IamRestApi, name: ApiFunctionName, spec: ApiFunctionSpec): void {
    const base = pascalCase(name).replace(/Api$/, '');
    const policy = (kind: 'Admin' | 'Reader', httpMethod: string, what: string) => {
      const resources = spec.pathPrefixes.flatMap((prefix) => api.invokeArns(prefix, httpMethod));
      const managed = new ManagedPolicy(this, `${base}${kind}Policy`, {
        // IAM names are global to the account: the region keeps two regional deployments of one stack apart.
        managedPolicyName: `${this.stackName}-${base}${kind}-${Aws.REGION}`,
        description: `${what} of the ${spec.serviceName} API (${spec.pathPrefixes.join(', ')}) on stage ${API_STAGE_NAME}`,
        statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources })],
      });
      for (const prefix of spec.pathPrefixes) {
        Validations.of(managed).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${API_LOGICAL_ID}>/${API_STAGE_NAME}/${httpMethod}${prefix}/*]`,
          reason: `Everything below ${prefix} is one resource of the ${spec.serviceName} function (ids in the path are data); ${kind === 'Admin' ? 'the admin policy allows any method there' : 'GET only'}.`,
        });
        if (httpMethod === '*') {
          Validations.of(managed).acknowledge({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${API_LOGICAL_ID}>/${API_STAGE_NAME}/*${prefix}]`,
            reason: `Any HTTP method on ${prefix}: the function answers 405 itself for methods it does not serve; administrators may call all of them.`,
          });
        }
      }
      return managed;
    };
    this.apiAdminPolicies[name] = policy('Admin', '*', 'Every route');
    this.apiReaderPolicies[name] = policy('Reader', 'GET', 'Read-only (GET) routes');
  }

  private createApi(cloudWatchRole: boolean): IamRestApi {
    const restApi = new IamRestApi(this, 'Api', {
      logicalId: API_LOGICAL_ID,
      description: 'Qiongjian (琼监) administration API: every method requires SigV4 (AWS_IAM authorization)',
      stageName: API_STAGE_NAME,
      throttlingRateLimit: DEFAULT_API_THROTTLING_RATE_LIMIT,
      throttlingBurstLimit: DEFAULT_API_THROTTLING_BURST_LIMIT,
      cloudWatchRole,
    });
    this.acknowledgeApiFindings(restApi);
    return restApi;
  }

  /** cdk-nag findings on the REST API that are accepted, each with its reason. */
  private acknowledgeApiFindings(restApi: IamRestApi): void {
    const api = restApi.api;
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'A request validator checks the declared request parameters of every method; bodies are validated by the function against the same zod schemas (vehicle v1, CSV import) the local stack uses, answering 400 with details. A second JSON-Schema copy in API Gateway would drift, and cannot express the CSV import.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Low-volume administration API: every request must be SigV4-signed (AWS_IAM) and the stage is throttled (50 rps, burst 100). AWS WAF regional web ACLs exist in cn-north-1/cn-northwest-1 and can be associated with the stage later without changing the API, but a web ACL is a fixed monthly cost per ACL plus rules that would guard a handful of authenticated callers.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Authorization is AWS_IAM (SigV4) on every method, which satisfies APIG4. Cognito user-pool authorizers are not offered by API Gateway in the China regions, and the callers are administrators with IAM roles.',
    });
    const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway itself assumes to write execution/access logs; AWS documents this managed policy for it, and the log groups it writes to (API-Gateway-Execution-Logs_<api>/<stage>) are created by the service, so no narrower resource list exists.',
      });
    }
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
    spec: Pick<FunctionSpec, 'readsTables' | 'writesTables'> & { readonly publishesTopicPrefixes?: readonly string[] },
    iotArn: (resource: string) => string,
  ): void {
    const publishesTopicPrefixes = spec.publishesTopicPrefixes ?? [];
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
    if (this.api) {
      add(
        new Alarm(this, 'ApiServerErrorsAlarm', {
          alarmDescription: 'The REST API answered 5XX (function errors or internal errors answered as 500).',
          metric: this.api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
