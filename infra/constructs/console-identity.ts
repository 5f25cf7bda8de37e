/**
 * Who may use the console: the OIDC issuer whose JWTs the HTTP API and the MQTT live feed accept, and the endpoints
 * the browser signs in with (authorization code + PKCE, no client secret in the browser).
 *
 * Two shapes:
 * - **External issuer** (context `jwtIssuer` + `jwtAudience`): the transport authority's own OIDC provider (统一身份认证,
 *   Keycloak, Azure AD, …). Nothing is created; roles come from its claim (`jwtRolesClaim`). Required in regions
 *   without Cognito user pools (see docs/deploy.md, China).
 * - **Cognito** (default): a user pool with one group per console role, a public app client for the console and a
 *   hosted-UI domain. Groups reach the API as the `cognito:groups` claim.
 *
 * The issuer is built from `Aws.URL_SUFFIX` (`cognito-idp.<region>.amazonaws.com[.cn]/<pool id>`), never a literal
 * domain; CDK's `HttpUserPoolAuthorizer` hard-codes `amazonaws.com`, which is why the stack uses the generic JWT
 * authorizer with this issuer.
 */
import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  type CfnUserPoolClient,
  CfnUserPoolGroup,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { type ConsoleRole, consoleRoles } from '../topology.ts';

export const CONSOLE_OIDC_SCOPES = ['openid', 'email', 'profile'] as const;

export interface ExternalIssuerProps {
  readonly issuer: string;
  /** The console's client id at the provider (the tokens' `aud`, or `client_id`). */
  readonly audience: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** Default `<issuer>/.well-known/jwks.json`. */
  readonly jwksUri?: string;
}

export interface ConsoleIdentityProps {
  /** Use this provider instead of creating a Cognito user pool. */
  readonly external?: ExternalIssuerProps;
  /** Cognito hosted-UI domain prefix (globally unique per region). */
  readonly cognitoDomainPrefix: string;
  /** Where the browser returns after sign-in and sign-out: the console's URLs (site and local development). */
  readonly callbackUrls: readonly string[];
}

export class ConsoleIdentity extends Construct {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly logoutEndpoint: string | undefined;
  readonly userPool: UserPool | undefined;
  readonly client: UserPoolClient | undefined;
  readonly domain: UserPoolDomain | undefined;
  readonly groups: Partial<Record<ConsoleRole, CfnUserPoolGroup>> = {};

  constructor(scope: Construct, id: string, props: ConsoleIdentityProps) {
    super(scope, id);
    if (props.external) {
      const external = props.external;
      this.issuer = external.issuer;
      this.audience = external.audience;
      this.jwksUri = external.jwksUri ?? `${external.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
      this.authorizationEndpoint = external.authorizationEndpoint;
      this.tokenEndpoint = external.tokenEndpoint;
      this.logoutEndpoint = undefined;
      return;
    }

    const pool = new UserPool(this, 'UserPool', {
      userPoolName: `${Stack.of(this).stackName}-console`,
      // Accounts are issued by administrators, never self-registered: these are officers' and supervisors' seats.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Users and their group memberships are not rebuilt by a redeploy.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool = pool;
    consoleRoles.forEach((role, index) => {
      this.groups[role] = new CfnUserPoolGroup(this, `${role}Group`, {
        userPoolId: pool.userPoolId,
        groupName: role,
        description: `Console role ${role} (see docs/api.md)`,
        // Lower wins when a user is in several groups and a single role is picked; admin first.
        precedence: role === 'admin' ? 0 : index + 1,
      });
    });
    this.client = pool.addClient('ConsoleClient', {
      userPoolClientName: 'console',
      generateSecret: false,
      // Only the hosted UI's authorization-code flow (PKCE): no password ever reaches the console's own code.
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [...props.callbackUrls],
        logoutUrls: [...props.callbackUrls],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
    // Without ExplicitAuthFlows Cognito would also allow SRP and custom sign-in on this client; the hosted UI needs none.
    (this.client.node.defaultChild as CfnUserPoolClient).addPropertyOverride('ExplicitAuthFlows', ['ALLOW_REFRESH_TOKEN_AUTH']);
    this.domain = pool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.cognitoDomainPrefix } });

    this.issuer = `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}/${pool.userPoolId}`;
    this.audience = this.client.userPoolClientId;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
    // The hosted UI lives on amazoncognito.com (not the partition's URL suffix); only global regions are concerned,
    // China deployments use an external issuer (docs/deploy.md).
    const hostedUi = `https://${this.domain.domainName}.auth.${Aws.REGION}.amazoncognito.com`;
    this.authorizationEndpoint = `${hostedUi}/oauth2/authorize`;
    this.tokenEndpoint = `${hostedUi}/oauth2/token`;
    this.logoutEndpoint = `${hostedUi}/logout`;

    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Essentials feature plan: the Plus plan (threat protection) is a per-user monthly cost; accounts are issued by administrators (no self sign-up) and MFA (TOTP) is required for everyone.',
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG3',
      reason:
        'Threat protection (advanced security) needs the Plus feature plan, a per-user monthly cost; accounts are issued by administrators (no self sign-up) and MFA (TOTP) is required for everyone.',
    });
  }

  /** `qiongjian-console-<account>` from the stack name: lower case, no reserved words, ≤ 63 characters. */
  static defaultDomainPrefix(stackName: string): string {
    const base = stackName
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, '')
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 30);
    return Fn.join('-', [base || 'console', 'console', Aws.ACCOUNT_ID]);
  }
}
