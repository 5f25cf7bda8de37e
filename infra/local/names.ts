/**
 * Local names of the resources `infra/topology.ts` describes. Tables use topology's own `localTableName`; streams and
 * functions follow the same `<stage>-<logicalId>` pattern so that several stages can share one dynalite or broker.
 */
import type { FunctionSpec, StreamSpec } from '../topology.ts';

export { localTableName } from '../topology.ts';

export function localStreamName(stage: string, spec: StreamSpec): string {
  return `${stage}-${spec.logicalId}`;
}

export function localFunctionName(stage: string, spec: Pick<FunctionSpec, 'logicalId'>): string {
  return `${stage}-${spec.logicalId}`;
}

/** Fake but well-formed identifiers: handlers and Powertools may parse ARNs, so they must look like AWS's. */
export const localAccountId = '000000000000';
export const localRegion = 'local';
