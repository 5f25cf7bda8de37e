/**
 * A Lambda function, described by a `FunctionSpec` of the topology, that consumes a Kinesis stream.
 *
 * - Bundled locally with esbuild (no Docker): ESM, node22, minified. By default the AWS SDK v3 is left out and the
 *   one the nodejs22.x runtime ships is used (CDK's default; the bundle is ~0.3 MB instead of ~0.87 MB and cold
 *   starts are shorter). Context `bundleAwsSdk=true` bundles the SDK versions pinned in package-lock.json instead,
 *   for when the runtime's SDK lags behind or a fix must be pinned (docs/decisions.md).
 * - Own IAM role: CloudWatch Logs only on its own log group (no AWSLambdaBasicExecutionRole), X-Ray, the stream
 *   read permissions added by the event source, and whatever the stack grants from the spec.
 * - Event source mapping with every knob from `spec.source`, and an encrypted SQS on-failure destination.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Architecture, type CfnFunction, Runtime, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../topology.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';

/** Makes `require` available inside the ESM bundle for the few CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface StreamFunctionProps {
  readonly spec: FunctionSpec;
  readonly stream: IStream;
  /** Directory holding package-lock.json; `spec.entry` is resolved against it. */
  readonly projectRoot: string;
  readonly environment: Record<string, string>;
  readonly logRetention?: RetentionDays;
}

export class StreamFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Receives metadata of batches that exhausted their retries or got older than `maxRecordAgeS`. */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: StreamFunctionProps) {
    super(scope, id);
    const { spec, stream, projectRoot } = props;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      description: `Execution role of ${spec.logicalId}`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.resolve(projectRoot, spec.entry),
      handler: spec.handlerExport,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutS),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
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
        externalModules: this.node.tryGetContext('bundleAwsSdk') === true || this.node.tryGetContext('bundleAwsSdk') === 'true' ? [] : ['@aws-sdk/*'],
        metafile: false,
      },
    });
    // Logical id from the topology, so the template (and the local runner reading it) can find the function.
    (this.function.node.defaultChild as CfnFunction).overrideLogicalId(spec.logicalId);

    this.failureQueue = createDeadLetterQueue(this, 'FailureQueue', `on-failure destination of ${spec.logicalId}`);
    const source = spec.source;
    this.function.addEventSource(
      new KinesisEventSource(stream, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: source.batchSize,
        maxBatchingWindow: Duration.seconds(source.maxBatchingWindowS),
        retryAttempts: source.maxRetryAttempts,
        bisectBatchOnError: source.bisectBatchOnError,
        reportBatchItemFailures: source.reportBatchItemFailures,
        parallelizationFactor: source.parallelizationFactor,
        maxRecordAge: Duration.seconds(source.maxRecordAgeS),
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );
  }
}
