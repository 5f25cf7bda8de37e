/**
 * A Lambda function, described by a `FunctionSpec` of the topology, that consumes a Kinesis stream.
 *
 * - The function itself (runtime, esbuild bundling, own role and log group) comes from `createHandlerFunction`
 *   (handler-function.ts), shared with the scheduled and the API functions.
 * - The role additionally gets the stream read permissions added by the event source and the failure-queue send.
 * - Event source mapping with every knob from `spec.source`, and an encrypted SQS on-failure destination.
 */
import { Duration } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../topology.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import { createHandlerFunction, type HandlerFunctionParts } from './handler-function.ts';

export { ESM_REQUIRE_BANNER } from './handler-function.ts';

export interface StreamFunctionProps {
  readonly spec: FunctionSpec;
  readonly stream: IStream;
  /** Directory holding package-lock.json; `spec.entry` is resolved against it. */
  readonly projectRoot: string;
  readonly environment: Record<string, string>;
  readonly logRetention?: RetentionDays;
}

export class StreamFunction extends Construct implements HandlerFunctionParts {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Receives metadata of batches that exhausted their retries or got older than `maxRecordAgeS`. */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: StreamFunctionProps) {
    super(scope, id);
    const { spec, stream } = props;
    ({ function: this.function, role: this.role, logGroup: this.logGroup } = createHandlerFunction(this, props));

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
