/**
 * CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). Builds the one Qiongjian stack and runs cdk-nag's AWS Solutions
 * checks as CDK policy-validation plugins: any unacknowledged finding fails `cdk synth`.
 *
 * Context (`-c key=value` or cdk.json):
 * - `stackName` (default `Qiongjian`)
 * - `readingRetentionDays` (default 90), `deadLetterRetentionDays` (default 30), `positionRetentionDays` (default 183)
 * - `deletionProtection` (`true`/`false`, default false)
 * - `iteratorAgeAlarmMs` (default 60000)
 * - `alarmEmail` (optional)
 * - console (docs/deploy.md): `jwtIssuer` + `jwtAudience` + `oidcAuthorizationEndpoint` + `oidcTokenEndpoint`
 *   (+ `jwtJwksUri`) for the authority's OIDC provider instead of a Cognito user pool; `jwtRolesClaim`;
 *   `cognitoDomainPrefix`; `consoleHosting` (`cloudfront`/`bucket`); `consoleOrigin`
 * - `bundleAwsSdk` (`true`/`false`, default false): bundle the pinned AWS SDK instead of the runtime's
 */
import { pathToFileURL } from 'node:url';
import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { ConsoleHosting } from './constructs/console-site.ts';
import { QiongjianStack, type QiongjianStackProps } from './stacks/qiongjian-stack.ts';

export { QiongjianStack, type QiongjianStackProps } from './stacks/qiongjian-stack.ts';

export const DEFAULT_STACK_NAME = 'Qiongjian';

export interface BuildAppProps {
  /** Extra app context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip esbuild in tests. */
  readonly context?: AppProps['context'];
  /** Output directory of the cloud assembly (tests: a temp dir). */
  readonly outdir?: string;
  /** Register cdk-nag AwsSolutionsChecks. Default true. */
  readonly nag?: boolean;
  /** Overrides of the props read from context. */
  readonly stack?: Partial<QiongjianStackProps>;
}

function contextNumber(app: App, key: string): number | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`context ${key} must be a number, got ${String(raw)}`);
  return value;
}

function contextString(app: App, key: string): string | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`context ${key} must be a string, got ${String(raw)}`);
  return raw;
}

function contextConsoleHosting(app: App): ConsoleHosting | undefined {
  const raw = contextString(app, 'consoleHosting');
  if (raw === undefined || raw === 'cloudfront' || raw === 'bucket') return raw;
  throw new Error(`context consoleHosting must be cloudfront or bucket, got ${raw}`);
}

function contextBoolean(app: App, key: string): boolean | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${String(raw)}`);
}

/** Creates the stack in `app`, reading optional settings from context; explicit props win. */
export function createStack(app: App, props: Partial<QiongjianStackProps> = {}): QiongjianStack {
  const stackName = props.stackName ?? (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  const stack = new QiongjianStack(app, stackName, {
    readingRetentionDays: contextNumber(app, 'readingRetentionDays'),
    deadLetterRetentionDays: contextNumber(app, 'deadLetterRetentionDays'),
    positionRetentionDays: contextNumber(app, 'positionRetentionDays'),
    jwtIssuer: contextString(app, 'jwtIssuer'),
    jwtAudience: contextString(app, 'jwtAudience'),
    oidcAuthorizationEndpoint: contextString(app, 'oidcAuthorizationEndpoint'),
    oidcTokenEndpoint: contextString(app, 'oidcTokenEndpoint'),
    jwtJwksUri: contextString(app, 'jwtJwksUri'),
    jwtRolesClaim: contextString(app, 'jwtRolesClaim'),
    cognitoDomainPrefix: contextString(app, 'cognitoDomainPrefix'),
    consoleHosting: contextConsoleHosting(app),
    consoleOrigin: contextString(app, 'consoleOrigin'),
    deletionProtection: contextBoolean(app, 'deletionProtection'),
    iteratorAgeAlarmMs: contextNumber(app, 'iteratorAgeAlarmMs'),
    alarmEmail: alarmEmail || undefined,
    ...Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)),
    stackName,
  });
  Tags.of(stack).add('project', 'qiongjian');
  return stack;
}

/** Registers the cdk-nag AWS Solutions rule pack (cdk-nag 3 API: CDK policy-validation plugin, not an Aspect). */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

export function buildApp(props: BuildAppProps = {}): { app: App; stack: QiongjianStack } {
  const app = new App({ context: props.context, outdir: props.outdir });
  const stack = createStack(app, props.stack);
  if (props.nag ?? true) addNagChecks(app);
  return { app, stack };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  buildApp().app.synth();
}
