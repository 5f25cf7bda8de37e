/**
 * The console's live feed in the cloud: an AWS IoT **custom authorizer** (signing disabled, token key `token`) whose
 * Lambda verifies the same JWT the HTTP API accepts and answers with an IoT policy limited to the caller's roles'
 * topics (functions/handlers/console-mqtt-authorizer.ts). Browsers connect to
 * `wss://<IoT data ATS endpoint>/mqtt?x-amz-customauthorizer-name=<name>&token=<JWT>`.
 *
 * Why signing is disabled: a token signature would need a private key in every browser. The JWT is itself signed by
 * the issuer and verified against its JWKS, which is what signing would have protected.
 * IoT invokes the function only through this authorizer (`SourceArn` = its ARN, `SourceAccount` = this account).
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnAuthorizer } from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { CONSOLE_MQTT_TOKEN_KEY, consoleAuthorizerEnv } from '../../functions/api/console-mqtt-policy.ts';
import { commonEnv } from '../topology.ts';
import { createHandlerFunction, type HandlerFunctionParts, type HandlerSpec } from './handler-function.ts';

/** Not in the topology: it has no local twin (the local stack's broker authenticates consoles by client id). */
export const consoleMqttAuthorizerSpec = {
  logicalId: 'ConsoleMqttAuthorizerFunction',
  entry: 'functions/handlers/console-mqtt-authorizer.ts',
  handlerExport: 'handler',
  memoryMb: 256,
  // IoT waits at most 5 s for a custom authorizer; a JWKS fetch on a cold start fits well within it.
  timeoutS: 5,
  serviceName: 'console-mqtt-authorizer',
} as const satisfies HandlerSpec;

export interface ConsoleMqttAuthorizerProps {
  readonly projectRoot: string;
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /** The claim with the console roles, when not `cognito:groups`. */
  readonly rolesClaim?: string;
  readonly environment?: Record<string, string>;
}

export class ConsoleMqttAuthorizer extends Construct {
  readonly authorizer: CfnAuthorizer;
  readonly authorizerName: string;
  readonly fn: HandlerFunctionParts;

  constructor(scope: Construct, id: string, props: ConsoleMqttAuthorizerProps) {
    super(scope, id);
    this.fn = createHandlerFunction(this, {
      spec: consoleMqttAuthorizerSpec,
      projectRoot: props.projectRoot,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: consoleMqttAuthorizerSpec.serviceName,
        [consoleAuthorizerEnv.issuer]: props.issuer,
        [consoleAuthorizerEnv.audience]: props.audience,
        [consoleAuthorizerEnv.jwksUrl]: props.jwksUri,
        ...(props.rolesClaim ? { [commonEnv.apiRolesClaim]: props.rolesClaim } : {}),
      },
    });
    // Authorizer names are per account and region, like the topic rules: one stack per account and region.
    this.authorizerName = `${Stack.of(this).stackName}-console`;
    this.authorizer = new CfnAuthorizer(this, 'Authorizer', {
      authorizerName: this.authorizerName,
      authorizerFunctionArn: this.fn.function.functionArn,
      signingDisabled: true,
      tokenKeyName: CONSOLE_MQTT_TOKEN_KEY,
      status: 'ACTIVE',
      enableCachingForHttp: false,
    });
    this.fn.function.addPermission('IotInvoke', {
      principal: new ServicePrincipal('iot.amazonaws.com'),
      sourceArn: this.authorizer.attrArn,
      sourceAccount: Aws.ACCOUNT_ID,
    });
    Validations.of(this.fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) support no resource-level permissions.',
    });
    Validations.of(this.fn.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x like every Qiongjian function (handlers, local stack and esbuild target are node22).',
    });
  }
}
