/**
 * The console's API: an API Gateway **HTTP API** (v2) with one route per entry of the topology's route table
 * (`apiFunctions[*].routes`, route key `METHOD path`), each a Lambda proxy integration (payload format 2.0) to the
 * function that serves it, every route behind one JWT authorizer.
 *
 * Why these choices (see docs/deploy.md):
 * - Exact routes, not `{proxy+}`: API Gateway answers 404 for anything the table does not list, before a function
 *   runs, and the route table stays the single source of truth (the router in the function checks roles from it).
 * - JWT authorizer: API Gateway verifies signature (issuer's JWKS), issuer, audience and expiry; the function reads the
 *   verified claims (roles from `cognito:groups`, or API_ROLES_CLAIM). Works with Cognito and with any OIDC provider.
 * - `$default` stage with auto-deploy: the path the function sees is the route's path, as on the local stack.
 * - CORS for the console's origin(s) only; API Gateway answers preflights itself (no OPTIONS route, no authorizer).
 * - Stage throttling and a JSON access log with the caller's `sub` (audit of acknowledgements and registry writes).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  type CfnApi,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiRouteSpec } from '../topology.ts';

export interface ConsoleHttpApiProps {
  /** CloudFormation logical id of the `AWS::ApiGatewayV2::Api`. */
  readonly logicalId: string;
  readonly description: string;
  /** JWT issuer (`iss`) and accepted audiences (`aud`, or `client_id` without `aud`). */
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  /** Origins allowed by CORS, e.g. `https://d111111abcdef8.cloudfront.net`, `http://localhost:3000`. */
  readonly allowedOrigins: readonly string[];
  /** Steady-state requests per second of the stage (all routes together), and the burst. */
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogRetention?: RetentionDays;
}

/** `/vehicles`, `/overload/alerts/{alertId}/acknowledgement`: absolute, no trailing slash, whole-segment parameters. */
const ROUTE_PATH = /^(\/([a-zA-Z0-9._:-]+|\{[a-zA-Z][a-zA-Z0-9_]*\}))+$/;

export class ConsoleHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly authorizer: HttpJwtAuthorizer;
  /** Every route by operationId. */
  readonly routes: Record<string, HttpRoute> = {};
  private readonly integrations = new Map<IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: ConsoleHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Resource', {
      apiName: `${Stack.of(this).stackName}-console-api`,
      description: props.description,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['allow'],
        // Browsers cap it anyway (Chromium: 2 h); saves a preflight per request.
        maxAge: Duration.hours(1),
      },
    });
    (this.api.node.defaultChild as CfnApi).overrideLogicalId(props.logicalId);

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttlingRateLimit, burstLimit: props.throttlingBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        // HTTP API context variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            sub: '$context.authorizer.claims.sub',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            errorMessage: '$context.error.message',
          }),
        ),
      },
    });

    this.authorizer = new HttpJwtAuthorizer('ConsoleJwtAuthorizer', props.jwtIssuer, {
      authorizerName: 'console-jwt',
      identitySource: ['$request.header.Authorization'],
      jwtAudience: [...props.jwtAudience],
    });
  }

  /** `https://<api id>.execute-api.<region>.<url suffix>` (no trailing slash; the `$default` stage has no path). */
  get url(): string {
    return this.api.apiEndpoint;
  }

  /** Adds `route` (JWT-authorized) served by `fn`; one integration per function, shared by its routes. */
  addRoute(route: ApiRouteSpec, fn: IFunction): HttpRoute {
    if (!ROUTE_PATH.test(route.path)) throw new Error(`route path must look like /segment[/{param}…], got ${route.path}`);
    if (this.routes[route.operationId]) throw new Error(`operationId ${route.operationId} is routed twice`);
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${fn.node.scope?.node.id ?? fn.node.id}Integration`, fn);
      this.integrations.set(fn, integration);
    }
    const httpRoute = new HttpRoute(this, `${route.operationId}Route`, {
      httpApi: this.api,
      routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
      integration,
      authorizer: this.authorizer,
    });
    this.routes[route.operationId] = httpRoute;
    return httpRoute;
  }
}
