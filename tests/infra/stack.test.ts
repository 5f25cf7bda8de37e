/**
 * Template tests of the Qiongjian CDK stack (esbuild skipped). What the stack must guarantee beyond "it follows the
 * topology" (that part is tests/infra/topology-drift.test.ts): partition-agnostic ARNs, least privilege, IoT device
 * policies, dead-letter plumbing, the schedule, the console (JWT-authorized HTTP API, user pool, static site, IoT custom
 * authorizer), alarms and the cdk-nag gate.
 */

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { operationalMetrics } from '../../infra/constructs/dashboard.ts';
import {
  greenDashboardFleets,
  greenMetricNames,
  greenMetricSeries,
  greenProvinceCity,
} from '../../infra/constructs/green-dashboard.ts';
import {
  enforcementClientPolicyDocument,
  type IotPolicyDocument,
  operatorClientPolicyDocument,
  stationPolicyDocument,
  supervisorClientPolicyDocument,
  THING_NAME,
  vehicleTerminalPolicyDocument,
} from '../../infra/constructs/iot-policies.ts';
import { consoleMqttAuthorizerSpec } from '../../infra/constructs/console-mqtt-authorizer.ts';
import { REPO_ROOT, RETAINED_TOPIC_PREFIXES } from '../../infra/stacks/qiongjian-stack.ts';
import { apiFunctions, consoleRoles, functions, scheduledFunctions, streams, tables, topicRules, topics } from '../../infra/topology.ts';
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

function only(type: string, where: (r: CfnResource) => boolean = () => true): [string, CfnResource] {
  const all = Object.entries(resourcesOfType(built.template, type)).filter(([, r]) => where(r));
  expect(all).toHaveLength(1);
  return all[0] as [string, CfnResource];
}

const refersTo = (value: Json | undefined, logicalId: string) =>
  JSON.stringify(value) === JSON.stringify({ Ref: logicalId }) ||
  JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] });

function ruleNamed(ruleName: string): [string, CfnResource] {
  return only('AWS::IoT::TopicRule', (r) => r.Properties.RuleName === ruleName);
}

function mappingOf(fnLogicalId: string): [string, CfnResource] {
  return only('AWS::Lambda::EventSourceMapping', (m) => refersTo(m.Properties.FunctionName, fnLogicalId));
}

function roleOfRule(ruleName: string = rule.ruleName): string {
  const [, r] = ruleNamed(ruleName);
  const payload = r.Properties.TopicRulePayload as { Actions: Array<{ Kinesis: { RoleArn: { 'Fn::GetAtt': string[] } } }> };
  return payload.Actions[0]?.Kinesis.RoleArn['Fn::GetAtt'][0] as string;
}

function roleOfFunction(fnLogicalId: string): string {
  const fn = resource(built.template, fnLogicalId, 'AWS::Lambda::Function');
  return (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
}

function envOf(fnLogicalId: string): Record<string, Json> {
  const fn = resource(built.template, fnLogicalId, 'AWS::Lambda::Function');
  return (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
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
    const [, r] = ruleNamed(rule.ruleName);
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
    const [, esm] = mappingOf(fnSpec.logicalId);
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

describe('fleet pipeline (telemetry + presence → fleet stream → fleet-ingest)', () => {
  const fleetRules = [topicRules.fleetTelemetryIngest, topicRules.fleetPresence];
  const fleetFn = functions.fleetIngest;

  it.each(fleetRules.map((r) => [r.ruleName, r] as const))('rule %s: topology SQL verbatim into the fleet stream', (_name, spec) => {
    const [, r] = ruleNamed(spec.ruleName);
    const payload = r.Properties.TopicRulePayload as Record<string, Json>;
    expect(payload.Sql).toBe(spec.sql);
    expect(payload.AwsIotSqlVersion).toBe('2016-03-23');
    expect(payload.Actions).toEqual([
      {
        Kinesis: {
          StreamName: { Ref: streams.fleetTelemetry.logicalId },
          PartitionKey: spec.action.partitionKeyTemplate,
          RoleArn: expect.anything(),
        },
      },
    ]);
    // Its own least-privilege role and DLQ, like the WIM rule.
    const statements = statementsOfRole(built.template, roleOfRule(spec.ruleName));
    const byAction = Object.fromEntries(statements.map((s) => [asArray(s.Action as string | string[]).join(','), s.Resource]));
    expect(Object.keys(byAction).sort()).toEqual(['kinesis:PutRecord', 'sqs:SendMessage']);
    expect(byAction['kinesis:PutRecord']).toEqual({ 'Fn::GetAtt': [streams.fleetTelemetry.logicalId, 'Arn'] });
  });

  it('partitions presence events by client id (topic(5)) and telemetry by device (topic(2))', () => {
    expect(topicRules.fleetPresence.sql).toContain("FROM '$aws/events/presence/+/+'");
    const key = (name: string) =>
      ((ruleNamed(name)[1].Properties.TopicRulePayload as { Actions: Array<{ Kinesis: { PartitionKey: string } }> }).Actions[0]
        ?.Kinesis.PartitionKey);
    expect(key(topicRules.fleetPresence.ruleName)).toBe('${topic(5)}');
    expect(key(topicRules.fleetTelemetryIngest.ruleName)).toBe('${topic(2)}');
  });

  it('fleet-ingest: fleet tables and stream in its environment, POSITION_RETENTION_DAYS 183 by default', () => {
    expect(envOf(fleetFn.logicalId)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'fleet-ingest',
      POSITION_RETENTION_DAYS: '183',
      VEHICLES_TABLE: { Ref: 'Vehicles' },
      VEHICLE_STATE_TABLE: { Ref: 'VehicleState' },
      POSITIONS_TABLE: { Ref: 'Positions' },
      VIOLATIONS_TABLE: { Ref: 'Violations' },
      VEHICLE_EVENTS_TABLE: { Ref: 'VehicleEvents' },
      FLEET_TELEMETRY_STREAM: { Ref: streams.fleetTelemetry.logicalId },
    });
    const [, esm] = mappingOf(fleetFn.logicalId);
    expect(esm.Properties.EventSourceArn).toEqual({ 'Fn::GetAtt': [streams.fleetTelemetry.logicalId, 'Arn'] });
  });

  it('fleet-ingest may publish under alerts/supervision/ only', () => {
    const publish = statementsOfRole(built.template, roleOfFunction(fleetFn.logicalId)).filter((s) =>
      asArray(s.Action as string | string[]).includes('iot:Publish'),
    );
    expect(publish).toHaveLength(1);
    const resources = asArray(publish[0]?.Resource as Json).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(1);
    expect(resources[0]).toContain(':topic/alerts/supervision/*');
    expect(resources[0]).toContain('"Ref":"AWS::Partition"');
  });

  it('takes positionRetentionDays from context, rejects nonsense', () => {
    const { template } = synth({ context: { positionRetentionDays: '365' } });
    for (const id of [fleetFn.logicalId, scheduledFunctions.fleetSweep.logicalId]) {
      const vars = (resource(template, id, 'AWS::Lambda::Function').Properties.Environment as { Variables: Record<string, Json> })
        .Variables;
      expect(vars.POSITION_RETENTION_DAYS).toBe('365');
    }
    expect(() => synth({ context: { positionRetentionDays: 'half a year' } })).toThrow(/positionRetentionDays/);
    expect(() => synth({ context: { positionRetentionDays: -1 } })).toThrow(/positionRetentionDays/);
  });
});

describe('scheduled functions (EventBridge rule)', () => {
  const sweep = scheduledFunctions.fleetSweep;

  it('runs the sweep every 5 minutes through an EventBridge rule (not Scheduler), with retries and an SQS DLQ', () => {
    const [ruleId, r] = only('AWS::Events::Rule', (x) =>
      (x.Properties.Targets as Array<{ Arn: Json }>).some((t) => refersTo(t.Arn, sweep.logicalId)),
    );
    expect(ruleId).toBe(`${sweep.logicalId}Schedule`);
    expect(r.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    const targets = r.Properties.Targets as Array<Record<string, Json>>;
    expect(targets).toHaveLength(1);
    expect(targets[0]?.Arn).toEqual({ 'Fn::GetAtt': [sweep.logicalId, 'Arn'] });
    expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 });
    const deadLetterConfig = targets[0]?.DeadLetterConfig as { Arn: { 'Fn::GetAtt': string[] } } | undefined;
    const dlqId = deadLetterConfig?.Arn['Fn::GetAtt'][0] as string;
    expect(resource(built.template, dlqId, 'AWS::SQS::Queue').Properties.SqsManagedSseEnabled).toBe(true);
    // EventBridge may send to the DLQ only on behalf of this rule.
    built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
    expect(resourcesOfType(built.template, 'AWS::Scheduler::Schedule')).toEqual({});
  });

  it('may be invoked by that rule only; no async retries (the next tick is the retry)', () => {
    const [, permission] = only(
      'AWS::Lambda::Permission',
      (p) => p.Properties.Principal === 'events.amazonaws.com' && refersTo(p.Properties.FunctionName, sweep.logicalId),
    );
    expect(permission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [sweep.logicalId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [`${sweep.logicalId}Schedule`, 'Arn'] },
    });
    built.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweep.logicalId },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 300,
    });
  });

  it('runs like the stream functions: nodejs22.x arm64, tracing, own log group, shared environment', () => {
    const fn = resource(built.template, sweep.logicalId, 'AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: `index.${sweep.handlerExport}`,
      MemorySize: sweep.memoryMb,
      Timeout: sweep.timeoutS,
      TracingConfig: { Mode: 'Active' },
    });
    const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(logGroupId).toMatch(/^FleetSweepFunctionLogGroup/);
    expect(envOf(sweep.logicalId)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: sweep.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: 'Qiongjian',
      POSITION_RETENTION_DAYS: '183',
      VEHICLES_TABLE: { Ref: 'Vehicles' },
    });
    expect(JSON.stringify(envOf(sweep.logicalId).IOT_DATA_ENDPOINT)).toContain('endpointAddress');
    const roleId = roleOfFunction(sweep.logicalId);
    expect(resource(built.template, roleId, 'AWS::IAM::Role').Properties.ManagedPolicyArns).toBeUndefined();
    for (const s of statementsOfRole(built.template, roleId)) {
      for (const action of asArray(s.Action as string | string[])) expect(action).not.toMatch(/(^\*$|:\*$)/);
    }
  });

  it('rejects a schedule that is not a whole number of minutes', async () => {
    const { ScheduledFunction } = await import('../../infra/constructs/scheduled-function.ts');
    const { Stack } = await import('aws-cdk-lib');
    expect(
      () =>
        new ScheduledFunction(new Stack(), 'X', {
          spec: { ...sweep, rateMinutes: 0.5 },
          projectRoot: '/nonexistent',
          environment: {},
        }),
    ).toThrow(/rateMinutes/);
  });
});

describe('HTTP API (JWT-authorized) in front of the API functions', () => {
  const allRoutes = Object.values(apiFunctions).flatMap((f) => f.routes.map((r) => ({ ...r, logicalId: f.logicalId })));
  const routes = () => Object.values(resourcesOfType(built.template, 'AWS::ApiGatewayV2::Route'));
  const integrations = () => resourcesOfType(built.template, 'AWS::ApiGatewayV2::Integration');

  it('is one HTTP API (the REST API is gone), logical id HttpApi, CORS for the console and local development only', () => {
    const [id, api] = only('AWS::ApiGatewayV2::Api');
    expect(id).toBe('HttpApi');
    expect(api.Properties.ProtocolType).toBe('HTTP');
    expect(resourcesOfType(built.template, 'AWS::ApiGateway::RestApi')).toEqual({});
    expect(resourcesOfType(built.template, 'AWS::ApiGateway::Account')).toEqual({});
    expect(resourcesOfType(built.template, 'AWS::IAM::ManagedPolicy')).toEqual({});
    const cors = api.Properties.CorsConfiguration as Record<string, Json>;
    expect(cors.AllowOrigins).toEqual([{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleSiteDistribution/), 'DomainName'] }]] }, 'http://localhost:3000']);
    expect(cors.AllowHeaders).toEqual(['authorization', 'content-type']);
  });

  it('declares exactly one route per topology route, key `METHOD path`, each behind the JWT authorizer', () => {
    const [authorizerId, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      ApiId: { Ref: 'HttpApi' },
      IdentitySource: ['$request.header.Authorization'],
    });
    expect(routes().map((r) => r.Properties.RouteKey).sort()).toEqual(allRoutes.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of routes()) {
      expect(r.Properties, String(r.Properties.RouteKey)).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId }, ApiId: { Ref: 'HttpApi' } });
    }
  });

  it.each(allRoutes.map((r) => [`${r.method} ${r.path}`, r.logicalId] as const))('%s → Lambda proxy (payload 2.0) to %s', (routeKey, logicalId) => {
    const route = routes().find((r) => r.Properties.RouteKey === routeKey) as CfnResource;
    const target = (route.Properties.Target as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1];
    const integrationId = (target[1] as { Ref: string }).Ref;
    const integration = integrations()[integrationId] as CfnResource;
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
  });

  it('lets API Gateway invoke each function only from this API, on its own routes', () => {
    const permissions = Object.values(resourcesOfType(built.template, 'AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions).toHaveLength(allRoutes.length);
    for (const p of permissions) {
      const arn = JSON.stringify(p.Properties.SourceArn);
      expect(arn).toContain('{"Ref":"AWS::Partition"},":execute-api:"');
      expect(arn).toContain('{"Ref":"HttpApi"}');
    }
  });

  it('uses the Cognito user pool as issuer (partition-agnostic URL) and the console client as audience', () => {
    const [, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    const jwt = authorizer.Properties.JwtConfiguration as { Issuer: Json; Audience: Json[] };
    const issuer = JSON.stringify(jwt.Issuer);
    expect(issuer).toContain('https://cognito-idp.');
    expect(issuer).toContain('{"Ref":"AWS::URLSuffix"}');
    expect(issuer).not.toContain('amazonaws.com');
    const [clientId] = only('AWS::Cognito::UserPoolClient');
    expect(jwt.Audience).toEqual([{ Ref: clientId }]);
  });

  it('$default stage: auto-deploy, throttled (50 rps, burst 100), JSON access log with the caller’s sub, one year', () => {
    const [, stage] = only('AWS::ApiGatewayV2::Stage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const access = stage.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': string[] }; Format: string };
    const logGroup = resource(built.template, access.DestinationArn['Fn::GetAtt'][0] as string, 'AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(365);
    expect(logGroup.DeletionPolicy).toBe('Retain');
    expect(JSON.parse(access.Format)).toMatchObject({ requestId: '$context.requestId', sub: '$context.authorizer.claims.sub', routeKey: '$context.routeKey', status: '$context.status' });
  });

  it('gives the registry function exactly the Vehicles table, no IoT publish', () => {
    const registry = apiFunctions.registryApi;
    const statements = statementsOfRole(built.template, roleOfFunction(registry.logicalId));
    expect(tablesOf(statements)).toEqual(['Vehicles']);
    expect(statements.some((s) => asArray(s.Action as string | string[]).includes('iot:Publish'))).toBe(false);
    expect(envOf(registry.logicalId)).toMatchObject({ VEHICLES_TABLE: { Ref: 'Vehicles' }, POWERTOOLS_SERVICE_NAME: registry.serviceName });
    expect(envOf(registry.logicalId).API_ROLES_CLAIM).toBeUndefined(); // cognito:groups, the router's default
  });

  it.each([
    ['overloadApi', apiFunctions.overloadApi],
    ['supervisionApi', apiFunctions.supervisionApi],
  ] as const)('%s: least privilege, exactly its tables (GSIs included), writes only where declared, IoT publish only on its declared topics', (_name, spec) => {
    const statements = statementsOfRole(built.template, roleOfFunction(spec.logicalId));
    const declared = [...new Set<string>([...spec.readsTables, ...spec.writesTables])].map((t) => tables[t as keyof typeof tables].logicalId);
    expect(tablesOf(statements)).toEqual(declared.sort());
    for (const t of declared) {
      const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${t}","Arn"`));
      const actions = onTable.flatMap((s) => asArray(s.Action as string | string[]));
      expect(actions, t).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
      const writes = (spec.writesTables as readonly string[]).some((w) => tables[w as keyof typeof tables].logicalId === t);
      expect(actions.includes('dynamodb:PutItem'), `${t} write`).toBe(writes);
      if (tables[Object.keys(tables).find((k) => tables[k as keyof typeof tables].logicalId === t) as keyof typeof tables].globalIndexes.length > 0) {
        expect(JSON.stringify(onTable.map((s) => s.Resource)), `${t} GSIs`).toContain('/index/*');
      }
    }
    const iot = statements.filter((s) => asArray(s.Action as string | string[]).some((a) => a.startsWith('iot:')));
    const declaredTopics: readonly string[] = 'publishesTopics' in spec ? spec.publishesTopics : [];
    expect(iot.flatMap((s) => asArray(s.Action as string | string[]))).toEqual(declaredTopics.length > 0 ? ['iot:Publish'] : []);
    const topicResources = JSON.stringify(iot.map((s) => s.Resource));
    for (const topic of declaredTopics) expect(topicResources).toContain(`:topic/${topic}"`);
    expect(iot.flatMap((s) => asArray(s.Resource as Json))).toHaveLength(declaredTopics.length);
  });

  it('passes jwtRolesClaim to the API functions and the MQTT authorizer as API_ROLES_CLAIM', () => {
    const { template } = synth({ context: { jwtRolesClaim: 'roles' } });
    const env = (id: string) => (resource(template, id, 'AWS::Lambda::Function').Properties.Environment as { Variables: Record<string, Json> }).Variables;
    for (const f of [...Object.values(apiFunctions), consoleMqttAuthorizerSpec]) expect(env(f.logicalId).API_ROLES_CLAIM, f.logicalId).toBe('roles');
  });

  it('outputs the URL API Gateway reports (amazonaws.com.cn in China), no literal domain', () => {
    const outputs = built.template.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(outputs.ApiUrl?.Value).toEqual({ 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] });
  });

  it('rejects route paths API Gateway cannot route', async () => {
    const { ConsoleHttpApi } = await import('../../infra/constructs/console-http-api.ts');
    const { Stack } = await import('aws-cdk-lib');
    const { Function: LambdaFunction, Code, Runtime } = await import('aws-cdk-lib/aws-lambda');
    const stack = new Stack();
    const api = new ConsoleHttpApi(stack, 'Api', {
      logicalId: 'Api',
      description: 'test',
      jwtIssuer: 'https://issuer.example',
      jwtAudience: ['x'],
      allowedOrigins: ['http://localhost:3000'],
      throttlingRateLimit: 1,
      throttlingBurstLimit: 1,
    });
    const fn = new LambdaFunction(stack, 'Fn', { code: Code.fromInline('x'), handler: 'index.h', runtime: Runtime.NODEJS_22_X });
    const route = (p: string, operationId = 'op') => ({ method: 'GET' as const, path: p, operationId, summary: '', roles: [] });
    for (const bad of ['vehicles', '/vehicles/', '/vehicles/{id', '/', '/a b', '/{proxy+}']) {
      expect(() => api.addRoute(route(bad), fn), bad).toThrow(/route path/);
    }
    api.addRoute(route('/vehicles/{deviceId}'), fn);
    expect(() => api.addRoute(route('/other'), fn)).toThrow(/twice/);
  });
});

describe('console identity (Cognito user pool, or the authority’s issuer)', () => {
  it('creates a user pool with exactly the console roles as groups, MFA required, no self sign-up', () => {
    const [poolId, pool] = only('AWS::Cognito::UserPool');
    expect(pool.Properties).toMatchObject({
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    expect(pool.DeletionPolicy).toBe('Retain');
    const groups = Object.values(resourcesOfType(built.template, 'AWS::Cognito::UserPoolGroup'));
    expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual([...consoleRoles].sort());
    for (const g of groups) expect(g.Properties.UserPoolId).toEqual({ Ref: poolId });
  });

  it('has a public console client: authorization code (PKCE), no secret, callback = the console site and localhost', () => {
    const [, client] = only('AWS::Cognito::UserPoolClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
    });
    const callbacks = client.Properties.CallbackURLs as Json[];
    expect(callbacks).toContain('http://localhost:3000/');
    expect(JSON.stringify(callbacks)).toContain('DomainName');
    expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('has a hosted-UI domain prefix derived from the stack name (and the account), or from context', () => {
    const [, domain] = only('AWS::Cognito::UserPoolDomain');
    expect(domain.Properties.Domain).toEqual({ 'Fn::Join': ['-', ['qiongjian-console', { Ref: 'AWS::AccountId' }]] });
    const { template } = synth({ context: { cognitoDomainPrefix: 'hainan-qj' } });
    expect(Object.values(resourcesOfType(template, 'AWS::Cognito::UserPoolDomain'))[0]?.Properties.Domain).toBe('hainan-qj');
  });

  const external = {
    jwtIssuer: 'https://sso.jt.hainan.gov.cn/realms/qj',
    jwtAudience: 'qiongjian-console',
    oidcAuthorizationEndpoint: 'https://sso.jt.hainan.gov.cn/realms/qj/protocol/openid-connect/auth',
    oidcTokenEndpoint: 'https://sso.jt.hainan.gov.cn/realms/qj/protocol/openid-connect/token',
  };

  it('with jwtIssuer: no user pool, no groups; the authorizer and the MQTT authorizer use that issuer', () => {
    const { template } = synth({ context: external });
    for (const type of ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolGroup', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolDomain']) {
      expect(resourcesOfType(template, type), type).toEqual({});
    }
    const authorizer = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer'))[0] as CfnResource;
    expect(authorizer.Properties.JwtConfiguration).toEqual({ Issuer: external.jwtIssuer, Audience: [external.jwtAudience] });
    const env = (resource(template, consoleMqttAuthorizerSpec.logicalId, 'AWS::Lambda::Function').Properties.Environment as { Variables: Record<string, Json> }).Variables;
    expect(env).toMatchObject({
      JWT_ISSUER: external.jwtIssuer,
      JWT_AUDIENCE: external.jwtAudience,
      JWT_JWKS_URL: `${external.jwtIssuer}/.well-known/jwks.json`,
    });
  });

  it('refuses a jwtIssuer without audience or endpoints', () => {
    expect(() => build({ context: { jwtIssuer: external.jwtIssuer } })).toThrow(/jwtAudience, oidcAuthorizationEndpoint, oidcTokenEndpoint/);
  });
});

describe('console static site', () => {
  it('is a private, TLS-only, encrypted, versioned bucket with server access logs', () => {
    const [, bucket] = only('AWS::S3::Bucket', (b) => JSON.stringify(b.Properties.LoggingConfiguration ?? null) !== 'null');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    const policies = Object.values(resourcesOfType(built.template, 'AWS::S3::BucketPolicy'));
    for (const p of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('is filled by a BucketDeployment: the site, vendor/mqtt.esm.js and config.json with the deploy-time URLs', () => {
    const [, deployment] = only('Custom::CDKBucketDeployment');
    expect(asArray(deployment.Properties.SourceObjectKeys as Json)).toHaveLength(3);
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    // config.json's tokens: the API URL, the IoT ATS endpoint, the authorizer name, the client id, the region.
    expect(markers).toContain('HttpApi');
    expect(markers).toContain('IotDataEndpoint');
    expect(markers).toContain('AWS::Region');
  });

  it('is behind CloudFront with origin access control by default', () => {
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as Record<string, Json>;
    expect(config).toMatchObject({ DefaultRootObject: 'index.html', DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https' } });
    expect(Object.keys(resourcesOfType(built.template, 'AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
  });

  it('has no CloudFront with consoleHosting=bucket, nor in a cn-* region (ICP); consoleOrigin then is the CORS origin', () => {
    const origin = 'https://console.jt.hainan.gov.cn';
    for (const props of [
      { context: { consoleHosting: 'bucket', consoleOrigin: origin } },
      { context: { consoleOrigin: `${origin}/` }, stack: { env: { region: 'cn-north-1' } } },
    ]) {
      const { template } = synth(props);
      expect(resourcesOfType(template, 'AWS::CloudFront::Distribution')).toEqual({});
      expect(Object.keys(resourcesOfType(template, 'Custom::CDKBucketDeployment'))).toHaveLength(1);
      const api = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Api'))[0] as CfnResource;
      expect((api.Properties.CorsConfiguration as { AllowOrigins: Json }).AllowOrigins).toEqual([origin, 'http://localhost:3000']);
    }
    const { template } = synth({ context: { consoleHosting: 'cloudfront' }, stack: { env: { region: 'cn-northwest-1' } } });
    expect(Object.keys(resourcesOfType(template, 'AWS::CloudFront::Distribution'))).toHaveLength(1);
    expect(() => build({ context: { consoleHosting: 'cdn' } })).toThrow(/consoleHosting/);
  });
});

describe('console identity in the China regions', () => {
  const errorsOf = (props: Parameters<typeof synth>[0]) =>
    Annotations.fromStack(synth(props).stack)
      .findError('*', Match.anyValue())
      .map((m) => String(m.entry.data));
  const external = {
    jwtIssuer: 'https://idp.jt.hainan.gov.cn/realms/qiongjian',
    jwtAudience: 'qiongjian-console',
    oidcAuthorizationEndpoint: 'https://idp.jt.hainan.gov.cn/realms/qiongjian/protocol/openid-connect/auth',
    oidcTokenEndpoint: 'https://idp.jt.hainan.gov.cn/realms/qiongjian/protocol/openid-connect/token',
  };

  it.each(['cn-north-1', 'cn-northwest-1'])('refuses to synthesize a Cognito user pool for %s, and names what to pass instead', (region) => {
    expect(errorsOf({ stack: { env: { region } } })).toEqual([expect.stringMatching(/No jwtIssuer in cn-.*-c jwtIssuer=/)]);
  });

  it('synthesizes for China with the authority\'s issuer, without any Cognito resource', () => {
    const { template, stack } = synth({ context: external, stack: { env: { region: 'cn-north-1' } } });
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Object.keys(template.toJSON().Resources as Record<string, { Type: string }>).filter((id) => (template.toJSON().Resources[id].Type as string).startsWith('AWS::Cognito::'))).toEqual([]);
  });
});

describe('console live feed: IoT custom authorizer', () => {
  it('is an active authorizer without token signing, token key `token`, on the authorizer function', () => {
    const [, authorizer] = only('AWS::IoT::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerName: 'Qiongjian-console',
      SigningDisabled: true,
      TokenKeyName: 'token',
      Status: 'ACTIVE',
      AuthorizerFunctionArn: { 'Fn::GetAtt': [consoleMqttAuthorizerSpec.logicalId, 'Arn'] },
    });
  });

  it('may be invoked by IoT through that authorizer only, in this account', () => {
    const [authorizerId] = only('AWS::IoT::Authorizer');
    const [, permission] = only('AWS::Lambda::Permission', (p) => p.Properties.Principal === 'iot.amazonaws.com');
    expect(permission.Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': [consoleMqttAuthorizerSpec.logicalId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [authorizerId, 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('verifies the console issuer’s JWTs: issuer, audience and JWKS in its environment, nothing else granted', () => {
    const env = envOf(consoleMqttAuthorizerSpec.logicalId);
    expect(JSON.stringify(env.JWT_ISSUER)).toContain('cognito-idp.');
    expect(JSON.stringify(env.JWT_JWKS_URL)).toContain('/.well-known/jwks.json');
    const [clientId] = only('AWS::Cognito::UserPoolClient');
    expect(env.JWT_AUDIENCE).toEqual({ Ref: clientId });
    const statements = statementsOfRole(built.template, roleOfFunction(consoleMqttAuthorizerSpec.logicalId));
    const actions = statements.flatMap((s) => asArray(s.Action as string | string[]));
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([]);
    const fn = resource(built.template, consoleMqttAuthorizerSpec.logicalId, 'AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Timeout: 5 });
  });
});

/** Logical ids of the tables a role's statements touch (log groups left out), sorted. */
function tablesOf(statements: Array<Record<string, Json>>): string[] {
  const tableIds = new Set(Object.values(tables).map((t) => t.logicalId as string));
  return [
    ...new Set(statements.flatMap((s) => [...JSON.stringify(s.Resource).matchAll(/"Fn::GetAtt":\["(\w+)","Arn"\]/g)].map((m) => m[1] as string))),
  ]
    .filter((id) => tableIds.has(id))
    .sort();
}

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
    expect(Object.keys(policies).sort()).toEqual([
      'EnforcementClientPolicy',
      'OperatorClientPolicy',
      'SupervisorClientPolicy',
      'VehicleTerminalPolicy',
      'WimStationPolicy',
    ]);
    expect(policies.VehicleTerminalPolicy?.Properties.PolicyName).toBe('Qiongjian-vehicle-terminal');
    expect(policies.SupervisorClientPolicy?.Properties.PolicyName).toBe('Qiongjian-supervisor-client');
    expect(policies.OperatorClientPolicy?.Properties.PolicyName).toBe('Qiongjian-operator-client');
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
    const terminal = JSON.stringify(policies.VehicleTerminalPolicy?.Properties.PolicyDocument);
    expect(terminal).not.toMatch(/iot:(Subscribe|Receive)/);
    const supervisor = JSON.stringify(policies.SupervisorClientPolicy?.Properties.PolicyDocument);
    expect(supervisor).not.toContain('iot:Publish');
    const operator = JSON.stringify(policies.OperatorClientPolicy?.Properties.PolicyDocument);
    expect(operator).not.toMatch(/iot:(Publish|RetainPublish)/);
    expect(operator).toContain(':topicfilter/metrics/green"');
    expect(operator).toContain(':topic/metrics/green/*"');
  });

  it('vehicle terminal: connect as itself, publish its own telemetry and status only', () => {
    const doc = vehicleTerminalPolicyDocument(fakeArn);
    expect(actionsOf(doc).sort()).toEqual(['iot:Connect', 'iot:Publish']);
    const byAction = Object.fromEntries(doc.Statement.map((s) => [s.Action[0], s.Resource]));
    expect(byAction['iot:Connect']).toEqual([fakeArn(`client/${THING_NAME}`)]);
    expect(doc.Statement[0]?.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
    expect(byAction['iot:Publish']).toEqual([
      fakeArn(`topic/fleet/${THING_NAME}/telemetry`),
      fakeArn(`topic/fleet/${THING_NAME}/status`),
    ]);
  });

  it('operator client: subscribe/receive the green metrics (province topic and every city below it) only, no publish', () => {
    const doc = operatorClientPolicyDocument(fakeArn);
    expect(actionsOf(doc).sort()).toEqual(['iot:Connect', 'iot:Receive', 'iot:Subscribe']);
    expect(doc.Statement.map((s) => s.Effect)).toEqual(['Allow', 'Allow', 'Allow']);
    const byAction = Object.fromEntries(doc.Statement.map((s) => [s.Action[0], s.Resource]));
    expect(byAction['iot:Connect']).toEqual([fakeArn(`client/${THING_NAME}`)]);
    expect(doc.Statement[0]?.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
    // `…/metrics/green/*` does not match `…/metrics/green`: the province topic is listed on its own.
    expect(byAction['iot:Subscribe']).toEqual([fakeArn('topicfilter/metrics/green'), fakeArn('topicfilter/metrics/green/*')]);
    expect(byAction['iot:Receive']).toEqual([fakeArn('topic/metrics/green'), fakeArn('topic/metrics/green/*')]);
    expect(topics.greenMetricsProvince).toBe(topics.greenMetricsPrefix);
    expect(topics.greenMetricsCity('460100').startsWith(`${topics.greenMetricsPrefix}/`)).toBe(true);
  });

  it('supervisor client: subscribe/receive supervision alerts only, no publish', () => {
    const doc = supervisorClientPolicyDocument(fakeArn);
    expect(actionsOf(doc).sort()).toEqual(['iot:Connect', 'iot:Receive', 'iot:Subscribe']);
    const byAction = Object.fromEntries(doc.Statement.map((s) => [s.Action[0], s.Resource]));
    expect(byAction['iot:Connect']).toEqual([fakeArn(`client/${THING_NAME}`)]);
    expect(doc.Statement[0]?.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
    expect(byAction['iot:Subscribe']).toEqual([fakeArn('topicfilter/alerts/supervision/*')]);
    expect(byAction['iot:Receive']).toEqual([fakeArn('topic/alerts/supervision/*')]);
    // Every statement is Allow and there are exactly three of them: nothing else is granted.
    expect(doc.Statement.map((s) => s.Effect)).toEqual(['Allow', 'Allow', 'Allow']);
  });
});

describe('green metrics: snapshot (retained MQTT), /metrics API, dashboard', () => {
  const snapshot = scheduledFunctions.greenSnapshot;
  const greenApi = apiFunctions.greenApi;
  const ownFunctionIds = [...Object.values(functions), ...Object.values(scheduledFunctions), ...Object.values(apiFunctions)].map(
    (f) => f.logicalId,
  );
  const actionsOf = (s: Record<string, Json>) => asArray(s.Action as string | string[]);
  /** `arn:<partition>:iot:<region>:<account>:topic/…` (Fn::Join) → `topic/…`, asserting the pseudo parameters. */
  const iotResourcePart = (arn: Json): string => {
    const parts = (arn as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1];
    expect(parts.slice(0, 6)).toEqual(['arn:', { Ref: 'AWS::Partition' }, ':iot:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }]);
    return (parts.slice(6).join('') as string).replace(/^:/, '');
  };

  it('the topology declares the table, the schedule and the API function this stack builds', () => {
    expect(tables.greenMetrics).toMatchObject({
      logicalId: 'GreenMetrics',
      partitionKey: { name: 'scopePeriod', type: 'S' },
      sortKey: { name: 'periodKey', type: 'S' },
    });
    expect(snapshot.publishesTopicPrefixes).toEqual([topics.greenMetricsPrefix]);
    expect(RETAINED_TOPIC_PREFIXES).toEqual([topics.greenMetricsPrefix]);
    expect(greenApi.routes.map((r) => r.path)).toEqual(['/metrics/green/current', '/metrics/green/history']);
  });

  it('the snapshot function may Publish AND RetainPublish on metrics/green and metrics/green/* — nothing else over IoT', () => {
    const iot = statementsOfRole(built.template, roleOfFunction(snapshot.logicalId)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('iot:')),
    );
    expect(iot).toHaveLength(1);
    expect(iot[0]?.Effect).toBe('Allow');
    expect(actionsOf(iot[0] as Record<string, Json>).sort()).toEqual(['iot:Publish', 'iot:RetainPublish']);
    const resources = asArray(iot[0]?.Resource as Json).map(iotResourcePart);
    // The province topic has no level below the prefix: `topic/metrics/green/*` alone would not cover it.
    expect(resources.sort()).toEqual([`topic/${topics.greenMetricsProvince}`, `topic/${topics.greenMetricsPrefix}/*`].sort());
  });

  it('no other function, role or policy gets iot:RetainPublish', () => {
    for (const id of ownFunctionIds.filter((i) => i !== snapshot.logicalId)) {
      const statements = statementsOfRole(built.template, roleOfFunction(id));
      expect(statements.some((s) => actionsOf(s).includes('iot:RetainPublish')), id).toBe(false);
    }
    const snapshotRole = roleOfFunction(snapshot.logicalId);
    for (const [id, policy] of Object.entries(resourcesOfType(built.template, 'AWS::IAM::Policy'))) {
      if (!JSON.stringify(policy.Properties.PolicyDocument).includes('iot:RetainPublish')) continue;
      expect(policy.Properties.Roles, id).toEqual([{ Ref: snapshotRole }]);
    }
    for (const type of ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IoT::Policy']) {
      for (const [id, r] of Object.entries(resourcesOfType(built.template, type))) {
        expect(JSON.stringify(r.Properties), id).not.toContain('RetainPublish');
      }
    }
    // Not-retained publishers keep `iot:Publish` on `<prefix>/*` only.
    const sweepPublish = statementsOfRole(built.template, roleOfFunction(scheduledFunctions.fleetSweep.logicalId)).filter((s) =>
      actionsOf(s).includes('iot:Publish'),
    );
    expect(sweepPublish.flatMap((s) => asArray(s.Resource as Json)).map(iotResourcePart)).toEqual(['topic/alerts/supervision/*']);
  });

  it('the snapshot runs every 5 minutes: one EventBridge rule targeting it, retries and a DLQ, invoke permission for that rule only', () => {
    const rules = Object.entries(resourcesOfType(built.template, 'AWS::Events::Rule')).filter(([, r]) =>
      (r.Properties.Targets as Array<{ Arn: Json }>).some((t) => refersTo(t.Arn, snapshot.logicalId)),
    );
    expect(rules).toHaveLength(1);
    const [ruleId, r] = rules[0] as [string, CfnResource];
    expect(ruleId).toBe(`${snapshot.logicalId}Schedule`);
    expect(snapshot.rateMinutes).toBe(5);
    expect(r.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    const targets = r.Properties.Targets as Array<Record<string, Json>>;
    expect(targets).toHaveLength(1);
    expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 });
    expect(targets[0]?.DeadLetterConfig).toBeDefined();
    const [, permission] = only(
      'AWS::Lambda::Permission',
      (p) => p.Properties.Principal === 'events.amazonaws.com' && refersTo(p.Properties.FunctionName, snapshot.logicalId),
    );
    expect(permission.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [ruleId, 'Arn'] });
    expect(envOf(snapshot.logicalId)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'green-snapshot',
      POWERTOOLS_METRICS_NAMESPACE: 'Qiongjian',
      GREEN_METRICS_TABLE: { Ref: 'GreenMetrics' },
    });
  });

  it.each(greenApi.routes.map((r) => `${r.method} ${r.path}`))('serves %s: JWT-authorized, Lambda proxy to the green API function', (routeKey) => {
    const [, route] = only('AWS::ApiGatewayV2::Route', (r) => r.Properties.RouteKey === routeKey);
    expect(route.Properties.AuthorizationType).toBe('JWT');
    const integrationId = ((route.Properties.Target as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1][1] as { Ref: string }).Ref;
    const integration = resource(built.template, integrationId, 'AWS::ApiGatewayV2::Integration');
    expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [greenApi.logicalId, 'Arn'] });
  });

  it('the green API reads GreenMetrics only (no write, no IoT)', () => {
    const statements = statementsOfRole(built.template, roleOfFunction(greenApi.logicalId));
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes('"GreenMetrics","Arn"')).flatMap(actionsOf);
    expect(onTable).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(onTable).not.toContain('dynamodb:PutItem');
    expect(statements.some((s) => actionsOf(s).some((a) => a.startsWith('iot:')))).toBe(false);
  });

  /** The dashboard body with deploy-time tokens replaced by `TOKEN`, parsed. */
  const dashboardBody = () => {
    const [, dashboard] = only('AWS::CloudWatch::Dashboard');
    const body = dashboard.Properties.DashboardBody as Json;
    const text =
      typeof body === 'string'
        ? body
        : ((body as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
    return {
      raw: JSON.stringify(body),
      parsed: JSON.parse(text) as { widgets: Array<{ type: string; properties: { title?: string; region?: string; metrics?: Json[][] } }> },
    };
  };
  /** `[namespace, name, dim, value, …, {options}]` → `{ namespace, metricName, dimensions }`. */
  const metricLines = () =>
    dashboardBody().parsed.widgets.flatMap((w) =>
      (w.properties.metrics ?? []).map((line) => {
        const plain = line.filter((x) => typeof x === 'string') as string[];
        const [namespace, metricName, ...dims] = plain;
        const dimensions: Record<string, string> = {};
        for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i] as string] = dims[i + 1] as string;
        return { title: w.properties.title, namespace, metricName, dimensions };
      }),
    );

  it('the dashboard exists, named <stack>-<region> (dashboard names are per account, not per region)', () => {
    const [id, dashboard] = only('AWS::CloudWatch::Dashboard');
    expect(id).toBe('Dashboard');
    expect(dashboard.Properties.DashboardName).toEqual({ 'Fn::Join': ['', ['Qiongjian-', { Ref: 'AWS::Region' }]] });
    for (const w of dashboardBody().parsed.widgets.filter((x) => x.type === 'metric')) {
      expect(w.properties.region).toBe('TOKEN'); // AWS::Region, never a literal
    }
    expect(dashboardBody().raw).toContain('{"Ref":"AWS::Region"}');
  });

  it('its body mentions every green metric, for every fleet, in the province, as the snapshot emits them', () => {
    const { raw } = dashboardBody();
    for (const name of greenMetricNames) expect(raw).toContain(name);
    const lines = metricLines();
    for (const series of greenMetricSeries()) {
      expect(
        lines.some(
          (l) =>
            l.namespace === series.namespace &&
            l.metricName === series.metricName &&
            JSON.stringify(Object.entries(l.dimensions).sort()) === JSON.stringify(Object.entries(series.dimensions).sort()),
        ),
        `${series.metricName}/${series.dimensions.fleet}`,
      ).toBe(true);
    }
    // Exactly the three dimensions of the EMF metric, with the agreed values.
    for (const l of lines.filter((x) => (greenMetricNames as readonly string[]).includes(x.metricName as string))) {
      expect(l.namespace).toBe('Qiongjian');
      expect(Object.keys(l.dimensions).sort()).toEqual(['city', 'fleet', 'service']);
      expect(l.dimensions.service).toBe(snapshot.serviceName);
      expect(l.dimensions.city).toBe(greenProvinceCity);
      expect(greenDashboardFleets as readonly string[]).toContain(l.dimensions.fleet);
    }
    expect([...greenDashboardFleets]).toEqual(['bus', 'taxi', 'all']);
    expect(greenProvinceCity).toBe('province');
  });

  it('its operational widgets: records/reports processed, alerts, dead letters, iterator age of both streams, Lambda errors, DLQ depth', () => {
    const lines = metricLines();
    const has = (namespace: string, metricName: string, dimensions: Record<string, string>) =>
      lines.some(
        (l) =>
          l.namespace === namespace &&
          l.metricName === metricName &&
          Object.entries(dimensions).every(([k, v]) => l.dimensions[k] === v),
      );
    for (const m of Object.values(operationalMetrics).flat()) {
      expect(has('Qiongjian', m.metricName, { service: m.service }), `${m.service} ${m.metricName}`).toBe(true);
    }
    expect(lines.filter((l) => l.metricName === 'GetRecords.IteratorAgeMilliseconds')).toHaveLength(Object.keys(streams).length);
    expect(lines.filter((l) => l.namespace === 'AWS/Lambda' && l.metricName === 'Errors')).toHaveLength(ownFunctionIds.length);
    const { raw } = dashboardBody();
    for (const s of Object.values(streams)) expect(raw).toContain(`{"Ref":"${s.logicalId}"}`);
    for (const id of ownFunctionIds) expect(raw).toContain(`{"Ref":"${id}"}`);
    expect(lines.filter((l) => l.namespace === 'AWS/SQS')).toHaveLength(
      Object.keys(resourcesOfType(built.template, 'AWS::SQS::Queue')).length,
    );
    expect(raw).not.toContain('amazonaws');
  });

  it('the handlers still emit the operational metrics the dashboard shows', () => {
    const all = [...Object.values(functions), ...Object.values(scheduledFunctions), ...Object.values(apiFunctions)];
    for (const m of Object.values(operationalMetrics).flat()) {
      const spec = all.find((f) => f.serviceName === m.service);
      expect(spec, m.service).toBeDefined();
      const source = readFileSync(path.join(REPO_ROOT, spec?.entry as string), 'utf8');
      expect(source, `${spec?.entry} emits ${m.metricName}`).toContain(`'${m.metricName}'`);
    }
  });

  it('the snapshot handler (once written) emits every green metric for the province, per dashboard fleet', () => {
    const entry = path.join(REPO_ROOT, snapshot.entry);
    if (!existsSync(entry)) return; // written in parallel; tests/infra/support.ts stubs it meanwhile
    const source = readFileSync(entry, 'utf8');
    for (const name of greenMetricNames) expect(source, `${snapshot.entry} emits ${name}`).toContain(`'${name}'`);
    expect(source).toContain('greenDashboardFleets');
    expect(source).toContain(`'${greenProvinceCity}'`);
  });
});

describe('alarms', () => {
  const alarmOn = (namespace: string, metricName: string) =>
    Object.values(resourcesOfType(built.template, 'AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.Namespace === namespace && a.Properties.MetricName === metricName,
    );

  const queueOfAlarm = (a: CfnResource) =>
    ((a.Properties.Dimensions as Array<{ Value: { 'Fn::GetAtt': string[] } }>)[0]?.Value['Fn::GetAtt'] ?? [])[0];

  it('watch every dead-letter queue (≥ 1 message), every stream’s iterator age and every function’s errors', () => {
    const dlq = alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible');
    const queues = Object.keys(resourcesOfType(built.template, 'AWS::SQS::Queue'));
    // One per topic rule, one per stream function (on-failure), one per schedule: every queue is a DLQ.
    expect(queues).toHaveLength(
      Object.keys(topicRules).length + Object.keys(functions).length + Object.keys(scheduledFunctions).length,
    );
    expect(dlq.map(queueOfAlarm).sort()).toEqual(queues.sort());
    for (const a of dlq) {
      expect(a.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    const age = alarmOn('AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds');
    expect(age.map((a) => JSON.stringify(a.Properties.Dimensions)).sort()).toEqual(
      Object.values(streams)
        .map((s) => JSON.stringify([{ Name: 'StreamName', Value: { Ref: s.logicalId } }]))
        .sort(),
    );
    for (const a of age) expect(a.Properties).toMatchObject({ Statistic: 'Maximum', Threshold: 60_000 });
    const errors = alarmOn('AWS/Lambda', 'Errors');
    const own = [...Object.values(functions), ...Object.values(scheduledFunctions), ...Object.values(apiFunctions), consoleMqttAuthorizerSpec];
    expect(errors.map((a) => JSON.stringify(a.Properties.Dimensions)).sort()).toEqual(
      own.map((f) => JSON.stringify([{ Name: 'FunctionName', Value: { Ref: f.logicalId } }])).sort(),
    );
    for (const a of Object.values(resourcesOfType(built.template, 'AWS::CloudWatch::Alarm'))) {
      expect(a.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('watch the fleet pipeline: stream iterator age, both fleet rule DLQs, the fleet on-failure DLQ', () => {
    const ids = Object.keys(resourcesOfType(built.template, 'AWS::CloudWatch::Alarm'));
    for (const prefix of [
      'FleetTelemetryStreamIteratorAgeAlarm',
      'FleetTelemetryIngestRuleDeadLetterAlarm',
      'FleetPresenceRuleDeadLetterAlarm',
      'FleetIngestFunctionFailureAlarm',
      'FleetSweepFunctionScheduleDeadLetterAlarm',
      'FleetSweepFunctionErrorsAlarm',
    ]) {
      expect(ids.some((id) => id.startsWith(prefix)), prefix).toBe(true);
    }
  });

  it('watch the HTTP API’s 5xx answers', () => {
    const fiveXx = alarmOn('AWS/ApiGateway', '5xx');
    expect(fiveXx).toHaveLength(1);
    expect(fiveXx[0]?.Properties.Dimensions).toEqual([{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }]);
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
        'FleetTelemetryStreamName',
        'FleetTelemetryIngestRuleDeadLetterQueueUrl',
        'FleetPresenceRuleDeadLetterQueueUrl',
        'FleetIngestFunctionFailureQueueUrl',
        'FleetSweepFunctionScheduleDeadLetterQueueUrl',
        'VehiclesTableName',
        'ApiUrl',
        'ConsoleUrl',
        'ConsoleBucketName',
        'ConsoleJwtIssuer',
        'ConsoleClientId',
        'ConsoleUserPoolId',
        'ConsoleMqttAuthorizerName',
        'VehicleTerminalPolicyName',
        'SupervisorClientPolicyName',
        'OperatorClientPolicyName',
        'DashboardName',
        'GreenMetricsTableName',
        'GreenSnapshotFunctionScheduleDeadLetterQueueUrl',
      ]),
    );
    expect(Object.keys(outputs).filter((k) => /(Admin|Reader)PolicyArn$/.test(k))).toEqual([]);
  });
});

describe('partition and region agnostic', () => {
  it('contains no literal partition, domain, region or account', () => {
    const offenders: string[] = [];
    for (const { path, value } of stringsOf(built.template.toJSON() as Json)) {
      const isServicePrincipal = path.at(-2) === 'Principal' && path.at(-1) === 'Service';
      const isServicePrincipalList = path.at(-3) === 'Principal' && path.at(-2) === 'Service';
      // AWS::Lambda::Permission names the invoking service (events, apigateway) in `Properties.Principal`.
      const isPermissionPrincipal = path.at(-2) === 'Properties' && path.at(-1) === 'Principal';
      if (value.includes('arn:aws')) offenders.push(`${path.join('.')}: ${value}`);
      // Service principals are the same name (`<service>.amazonaws.com`) in every partition, China included.
      if (value.includes('amazonaws.com') && !isServicePrincipal && !isServicePrincipalList && !isPermissionPrincipal) {
        offenders.push(`${path.join('.')}: ${value}`);
      }
      if (/\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d\b/.test(value)) {
        offenders.push(`${path.join('.')}: ${value}`);
      }
      if (/\b\d{12}\b/.test(value)) offenders.push(`${path.join('.')}: ${value}`);
    }
    expect(offenders).toEqual([]);
    // And nowhere else either (keys, conditions, outputs): no literal `arn:aws:` at all.
    expect(JSON.stringify(built.template.toJSON())).not.toContain('arn:aws:');
  });

  it('lets only real service principals through the amazonaws.com exception', () => {
    const principals = new Set<string>();
    for (const { path, value } of stringsOf(built.template.toJSON() as Json)) {
      if (value.includes('amazonaws.com')) principals.add(`${path.at(-1)}=${value}`);
    }
    for (const p of principals) expect(p).toMatch(/^(Service|\d+|Principal)=[a-z-]+\.amazonaws\.com$/);
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
