/**
 * Shared helpers for the CDK template tests: synthesize the real app (without esbuild) and walk the template.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { type BuildAppProps, buildApp } from '../../infra/app.ts';
import { REPO_ROOT } from '../../infra/stacks/qiongjian-stack.ts';

/** Context that makes NodejsFunction skip esbuild (the asset gets a placeholder hash). */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

/** The real app (nag off unless asked), not yet synthesized. */
export function build(props: BuildAppProps = {}) {
  return buildApp({
    nag: false,
    ...props,
    context: { ...SKIP_BUNDLING, ...props.context },
    // The real repository: NodejsFunction checks that every handler entry exists, so a missing one fails here.
    stack: { projectRoot: REPO_ROOT, ...props.stack },
  });
}

/** Builds and synthesizes; note that the app caches its assembly, so later changes are not seen by `app.synth()`. */
export function synth(props: BuildAppProps = {}) {
  const { app, stack } = build(props);
  return { app, stack, template: Template.fromStack(stack) };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every string in a JSON value, with the path of keys leading to it. */
export function* stringsOf(value: Json, at: string[] = []): Generator<{ path: string[]; value: string }> {
  if (typeof value === 'string') yield { path: at, value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringsOf(v, [...at, String(i)]);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* stringsOf(v, [...at, k]);
}

export interface CfnResource {
  Type: string;
  Properties: Record<string, Json>;
  [key: string]: Json | Record<string, Json>;
}

export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Resource by logical id, asserting its type. */
export function resource(template: Template, logicalId: string, type: string): CfnResource {
  const found = resourcesOfType(template, type)[logicalId];
  if (!found) throw new Error(`no ${type} with logical id ${logicalId}`);
  return found;
}

/** Flattened IAM statements of every AWS::IAM::Policy and inline role policy attached to the given role. */
export function statementsOfRole(template: Template, roleLogicalId: string): Array<Record<string, Json>> {
  const out: Array<Record<string, Json>> = [];
  for (const policy of Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))) {
    const roles = policy.Properties.Roles as Json[];
    if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    out.push(...((policy.Properties.PolicyDocument as { Statement: Array<Record<string, Json>> }).Statement ?? []));
  }
  const role = resource(template, roleLogicalId, 'AWS::IAM::Role');
  for (const inline of (role.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<Record<string, Json>> } }>) ?? []) {
    out.push(...inline.PolicyDocument.Statement);
  }
  return out;
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
