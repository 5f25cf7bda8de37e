/**
 * The account's AWS IoT data-plane endpoint (`iot:Data-ATS`), looked up at deploy time.
 *
 * The address differs per account and per partition (`xxxx-ats.iot.<region>.amazonaws.com` globally,
 * `xxxx-ats.iot.<region>.amazonaws.com.cn` in China), so it cannot be composed from `Aws.URL_SUFFIX`; asking the
 * IoT API is the one way that works everywhere.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export class IotDataEndpoint extends Construct {
  /** Host name only, e.g. `a1b2c3-ats.iot.cn-north-1.amazonaws.com.cn` (a deploy-time token). */
  readonly address: string;
  /** `https://` + address, the form `IOT_DATA_ENDPOINT` expects. */
  readonly url: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const call: AwsSdkCall = {
      service: 'Iot',
      action: 'describeEndpoint',
      parameters: { endpointType: 'iot:Data-ATS' },
      physicalResourceId: PhysicalResourceId.of('iot-data-ats-endpoint'),
      outputPaths: ['endpointAddress'],
    };
    const resource = new AwsCustomResource(this, 'Lookup', {
      onCreate: call,
      onUpdate: call,
      // The Lambda must not try to `npm install` a newer SDK at deploy time: no npm registry in some partitions.
      installLatestAwsSdk: false,
      logGroup: new LogGroup(this, 'LogGroup', { retention: RetentionDays.ONE_MONTH }),
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['iot:DescribeEndpoint'], resources: ['*'] }),
      ]),
    });
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'iot:DescribeEndpoint supports no resource-level permissions (IAM service authorization reference: resource "*" only). Read-only, used once per deployment.',
    });
    // The provider is a stack-wide singleton Lambda created by CDK; its role uses the AWS managed basic-execution policy.
    const provider = Stack.of(this).node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'CDK-provided AwsCustomResource provider (runs only during deployment); its role is created by CDK with the managed basic-execution policy (logs only) and cannot be replaced without forking the construct.',
      });
    }
    this.address = resource.getResponseField('endpointAddress');
    this.url = `https://${this.address}`;
  }
}
