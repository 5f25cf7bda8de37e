/**
 * The Lambda function every Qiongjian handler runs in, whatever triggers it (a Kinesis stream, a schedule, the REST
 * API): one place for the runtime, the bundling and the execution role.
 *
 * - Bundled locally with esbuild (no Docker): ESM, node22, minified. By default the AWS SDK v3 is left out and the
 *   one the nodejs22.x runtime ships is used (CDK's default; the bundle is ~0.3 MB instead of ~0.87 MB and cold
 *   starts are shorter). Context `bundleAwsSdk=true` bundles the SDK versions pinned in package-lock.json instead,
 *   for when the runtime's SDK lags behind or a fix must be pinned (docs/decisions.md).
 * - Own IAM role: CloudWatch Logs only on its own log group (no AWSLambdaBasicExecutionRole), X-Ray, and whatever
 *   the stack grants from the topology spec.
 * - Logical id of the function = the topology's `logicalId`, so the template (and the local runner reading it) can
 *   find it.
 *
 * A function, not a construct: the children are created directly in the caller's scope (ids `LogGroup`, `Role`,
 * `Function`), so the stream functions kept the logical ids they had before this was factored out.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Makes `require` available inside the ESM bundle for the few CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** What every function spec of the topology (stream, scheduled, API) has in common. */
export interface HandlerSpec {
  readonly logicalId: string;
  /** Path of the handler module, relative to the project root. */
  readonly entry: string;
  readonly handlerExport: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  readonly serviceName: string;
}

export interface HandlerFunctionProps {
  readonly spec: HandlerSpec;
  /** Directory holding package-lock.json; `spec.entry` is resolved against it. */
  readonly projectRoot: string;
  readonly environment: Record<string, string>;
  readonly logRetention?: RetentionDays;
}

/** The parts of a handler function the stack grants to, alarms on and outputs. */
export interface HandlerFunctionParts {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
}

/** `true` when context `bundleAwsSdk` asks for the pinned SDK to be bundled instead of the runtime's. */
export function bundlesAwsSdk(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext('bundleAwsSdk');
  return value === true || value === 'true';
}

export function createHandlerFunction(scope: Construct, props: HandlerFunctionProps): HandlerFunctionParts {
  const { spec, projectRoot } = props;
  const logGroup = new LogGroup(scope, 'LogGroup', {
    retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new Role(scope, 'Role', {
    description: `Execution role of ${spec.logicalId}`,
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
  });
  logGroup.grantWrite(role);

  const fn = new NodejsFunction(scope, 'Function', {
    entry: path.resolve(projectRoot, spec.entry),
    handler: spec.handlerExport,
    projectRoot,
    depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: spec.memoryMb,
    timeout: Duration.seconds(spec.timeoutS),
    tracing: Tracing.ACTIVE,
    role,
    logGroup,
    environment: props.environment,
    description: `Qiongjian ${spec.serviceName}`,
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      platform: 'node',
      mainFields: ['module', 'main'],
      minify: true,
      sourceMap: false,
      banner: ESM_REQUIRE_BANNER,
      externalModules: bundlesAwsSdk(scope) ? [] : ['@aws-sdk/*'],
      metafile: false,
    },
  });
  (fn.node.defaultChild as CfnFunction).overrideLogicalId(spec.logicalId);
  return { function: fn, role, logGroup };
}
