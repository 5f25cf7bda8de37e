/**
 * An AWS IoT topic rule, built verbatim from a `TopicRuleSpec` of the topology, that puts every matching message
 * into a Kinesis stream, with an error action that keeps undeliverable messages in an SQS dead-letter queue.
 *
 * L1 `CfnTopicRule` on purpose: the alpha L2 is versioned apart from aws-cdk-lib (see local-runtime-notes §5.4).
 * The rule's role is least-privilege: `kinesis:PutRecord` on that stream and `sqs:SendMessage` on that queue only,
 * assumable only by the IoT service on behalf of this very rule (confused-deputy conditions).
 */
import { Aws, Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TopicRuleSpec } from '../topology.ts';
import { createDeadLetterQueue } from './dead-letter-queue.ts';

export interface KinesisTopicRuleProps {
  readonly spec: TopicRuleSpec;
  readonly stream: IStream;
}

export class KinesisTopicRule extends Construct {
  readonly rule: CfnTopicRule;
  readonly role: Role;
  /** Receives the messages the Kinesis action could not deliver (base64-encoded error-action envelope). */
  readonly deadLetterQueue: Queue;
  readonly ruleArn: string;

  constructor(scope: Construct, id: string, props: KinesisTopicRuleProps) {
    super(scope, id);
    const { spec, stream } = props;
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', `errorAction of IoT rule ${spec.ruleName}`);

    // Built from the literal rule name, not from the rule resource, so the role can exist before the rule.
    this.ruleArn = Stack.of(this).formatArn({ service: 'iot', resource: 'rule', resourceName: spec.ruleName });

    this.role = new Role(this, 'Role', {
      description: `IoT rule ${spec.ruleName}: put records into its stream, dead-letter failures`,
      assumedBy: new ServicePrincipal('iot.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': this.ruleArn },
        },
      }),
      inlinePolicies: {
        action: new PolicyDocument({
          statements: [new PolicyStatement({ actions: ['kinesis:PutRecord'], resources: [stream.streamArn] })],
        }),
        errorAction: new PolicyDocument({
          statements: [
            new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
          ],
        }),
      },
    });

    this.rule = new CfnTopicRule(this, 'Resource', {
      ruleName: spec.ruleName,
      topicRulePayload: {
        description: spec.description,
        sql: spec.sql,
        awsIotSqlVersion: spec.sqlVersion,
        ruleDisabled: false,
        actions: [
          {
            kinesis: {
              streamName: stream.streamName,
              partitionKey: spec.action.partitionKeyTemplate,
              roleArn: this.role.roleArn,
            },
          },
        ],
        errorAction: {
          sqs: { queueUrl: this.deadLetterQueue.queueUrl, roleArn: this.role.roleArn, useBase64: true },
        },
      },
    });
  }
}
