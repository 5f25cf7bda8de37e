/**
 * The Qiongjian (琼监) overload-enforcement pipeline on AWS, built entirely from `infra/topology.ts`:
 *
 *   WIM station ──MQTT──▶ IoT Core ──topic rule──▶ Kinesis ──ESM──▶ wim-ingest Lambda ──▶ DynamoDB
 *                           │ errorAction                  │ on-failure          └──iot:Publish──▶ alerts/overload/<station>
 *                           ▼                              ▼
 *                       rule DLQ (SQS)              stream-failure DLQ (SQS)
 *
 * The stack is environment-agnostic: no account, region or partition is hard-coded (ARNs come from
 * `Stack.formatArn`/`Aws.PARTITION`, the IoT data endpoint from a deploy-time lookup), so the same template deploys
 * to cn-north-1 / cn-northwest-1 and to global regions.
 */
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarm, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
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
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  type AttributeType as TopologyAttributeType,
  commonEnv,
  type FunctionName,
  type FunctionSpec,
  functions,
  type StreamName,
  type StreamSpec,
  streams,
  type TableName,
  type TableSpec,
  tables,
  type TopicRuleSpec,
  topicRules,
} from '../topology.ts';
import { enforcementClientPolicyDocument, stackIotArnBuilder, stationPolicyDocument } from '../constructs/iot-policies.ts';
import { IotDataEndpoint } from '../constructs/iot-data-endpoint.ts';
import { KinesisTopicRule } from '../constructs/kinesis-topic-rule.ts';
import { StreamFunction } from '../constructs/stream-function.ts';

/** Repository root (holds package-lock.json); topology entries are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const DEFAULT_READING_RETENTION_DAYS = 90;
export const DEFAULT_DEAD_LETTER_RETENTION_DAYS = 30;
export const DEFAULT_ITERATOR_AGE_ALARM_MS = 60_000;
export const METRICS_NAMESPACE = 'Qiongjian';

export type TopicRuleName = keyof typeof topicRules;

export interface QiongjianStackProps extends StackProps {
  /** Directory holding package-lock.json against which function entries are resolved. Default: the repository. */
  readonly projectRoot?: string;
  /** Days before DynamoDB TTL removes a raw reading (handler env READING_RETENTION_DAYS). Default 90. */
  readonly readingRetentionDays?: number;
  /** Days before DynamoDB TTL removes a dead letter (handler env DEAD_LETTER_RETENTION_DAYS). Default 30. */
  readonly deadLetterRetentionDays?: number;
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
  readonly topicRules: Record<TopicRuleName, KinesisTopicRule>;
  readonly iotDataEndpoint: IotDataEndpoint;
  readonly stationPolicy: CfnPolicy;
  readonly enforcementClientPolicy: CfnPolicy;
  readonly alarmTopic: Topic;
  readonly alarms: IAlarm[] = [];
  readonly readingRetentionDays: number;
  readonly deadLetterRetentionDays: number;

  constructor(scope: Construct, id: string, props: QiongjianStackProps = {}) {
    super(scope, id, {
      description: 'Qiongjian (琼监) overload enforcement: IoT Core → Kinesis → Lambda → DynamoDB, alerts over MQTT',
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

    // ── IoT policies for devices and clients ────────────────────────────────────────────────────────────────────
    this.stationPolicy = new CfnPolicy(this, 'WimStationPolicy', {
      policyName: `${this.stackName}-wim-station`,
      policyDocument: stationPolicyDocument(iotArn),
    });
    this.enforcementClientPolicy = new CfnPolicy(this, 'EnforcementClientPolicy', {
      policyName: `${this.stackName}-enforcement-client`,
      policyDocument: enforcementClientPolicyDocument(iotArn),
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
    new CfnOutput(this, 'IotDataEndpointUrl', { value: this.iotDataEndpoint.url });
    new CfnOutput(this, 'WimStationPolicyName', { value: this.stationPolicy.ref });
    new CfnOutput(this, 'EnforcementClientPolicyName', { value: this.enforcementClientPolicy.ref });
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
  private grantFromSpec(fn: StreamFunction, spec: FunctionSpec, iotArn: (resource: string) => string): void {
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
    if (spec.publishesTopicPrefixes.length > 0) {
      const resources = spec.publishesTopicPrefixes.map((prefix) => iotArn(`topic/${prefix}/*`));
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['iot:Publish'], resources }));
      for (const prefix of spec.publishesTopicPrefixes) {
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:topic/${prefix}/*]`,
          reason: `Publishes one alert topic per station under ${prefix}/ (topology.publishesTopicPrefixes); station ids are data, so the last level must be a wildcard.`,
        });
      }
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
    for (const fn of Object.values(this.functions)) {
      add(queueDepthAlarm(`${fn.node.id}FailureAlarm`, fn.failureQueue, `${fn.node.id} gave up on stream records`));
      add(
        new Alarm(this, `${fn.node.id}ErrorsAlarm`, {
          alarmDescription: `${fn.node.id} invocations failed (errors are retried, then bisected, then dead-lettered).`,
          metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
