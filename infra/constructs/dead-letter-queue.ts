/**
 * An SQS queue that only ever receives failures (IoT rule error actions, Lambda stream on-failure records) and is
 * drained by an operator (`npm run dlq`). SQS-managed SSE (no KMS key to share with the IoT or Lambda service),
 * TLS-only access, 14 days retention (the SQS maximum), and a depth alarm added by the stack.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export const DEAD_LETTER_RETENTION = Duration.days(14);

export function createDeadLetterQueue(scope: Construct, id: string, purpose: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: DEAD_LETTER_RETENTION,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue IS a dead-letter queue (${purpose}); a DLQ of a DLQ would only move the problem. It is alarmed on depth ≥ 1 and drained by the dead-letter tool.`,
  });
  return queue;
}
