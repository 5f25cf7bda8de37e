/**
 * The API Gateway **REST** API in front of the topology's `apiFunctions`, every method IAM-authorized (SigV4).
 *
 * Why these choices (see docs/deploy.md):
 * - REST API (API Gateway v1), REGIONAL endpoint: edge-optimized endpoints (CloudFront) do not exist in
 *   cn-north-1/cn-northwest-1, and the REST API is the flavour whose features we use (IAM auth, request validators,
 *   stage throttling, access logs) in both China regions.
 * - `AWS_IAM` authorization on every method: unsigned or unauthorized requests are refused by API Gateway before the
 *   function runs. In the China regions API Gateway only serves *unauthenticated* requests for accounts with an ICP
 *   licence; IAM-authorized APIs work without one. Cognito user-pool authorizers are not offered there.
 * - Each path prefix of a function gets the prefix resource and a greedy `{proxy+}` below it, both `ANY` → Lambda
 *   proxy integration: routing, 404/405 and body validation stay in the function (one implementation for the cloud
 *   and the local stack), API Gateway only decides who may call which prefix.
 * - Stage: throttling, JSON access log in its own log group (caller's IAM ARN included: the registry's audit
 *   trail), execution logging at ERROR, X-Ray.
 *
 * ARNs for IAM policies come from `RestApi.arnForExecuteApi` (`Stack.formatArn`), so nothing names a partition; the
 * URL is `https://<id>.execute-api.<region>.<Aws.URL_SUFFIX>/<stage>/` (`amazonaws.com.cn` in China).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  type CfnRestApi,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  type RequestValidator,
  type Resource,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface IamRestApiProps {
  /** CloudFormation logical id of the `AWS::ApiGateway::RestApi`. */
  readonly logicalId: string;
  readonly description: string;
  readonly stageName: string;
  /** Steady-state requests per second of the stage (all methods together). */
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  /**
   * Create the account-level role that lets API Gateway write logs (`AWS::ApiGateway::Account`, one per account and
   * region, retained on deletion). Turn off when the account already has one configured by someone else.
   */
  readonly cloudWatchRole: boolean;
  readonly accessLogRetention?: RetentionDays;
}

/** The two methods one path prefix gets. */
export interface PrefixRoute {
  readonly prefix: string;
  readonly resource: Resource;
  readonly proxyResource: Resource;
  readonly methods: readonly Method[];
}

/** `/vehicles`, `/vehicles:import`, `/a/b`: absolute, no trailing slash, no path parameters. */
const PATH_PREFIX = /^(\/[a-zA-Z0-9:._$-]+)+$/;

export class IamRestApi extends Construct {
  readonly api: RestApi;
  readonly accessLogGroup: LogGroup;
  readonly stageName: string;
  /** Checks the declared request parameters (the proxy path) of every method; bodies are the function's job. */
  readonly requestValidator: RequestValidator;
  readonly routes: PrefixRoute[] = [];

  constructor(scope: Construct, id: string, props: IamRestApiProps) {
    super(scope, id);
    this.stageName = props.stageName;
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new RestApi(this, 'Resource', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: props.description,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      cloudWatchRole: props.cloudWatchRole,
      // Other APIs of the account rely on it too: keep it when this stack goes.
      ...(props.cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            userArn: AccessLogField.contextIdentityUserArn(),
            httpMethod: AccessLogField.contextHttpMethod(),
            resourcePath: AccessLogField.contextResourcePath(),
            path: AccessLogField.contextPath(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatencyMs: AccessLogField.contextResponseLatency(),
            integrationStatus: AccessLogField.contextIntegrationStatus(),
            errorMessage: AccessLogField.contextErrorMessageString(),
            validationError: AccessLogField.contextErrorValidationErrorString(),
            xrayTraceId: AccessLogField.contextXrayTraceId(),
          }),
        ),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request/response bodies (vehicle owners, plates) must not end up in execution logs.
        dataTraceEnabled: false,
        tracingEnabled: true,
      },
    });
    (this.api.node.defaultChild as CfnRestApi).overrideLogicalId(props.logicalId);
    // RestApi always adds an output named after its construct path; the stack outputs a stable `ApiUrl` instead.
    this.api.node.tryRemoveChild('Endpoint');

    this.requestValidator = this.api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters',
      validateRequestParameters: true,
      validateRequestBody: false,
    });
  }

  /** `https://<id>.execute-api.<region>.<url suffix>/<stage>/` (deploy-time tokens). */
  get url(): string {
    return this.api.url;
  }

  /** Routes `prefix` and everything below it, any method, to `fn` (Lambda proxy integration, IAM auth). */
  addPrefix(prefix: string, fn: IFunction): PrefixRoute {
    if (!PATH_PREFIX.test(prefix)) {
      throw new Error(`API path prefix must look like /segment[/segment…] with [a-zA-Z0-9:._$-] only, got ${prefix}`);
    }
    if (this.routes.some((r) => r.prefix === prefix)) throw new Error(`API path prefix ${prefix} is routed twice`);
    const integration = new LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
    const resource = this.api.root.resourceForPath(prefix);
    const prefixMethod = resource.addMethod('ANY', integration, { requestValidator: this.requestValidator });
    const proxyResource = resource.addProxy({ anyMethod: false });
    const proxyMethod = proxyResource.addMethod('ANY', integration, {
      requestValidator: this.requestValidator,
      requestParameters: { 'method.request.path.proxy': true },
    });
    const route: PrefixRoute = { prefix, resource, proxyResource, methods: [prefixMethod, proxyMethod] };
    this.routes.push(route);
    return route;
  }

  /**
   * `execute-api:Invoke` resources for `prefix` and everything below it, on this API's stage:
   * `arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>`.
   */
  invokeArns(prefix: string, httpMethod = '*'): string[] {
    return [
      this.api.arnForExecuteApi(httpMethod, prefix, this.stageName),
      this.api.arnForExecuteApi(httpMethod, `${prefix}/*`, this.stageName),
    ];
  }
}
