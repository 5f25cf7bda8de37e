/**
 * The synthesized CloudFormation template versus `infra/topology.ts`, entry by entry.
 *
 * The local stack (infra/local) is built from the same topology, so if this test passes the cloud and the laptop run
 * the same tables, keys, indexes, stream, rule SQL, batch settings, schedules, API routes and permissions. Adding
 * something to the topology without the stack following (or the other way round) fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { consoleMqttAuthorizerSpec } from '../../infra/constructs/console-mqtt-authorizer.ts';
import { RETAINED_TOPIC_PREFIXES } from '../../infra/stacks/qiongjian-stack.ts';
import {
  type ApiFunctionSpec,
  apiFunctions,
  commonEnv,
  type FunctionSpec,
  functions,
  type ScheduledFunctionSpec,
  type StreamSpec,
  scheduledFunctions,
  streams,
  type TableName,
  type TableSpec,
  type TopicRuleSpec,
  tables,
  topicRules,
} from '../../infra/topology.ts';
import { asArray, type Json, resource, resourcesOfType, statementsOfRole, synth } from './support.ts';

let template: ReturnType<typeof synth>['template'];
beforeAll(() => {
  template = synth().template;
});

const tableSpecs = Object.entries(tables) as Array<[TableName, TableSpec]>;
const streamSpecs = Object.values(streams) as StreamSpec[];
const ruleSpecs = Object.values(topicRules) as TopicRuleSpec[];
const functionSpecs = Object.values(functions) as FunctionSpec[];
const scheduledSpecs = Object.values(scheduledFunctions) as ScheduledFunctionSpec[];
const apiSpecs = Object.values(apiFunctions) as ApiFunctionSpec[];

/** Every Lambda function of the topology, whatever triggers it, with what the stack must grant it. */
interface AnyFunctionSpec {
  readonly kind: 'stream' | 'scheduled' | 'api';
  readonly logicalId: string;
  readonly handlerExport: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  readonly serviceName: string;
  readonly readsTables: readonly TableName[];
  readonly writesTables: readonly TableName[];
  readonly publishesTopicPrefixes: readonly string[];
  /** Exact topics (IoT patterns) besides the prefixes. */
  readonly publishesTopics: readonly string[];
}
const allFunctionSpecs: AnyFunctionSpec[] = [
  ...functionSpecs.map((f) => ({ ...f, kind: 'stream' as const, publishesTopics: [] })),
  ...scheduledSpecs.map((f) => ({ ...f, kind: 'scheduled' as const, publishesTopics: [] })),
  ...apiSpecs.map((f) => ({ ...f, kind: 'api' as const, publishesTopicPrefixes: [], publishesTopics: f.publishesTopics ?? [] })),
];

function keySchema(pk: { name: string }, sk?: { name: string }) {
  return [{ AttributeName: pk.name, KeyType: 'HASH' }, ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : [])];
}

/**
 * Lambda functions of the topology: not CDK's singletons (the AwsCustomResource provider, the console's
 * BucketDeployment handler), nor the console's IoT authorizer, which has no local twin (tests/infra/stack.test.ts).
 */
function ownFunctions() {
  return Object.fromEntries(
    Object.entries(resourcesOfType(template, 'AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('AWS679f53fa') && !id.startsWith('CustomCDKBucketDeployment') && id !== consoleMqttAuthorizerSpec.logicalId,
    ),
  );
}

describe('nothing more, nothing less', () => {
  it('has exactly the topology’s tables, streams, topic rules and functions', () => {
    expect(Object.keys(resourcesOfType(template, 'AWS::DynamoDB::Table')).sort()).toEqual(
      tableSpecs.map(([, t]) => t.logicalId).sort(),
    );
    expect(Object.keys(resourcesOfType(template, 'AWS::Kinesis::Stream')).sort()).toEqual(
      streamSpecs.map((s) => s.logicalId).sort(),
    );
    expect(
      Object.values(resourcesOfType(template, 'AWS::IoT::TopicRule'))
        .map((r) => r.Properties.RuleName)
        .sort(),
    ).toEqual(ruleSpecs.map((r) => r.ruleName).sort());
    expect(Object.keys(ownFunctions()).sort()).toEqual(allFunctionSpecs.map((f) => f.logicalId).sort());
    expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'))).toHaveLength(functionSpecs.length);
    expect(Object.keys(resourcesOfType(template, 'AWS::Events::Rule')).sort()).toEqual(
      scheduledSpecs.map((f) => `${f.logicalId}Schedule`).sort(),
    );
    expect(Object.keys(resourcesOfType(template, 'AWS::ApiGateway::RestApi'))).toHaveLength(0);
    expect(Object.keys(resourcesOfType(template, 'AWS::ApiGatewayV2::Api'))).toHaveLength(1);
    expect(
      Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'))
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(apiSpecs.flatMap((f) => f.routes.map((r) => `${r.method} ${r.path}`)).sort());
  });
});

/** The Lambda function an HTTP API route integrates with (Target `integrations/<id>` → IntegrationUri). */
function functionOfRoute(routeKey: string): Json | undefined {
  const route = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).find((r) => r.Properties.RouteKey === routeKey);
  if (!route) return undefined;
  const target = (route.Properties.Target as { 'Fn::Join': [string, Json[]] })['Fn::Join'][1];
  const integration = resource(template, (target[1] as { Ref: string }).Ref, 'AWS::ApiGatewayV2::Integration');
  return integration.Properties.IntegrationUri;
}

function envOf(logicalId: string): Record<string, Json> {
  return (resource(template, logicalId, 'AWS::Lambda::Function').Properties.Environment as {
    Variables: Record<string, Json>;
  }).Variables;
}

describe('green-metrics additions', () => {
  it('the GreenMetrics table (scopePeriod / periodKey) is one of the checked tables', () => {
    expect(tableSpecs.map(([name]) => name)).toContain('greenMetrics');
    const props = resource(template, tables.greenMetrics.logicalId, 'AWS::DynamoDB::Table').Properties;
    expect(props.KeySchema).toEqual(keySchema(tables.greenMetrics.partitionKey, tables.greenMetrics.sortKey));
    expect(props.KeySchema).toEqual([
      { AttributeName: 'scopePeriod', KeyType: 'HASH' },
      { AttributeName: 'periodKey', KeyType: 'RANGE' },
    ]);
  });

  it('the green snapshot and green API functions are among the checked functions', () => {
    expect(allFunctionSpecs.map((f) => `${f.kind}:${f.logicalId}`)).toEqual(
      expect.arrayContaining(['scheduled:GreenSnapshotFunction', 'api:GreenApiFunction']),
    );
  });
});

describe.each(tableSpecs)('table %s', (_name, spec) => {
  it('has the same keys, attribute types, indexes and TTL', () => {
    const props = resource(template, spec.logicalId, 'AWS::DynamoDB::Table').Properties;
    expect(props.KeySchema).toEqual(keySchema(spec.partitionKey, spec.sortKey));

    const attributes = new Map<string, string>();
    for (const key of [spec.partitionKey, spec.sortKey, ...spec.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
      if (key) attributes.set(key.name, key.type);
    }
    const defined = props.AttributeDefinitions as Array<{ AttributeName: string; AttributeType: string }>;
    expect(new Map(defined.map((d) => [d.AttributeName, d.AttributeType]))).toEqual(attributes);

    const indexes = (props.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string; KeySchema: Json }>;
    expect(indexes.map((i) => ({ IndexName: i.IndexName, KeySchema: i.KeySchema }))).toEqual(
      spec.globalIndexes.map((i) => ({ IndexName: i.indexName, KeySchema: keySchema(i.partitionKey, i.sortKey) })),
    );

    if (spec.timeToLiveAttribute) {
      expect(props.TimeToLiveSpecification).toEqual({ AttributeName: spec.timeToLiveAttribute, Enabled: true });
    } else {
      expect(props.TimeToLiveSpecification).toBeUndefined();
    }
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it(`is named to every function through ${spec.envVar}`, () => {
    for (const fn of allFunctionSpecs) expect(envOf(fn.logicalId)[spec.envVar], fn.logicalId).toEqual({ Ref: spec.logicalId });
  });
});

describe.each(streamSpecs.map((s) => [s.logicalId, s] as const))('stream %s', (_id, spec) => {
  it('has the same shard count and retention, and is named to every function', () => {
    const props = resource(template, spec.logicalId, 'AWS::Kinesis::Stream').Properties;
    expect(props.ShardCount).toBe(spec.shardCount);
    expect(props.RetentionPeriodHours).toBe(spec.retentionHours);
    for (const fn of allFunctionSpecs) expect(envOf(fn.logicalId)[spec.envVar], fn.logicalId).toEqual({ Ref: spec.logicalId });
  });
});

describe.each(ruleSpecs.map((r) => [r.ruleName, r] as const))('topic rule %s', (ruleName, spec) => {
  it('has the same SQL, SQL version, description and Kinesis action', () => {
    const found = Object.values(resourcesOfType(template, 'AWS::IoT::TopicRule')).filter(
      (r) => r.Properties.RuleName === ruleName,
    );
    expect(found).toHaveLength(1);
    const payload = found[0]?.Properties.TopicRulePayload as Record<string, Json>;
    expect(payload.Sql).toBe(spec.sql);
    expect(payload.AwsIotSqlVersion).toBe(spec.sqlVersion);
    expect(payload.Description).toBe(spec.description);
    const actions = payload.Actions as Array<Record<string, Record<string, Json>>>;
    expect(actions).toHaveLength(1);
    expect(Object.keys(actions[0] ?? {})).toEqual(['Kinesis']);
    expect(actions[0]?.Kinesis?.StreamName).toEqual({ Ref: streams[spec.action.stream].logicalId });
    expect(actions[0]?.Kinesis?.PartitionKey).toBe(spec.action.partitionKeyTemplate);
  });
});

describe.each(allFunctionSpecs.map((f) => [f.logicalId, f.kind, f] as const))('function %s (%s)', (logicalId, _kind, spec) => {
  it('has the same handler, memory, timeout and service name, and the common environment', () => {
    const props = resource(template, logicalId, 'AWS::Lambda::Function').Properties;
    expect(props.Handler).toBe(`index.${spec.handlerExport}`);
    expect(props.MemorySize).toBe(spec.memoryMb);
    expect(props.Timeout).toBe(spec.timeoutS);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    const vars = envOf(logicalId);
    expect(vars.POWERTOOLS_SERVICE_NAME).toBe(spec.serviceName);
    // API_ROLES_CLAIM is set only when context jwtRolesClaim names another claim than cognito:groups (stack.test.ts).
    for (const name of Object.values(commonEnv).filter((v) => v !== commonEnv.dynamodbEndpoint && v !== commonEnv.apiRolesClaim)) {
      expect(vars[name], name).toBeDefined();
    }
    expect(vars[commonEnv.dynamodbEndpoint]).toBeUndefined();
  });

  it('may touch exactly the tables it declares, reading only where it reads and writing only where it writes', () => {
    const roleId = (resource(template, logicalId, 'AWS::Lambda::Function').Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
    const statements = statementsOfRole(template, roleId);
    const actionsOn = (tableLogicalId: string) =>
      new Set(
        statements
          .filter((s) => JSON.stringify(s.Resource).includes(`"Fn::GetAtt":["${tableLogicalId}","Arn"]`))
          .flatMap((s) => asArray(s.Action as string | string[])),
      );
    for (const [name, table] of tableSpecs) {
      const actions = actionsOn(table.logicalId);
      const reads = (spec.readsTables as readonly string[]).includes(name);
      const writes = (spec.writesTables as readonly string[]).includes(name);
      expect(actions.has('dynamodb:GetItem') && actions.has('dynamodb:Query'), `${name} read`).toBe(reads);
      expect(actions.has('dynamodb:PutItem') && actions.has('dynamodb:UpdateItem'), `${name} write`).toBe(writes);
      if (!reads && !writes) expect(actions.size, `${name} untouched`).toBe(0);
    }
  });

  it('may publish exactly its declared topics and under its declared topic prefixes', () => {
    const roleId = (resource(template, logicalId, 'AWS::Lambda::Function').Properties.Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
    const publish = statementsOfRole(template, roleId).filter((s) =>
      asArray(s.Action as string | string[]).includes('iot:Publish'),
    );
    const resources = publish.flatMap((s) => asArray(s.Resource as Json)).map((r) => JSON.stringify(r));
    // Retained prefixes also cover the prefix itself (e.g. the province topic `metrics/green`).
    const retained = spec.publishesTopicPrefixes.filter((p) => RETAINED_TOPIC_PREFIXES.includes(p));
    expect(resources).toHaveLength(spec.publishesTopicPrefixes.length + retained.length + spec.publishesTopics.length);
    for (const prefix of spec.publishesTopicPrefixes) {
      expect(resources.some((r) => r.includes(`:topic/${prefix}/*"`))).toBe(true);
    }
    for (const topic of spec.publishesTopics) expect(resources.some((r) => r.includes(`:topic/${topic}"`)), topic).toBe(true);
    for (const prefix of retained) expect(resources.some((r) => r.includes(`:topic/${prefix}"`))).toBe(true);
    // iot:RetainPublish exactly where the prefix is retained, on exactly the same resources as iot:Publish.
    const retain = statementsOfRole(template, roleId).filter((s) =>
      asArray(s.Action as string | string[]).includes('iot:RetainPublish'),
    );
    expect(retain.flatMap((s) => asArray(s.Resource as Json))).toHaveLength(2 * retained.length);
  });
});

describe.each(scheduledSpecs.map((f) => [f.logicalId, f] as const))('scheduled function %s', (logicalId, spec) => {
  it('is run by exactly one EventBridge rule at the topology’s rate', () => {
    const rules = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).filter((r) =>
      (r.Properties.Targets as Array<{ Arn: Json }>).some((t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] })),
    );
    expect(rules).toHaveLength(1);
    const unit = spec.rateMinutes === 1 ? 'minute' : 'minutes';
    expect(rules[0]?.Properties.ScheduleExpression).toBe(`rate(${spec.rateMinutes} ${unit})`);
    expect(rules[0]?.Properties.State).toBe('ENABLED');
  });
});

describe.each(apiSpecs.map((f) => [f.logicalId, f] as const))('API function %s', (logicalId, spec) => {
  it.each(spec.routes.map((r) => `${r.method} ${r.path}`))('serves %s (JWT, Lambda proxy)', (routeKey) => {
    const route = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).find((r) => r.Properties.RouteKey === routeKey);
    expect(route?.Properties.AuthorizationType).toBe('JWT');
    expect(functionOfRoute(routeKey)).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
  });
});

describe.each(functionSpecs.map((f) => [f.logicalId, f] as const))('stream function %s', (logicalId, spec) => {
  it('reads its stream with exactly the topology’s event source settings', () => {
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).filter(
      (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: logicalId }),
    );
    expect(mappings).toHaveLength(1);
    const src = spec.source;
    expect(mappings[0]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [streams[src.stream].logicalId, 'Arn'] },
      BatchSize: src.batchSize,
      MaximumBatchingWindowInSeconds: src.maxBatchingWindowS,
      MaximumRetryAttempts: src.maxRetryAttempts,
      BisectBatchOnFunctionError: src.bisectBatchOnError,
      ParallelizationFactor: src.parallelizationFactor,
      MaximumRecordAgeInSeconds: src.maxRecordAgeS,
      StartingPosition: 'TRIM_HORIZON',
    });
    expect(mappings[0]?.Properties.FunctionResponseTypes ?? []).toEqual(
      src.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    );
  });
});
