/**
 * Template tests of the Qiongjian CDK stack (esbuild skipped). What the stack must guarantee beyond "it follows the
 * topology" (that part is tests/infra/topology-drift.test.ts): partition-agnostic ARNs, least privilege, IoT device
 * policies, dead-letter plumbing, alarms and the cdk-nag gate.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  enforcementClientPolicyDocument,
  type IotPolicyDocument,
  stationPolicyDocument,
  THING_NAME,
} from '../../infra/constructs/iot-policies.ts';
import { functions, streams, topicRules } from '../../infra/topology.ts';
import {
  asArray,
  build,
  type CfnResource,
  type Json,
  resource,
  resourcesOfType,
  statementsOfRole,
  stringsOf,
  synth,
} from './support.ts';

const rule = topicRules.wimRecordsIngest;
const fnSpec = functions.wimIngest;
const streamSpec = streams.wimRecords;

let built: ReturnType<typeof synth>;
beforeAll(() => {
  built = synth();
});

function only(type: string): [string, CfnResource] {
  const all = Object.entries(resourcesOfType(built.template, type));
  expect(all).toHaveLength(1);
  return all[0] as [string, CfnResource];
}

function roleOfRule(): string {
  const [, r] = only('AWS::IoT::TopicRule');
  const payload = r.Properties.TopicRulePayload as { Actions: Array<{ Kinesis: { RoleArn: { 'Fn::GetAtt': string[] } } }> };
  return payload.Actions[0]?.Kinesis.RoleArn['Fn::GetAtt'][0] as string;
}

describe('IoT topic rule → Kinesis', () => {
  it('uses the topology SQL verbatim, SQL version 2016-03-23, partition key per station', () => {
    built.template.hasResourceProperties('AWS::IoT::TopicRule', {
      RuleName: rule.ruleName,
      TopicRulePayload: Match.objectLike({
        Sql: rule.sql,
        AwsIotSqlVersion: '2016-03-23',
        RuleDisabled: false,
        Actions: [
          {
            Kinesis: {
              StreamName: { Ref: streamSpec.logicalId },
              PartitionKey: '${topic(2)}',
              RoleArn: Match.anyValue(),
            },
          },
        ],
      }),
    });
  });

  it('sends undeliverable messages to an encrypted, TLS-only SQS dead-letter queue (base64)', () => {
    const [, r] = only('AWS::IoT::TopicRule');
    const errorAction = (r.Properties.TopicRulePayload as { ErrorAction: { Sqs: Record<string, Json> } }).ErrorAction.Sqs;
    expect(errorAction.UseBase64).toBe(true);
    const queueId = (errorAction.QueueUrl as { Ref: string }).Ref;
    const queue = resource(built.template, queueId, 'AWS::SQS::Queue');
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has a least-privilege role: iot.amazonaws.com for this rule only, PutRecord on the stream, SendMessage on the DLQ', () => {
    const roleId = roleOfRule();
    const role = resource(built.template, roleId, 'AWS::IAM::Role');
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Array<Record<string, Json>> }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Principal: { Service: 'iot.amazonaws.com' } });
    expect(JSON.stringify(trust[0]?.Condition)).toContain(`:rule/${rule.ruleName}`);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();

    const statements = statementsOfRole(built.template, roleId);
    const byAction = Object.fromEntries(statements.map((s) => [asArray(s.Action as string | string[]).join(','), s.Resource]));
    expect(Object.keys(byAction).sort()).toEqual(['kinesis:PutRecord', 'sqs:SendMessage']);
    expect(byAction['kinesis:PutRecord']).toEqual({ 'Fn::GetAtt': [streamSpec.logicalId, 'Arn'] });
    expect(JSON.stringify(byAction['sqs:SendMessage'])).toMatch(/DeadLetterQueue/);
  });
});

describe('Kinesis stream', () => {
  it('is KMS-encrypted with the AWS managed key, with the topology shard count and retention', () => {
    built.template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: streamSpec.shardCount,
      RetentionPeriodHours: streamSpec.retentionHours,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    // No CDK "unsupported regions" condition: China regions get encryption too.
    expect(built.template.toJSON().Conditions ?? {}).toEqual({});
  });
});

describe('wim-ingest Lambda', () => {
  it('runs nodejs22.x on arm64 with active tracing, memory and timeout from the topology', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: `index.${fnSpec.handlerExport}`,
      MemorySize: fnSpec.memoryMb,
      Timeout: fnSpec.timeoutS,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
  });

  it('gets table/stream names, Powertools settings, retention and the IoT data endpoint from the environment', () => {
    const fn = resource(built.template, fnSpec.logicalId, 'AWS::Lambda::Function');
    const vars = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(vars).toMatchObject({
      POWERTOOLS_SERVICE_NAME: fnSpec.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: 'Qiongjian',
      READING_RETENTION_DAYS: '90',
      DEAD_LETTER_RETENTION_DAYS: '30',
      WIM_RECORD_STREAM: { Ref: streamSpec.logicalId },
    });
    expect(JSON.stringify(vars.IOT_DATA_ENDPOINT)).toMatch(/^\{"Fn::Join":\["",\["https:\/\/",\{"Fn::GetAtt":\["\w+","endpointAddress"\]\}\]\]\}$/);
    // The endpoint is looked up at deploy time (works in every partition).
    built.template.hasResourceProperties('Custom::AWS', {
      Create: Match.serializedJson(
        Match.objectLike({ service: 'Iot', action: 'describeEndpoint', parameters: { endpointType: 'iot:Data-ATS' } }),
      ),
    });
  });

  it('keeps one month of logs in its own log group', () => {
    const fn = resource(built.template, fnSpec.logicalId, 'AWS::Lambda::Function');
    const logGroupId = ((fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup).Ref;
    expect(resource(built.template, logGroupId, 'AWS::Logs::LogGroup').Properties.RetentionInDays).toBe(30);
  });

  it('consumes the stream with the topology settings and an encrypted on-failure queue', () => {
    const src = fnSpec.source;
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnSpec.logicalId },
      EventSourceArn: { 'Fn::GetAtt': [streamSpec.logicalId, 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: src.batchSize,
      MaximumBatchingWindowInSeconds: src.maxBatchingWindowS,
      MaximumRetryAttempts: src.maxRetryAttempts,
      BisectBatchOnFunctionError: src.bisectBatchOnError,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: src.parallelizationFactor,
      MaximumRecordAgeInSeconds: src.maxRecordAgeS,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } } },
    });
    const [, esm] = only('AWS::Lambda::EventSourceMapping');
    const queueId = (esm.Properties.DestinationConfig as { OnFailure: { Destination: { 'Fn::GetAtt': string[] } } })
      .OnFailure.Destination['Fn::GetAtt'][0] as string;
    expect(resource(built.template, queueId, 'AWS::SQS::Queue').Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('has no AWS managed policy and no wildcard action; iot:Publish only under the alert prefix', () => {
    const fn = resource(built.template, fnSpec.logicalId, 'AWS::Lambda::Function');
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
    expect(resource(built.template, roleId, 'AWS::IAM::Role').Properties.ManagedPolicyArns).toBeUndefined();
    const statements = statementsOfRole(built.template, roleId);
    for (const s of statements) {
      for (const action of asArray(s.Action as string | string[])) expect(action).not.toMatch(/(^\*$|:\*$)/);
    }
    const publish = statements.filter((s) => asArray(s.Action as string | string[]).includes('iot:Publish'));
    expect(publish).toHaveLength(1);
    expect(JSON.stringify(publish[0]?.Resource)).toContain(':topic/alerts/overload/*');
    expect(JSON.stringify(publish[0]?.Resource)).toContain('"Ref":"AWS::Partition"');
  });
});

describe('DynamoDB tables', () => {
  it('are on-demand, point-in-time recoverable, encrypted and retained on stack deletion', () => {
    const all = resourcesOfType(built.template, 'AWS::DynamoDB::Table');
    expect(Object.keys(all).length).toBeGreaterThan(0);
    for (const table of Object.values(all)) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: false,
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('turns deletion protection on from context', () => {
    const { template } = synth({ context: { deletionProtection: 'true' } });
    for (const table of Object.values(resourcesOfType(template, 'AWS::DynamoDB::Table'))) {
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe('retention from context', () => {
  it('passes readingRetentionDays / deadLetterRetentionDays to the handler', () => {
    const { template } = synth({ context: { readingRetentionDays: '365', deadLetterRetentionDays: 7 } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ READING_RETENTION_DAYS: '365', DEAD_LETTER_RETENTION_DAYS: '7' }) },
    });
  });

  it('rejects nonsense', () => {
    expect(() => synth({ context: { readingRetentionDays: 'ninety' } })).toThrow(/readingRetentionDays/);
    expect(() => synth({ context: { deadLetterRetentionDays: 0 } })).toThrow(/deadLetterRetentionDays/);
  });

  it('names the stack from context', () => {
    expect(synth({ context: { stackName: 'QiongjianStaging' } }).stack.stackName).toBe('QiongjianStaging');
  });
});

describe('IoT policies', () => {
  const fakeArn = (resourcePart: string) => `arn:test:iot:r:1:${resourcePart}`;
  const actionsOf = (doc: IotPolicyDocument) => doc.Statement.flatMap((s) => s.Action);

  it('station: connect as its own thing, publish its own records topic, nothing else', () => {
    const doc = stationPolicyDocument(fakeArn);
    expect(doc.Statement.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(actionsOf(doc).sort()).toEqual(['iot:Connect', 'iot:Publish']);
    const byAction = Object.fromEntries(doc.Statement.map((s) => [s.Action[0], s.Resource]));
    expect(byAction['iot:Connect']).toEqual([fakeArn(`client/${THING_NAME}`)]);
    expect(byAction['iot:Publish']).toEqual([fakeArn(`topic/wim/${THING_NAME}/records`), fakeArn(`topic/wim/${THING_NAME}/status`)]);
  });

  it('enforcement client: subscribe/receive overload alerts only, no publish', () => {
    const doc = enforcementClientPolicyDocument(fakeArn);
    expect(actionsOf(doc).sort()).toEqual(['iot:Connect', 'iot:Receive', 'iot:Subscribe']);
    const byAction = Object.fromEntries(doc.Statement.map((s) => [s.Action[0], s.Resource]));
    expect(byAction['iot:Connect']).toEqual([fakeArn(`client/${THING_NAME}`)]);
    expect(byAction['iot:Subscribe']).toEqual([fakeArn('topicfilter/alerts/overload/*')]);
    expect(byAction['iot:Receive']).toEqual([fakeArn('topic/alerts/overload/*')]);
  });

  it('are synthesized with the literal thing-name policy variable, no Fn::Sub, no wildcard action', () => {
    const policies = resourcesOfType(built.template, 'AWS::IoT::Policy');
    expect(Object.keys(policies).sort()).toEqual(['EnforcementClientPolicy', 'WimStationPolicy']);
    for (const policy of Object.values(policies)) {
      const json = JSON.stringify(policy.Properties.PolicyDocument);
      expect(json).toContain('${iot:Connection.Thing.ThingName}');
      expect(json).not.toContain('Fn::Sub');
      expect(json).toContain('"Ref":"AWS::Partition"');
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<{ Action: string[]; Resource: Json[] }> })
        .Statement;
      for (const s of statements) {
        for (const action of s.Action) expect(action).not.toMatch(/(^\*$|^iot:\*$)/);
        for (const r of s.Resource) expect(r).not.toBe('*');
      }
    }
    const station = JSON.stringify(policies.WimStationPolicy?.Properties.PolicyDocument);
    expect(station).not.toMatch(/iot:(Subscribe|Receive)/);
    const client = JSON.stringify(policies.EnforcementClientPolicy?.Properties.PolicyDocument);
    expect(client).not.toContain('iot:Publish');
  });
});

describe('alarms', () => {
  const alarmOn = (namespace: string, metricName: string) =>
    Object.values(resourcesOfType(built.template, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.Namespace === namespace && a.Properties.MetricName === metricName,
    );

  it('watch both dead-letter queues (≥ 1 message), the stream iterator age and the Lambda errors', () => {
    const dlq = alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    expect(dlq).toHaveLength(2);
    for (const a of dlq) {
      expect(a.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    const age = alarmOn('AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds');
    expect(age).toHaveLength(1);
    expect(age[0]?.Properties).toMatchObject({ Statistic: 'Maximum', Threshold: 60_000 });
    const errors = alarmOn('AWS/Lambda', 'Errors');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: fnSpec.logicalId } }]);
    for (const a of Object.values(resourcesOfType(built.template, 'AWS::CloudWatch::Alarm'))) {
      expect(a.Properties.AlarmActions).toHaveLength(1);
    }
  });
});

describe('outputs', () => {
  it('exposes table names, the stream name, DLQ URLs, the IoT data endpoint and the policy names', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'WimReadingsTableName',
        'WimRecordStreamName',
        'WimRecordsIngestRuleDeadLetterQueueUrl',
        'WimIngestFunctionFailureQueueUrl',
        'IotDataEndpointUrl',
        'WimStationPolicyName',
        'EnforcementClientPolicyName',
      ]),
    );
  });
});

describe('partition and region agnostic', () => {
  it('contains no literal partition, domain, region or account', () => {
    const offenders: string[] = [];
    for (const { path, value } of stringsOf(built.template.toJSON() as Json)) {
      const isServicePrincipal = path.at(-2) === 'Principal' && path.at(-1) === 'Service';
      const isServicePrincipalList = path.at(-3) === 'Principal' && path.at(-2) === 'Service';
      if (value.includes('arn:aws')) offenders.push(`${path.join('.')}: ${value}`);
      // Service principals are the same name (`<service>.amazonaws.com`) in every partition, China included.
      if (value.includes('amazonaws.com') && !isServicePrincipal && !isServicePrincipalList) {
        offenders.push(`${path.join('.')}: ${value}`);
      }
      if (/\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d\b/.test(value)) {
        offenders.push(`${path.join('.')}: ${value}`);
      }
      if (/\b\d{12}\b/.test(value)) offenders.push(`${path.join('.')}: ${value}`);
    }
    expect(offenders).toEqual([]);
  });

  it('is environment-agnostic', () => {
    expect(built.stack.environment).toBe('aws://unknown-account/unknown-region');
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('passes: every finding is fixed or acknowledged with a reason', () => {
    const { app } = build({ nag: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synthesis on an unacknowledged finding', () => {
    const { app, stack } = build({ nag: true });
    stack.functions.wimIngest.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [`${stack.tables.wimReadings.tableArn}/extra/*`] }),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::<WimReadings.Arn>\/extra\/\*\]/);
  });
});
