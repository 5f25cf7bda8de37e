/**
 * A Lambda function, described by a `ScheduledFunctionSpec` of the topology, run every `rateMinutes` minutes by an
 * EventBridge rule (`rate(N minutes)`).
 *
 * EventBridge *rules* on the default bus, not EventBridge Scheduler: rules exist in every partition including
 * cn-north-1/cn-northwest-1, and a rate schedule is all that is needed.
 *
 * Delivery and failure handling, and why:
 * - EventBridge → Lambda is an asynchronous invocation. The target retries delivery failures (throttling, a missing
 *   permission) twice within one period, then puts the event in an SQS dead-letter queue (alarmed by the stack).
 * - The function's own asynchronous retries are off (`retryAttempts: 0`) and a queued invocation expires after one
 *   period: the next tick *is* the retry, and two sweeps never work on the same vehicles at once because of a retry.
 *   A failing sweep shows up on the function's Errors alarm.
 */
import { Duration } from 'aws-cdk-lib';
import { type CfnRule, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduledFunctionSpec } from '../topology.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';
import { createHandlerFunction, type HandlerFunctionParts } from './handler-function.ts';

/** Times EventBridge retries delivering one tick to the function before dead-lettering it. */
export const SCHEDULE_DELIVERY_RETRIES = 2;

export interface ScheduledFunctionProps {
  readonly spec: ScheduledFunctionSpec;
  /** Directory holding package-lock.json; `spec.entry` is resolved against it. */
  readonly projectRoot: string;
  readonly environment: Record<string, string>;
  readonly logRetention?: RetentionDays;
}

export class ScheduledFunction extends Construct implements HandlerFunctionParts {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly rule: Rule;
  /** Receives the scheduled events EventBridge could not deliver to the function. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    const { spec } = props;
    if (!Number.isInteger(spec.rateMinutes) || spec.rateMinutes < 1) {
      throw new Error(`${spec.logicalId}: rateMinutes must be a whole number of minutes ≥ 1, got ${spec.rateMinutes}`);
    }
    ({ function: this.function, role: this.role, logGroup: this.logGroup } = createHandlerFunction(this, props));

    const period = Duration.minutes(spec.rateMinutes);
    // Limits: Lambda keeps an asynchronous event at most 6 h, an EventBridge retry policy at most 24 h.
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(Math.min(spec.rateMinutes, 6 * 60)) });

    this.deadLetterQueue = createDeadLetterQueue(
      this,
      'ScheduleDeadLetterQueue',
      `EventBridge schedule of ${spec.logicalId}`,
    );
    this.rule = new Rule(this, 'Schedule', {
      description: `Runs ${spec.logicalId} (${spec.serviceName}) every ${spec.rateMinutes} min`,
      schedule: Schedule.rate(period),
      targets: [
        new LambdaFunction(this.function, {
          retryAttempts: SCHEDULE_DELIVERY_RETRIES,
          maxEventAge: Duration.minutes(Math.min(spec.rateMinutes, 24 * 60)),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
    (this.rule.node.defaultChild as CfnRule).overrideLogicalId(`${spec.logicalId}Schedule`);
  }
}
