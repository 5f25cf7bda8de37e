/**
 * The console as a static site: a private S3 bucket (TLS only, encrypted, versioned, server access logs) holding the
 * files of `infra/console/site/`, the browser build of mqtt.js (`vendor/mqtt.esm.js`) and a generated `config.json`
 * (API URL, live-feed URL, sign-in endpoints), optionally behind CloudFront.
 *
 * Hosting (`consoleHosting`, docs/deploy.md):
 * - `cloudfront`: a distribution with origin access control (the bucket stays private), HTTPS only.
 * - `bucket`: no CDN. In the China regions CloudFront needs an ICP-filed (备案) domain of the account's own, so there
 *   the authority serves the bucket from its own front end (its filed domain, e.g. through its gateway or a CDN of
 *   its choice) and passes that origin as `consoleOrigin`.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  Distribution,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

export type ConsoleHosting = 'cloudfront' | 'bucket';

/** What the console reads at start from `config.json`; the local stack serves the same shape. */
export interface ConsoleConfig {
  readonly apiBaseUrl: string;
  readonly mqtt: { readonly url: string; readonly tokenQueryParam: string };
  readonly auth: {
    readonly kind: 'oidc';
    readonly authorizationEndpoint: string;
    readonly tokenEndpoint: string;
    /** Where sign-out goes (`?client_id=…&logout_uri=…`, Cognito's /logout); absent: the console only drops its token. */
    readonly logoutEndpoint?: string;
    readonly clientId: string;
    readonly scopes: readonly string[];
  };
  readonly stage: string;
  readonly region: string;
}

export interface ConsoleSiteProps {
  readonly hosting: ConsoleHosting;
  /** Directory of the static site (index.html …). */
  readonly siteDir: string;
  /** Text of the browser ESM build of mqtt.js, served as `vendor/mqtt.esm.js`. */
  readonly mqttBrowserBundle: string;
}

export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;
  readonly distribution: Distribution | undefined;
  deployment: BucketDeployment | undefined;
  private readonly props: ConsoleSiteProps;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.props = props;
    this.accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the console site; logging it into itself would loop.',
    });
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: CloudFront's origin access control reads it without a KMS key policy; the files are public anyway
      // once signed-in users load them (no data, only code and the non-secret config).
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'console-site/',
      // Old versions of replaced files: enough to roll back a bad deploy, not forever.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    if (props.hosting === 'cloudfront') {
      this.distribution = new Distribution(this, 'Distribution', {
        comment: `${Stack.of(this).stackName} console`,
        defaultRootObject: 'index.html',
        httpVersion: HttpVersion.HTTP2_AND_3,
        // Includes the Hong Kong, Taiwan and other Asian edges nearest to Hainan (mainland edges need an ICP domain).
        priceClass: PriceClass.PRICE_CLASS_200,
        defaultBehavior: {
          origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
          compress: true,
        },
      });
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR1',
        reason: 'No geo restriction: officers travel and the site holds only code; every API call and the live feed require a signed-in user.',
      });
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason: 'No WAF web ACL on a static site of code and a non-secret config; the data is behind the JWT-authorized API. A web ACL can be associated later without changing the distribution.',
      });
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR3',
        reason: 'CloudFront standard logs need an ACL-enabled bucket; the origin bucket has S3 server access logs and the API, where the data is, has access logs with the caller.',
      });
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason: 'The default *.cloudfront.net certificate does not allow choosing the minimum TLS version; with a custom domain and certificate set TLSv1.2_2021.',
      });
    }
  }

  /** `https://<distribution domain>` with CloudFront; undefined in `bucket` mode (the authority's own origin). */
  get cloudFrontUrl(): string | undefined {
    return this.distribution ? `https://${this.distribution.distributionDomainName}` : undefined;
  }

  /** Uploads the site, the mqtt.js bundle and `config.json` (tokens resolved at deploy time). Call once. */
  deploy(config: ConsoleConfig): BucketDeployment {
    if (this.deployment) throw new Error('the console site is deployed once');
    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [
        Source.asset(this.props.siteDir),
        Source.data('vendor/mqtt.esm.js', this.props.mqttBrowserBundle),
        Source.jsonData('config.json', config),
      ],
      destinationBucket: this.bucket,
      prune: true,
      // The console must pick up a new config.json and code right after a deploy.
      cacheControl: [CacheControl.noCache()],
      memoryLimit: 512,
      logGroup: new LogGroup(this, 'DeploymentLogGroup', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      ...(this.distribution ? { distribution: this.distribution, distributionPaths: ['/*'] } : {}),
    });
    // The handler is a stack-wide singleton CDK names after its memory size.
    const provider = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK-provided BucketDeployment handler (runs only during deployment); CDK creates its role with the managed basic-execution policy.',
      });
      const copies = 'CDK-provided BucketDeployment handler: it copies the asset objects into the console bucket, prunes the rest and invalidates the distribution; CDK grants it these wildcards on exactly the asset bucket and the console bucket';
      for (const finding of [
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        `Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*`,
        'Resource::*',
      ]) {
        Validations.of(provider).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: `${copies} (${finding}; Resource::* is cloudfront:CreateInvalidation/GetInvalidation, which take no resource).` });
      }
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'The runtime of the CDK-provided BucketDeployment handler is chosen by aws-cdk-lib.',
      });
    }
    return this.deployment;
  }
}
