/**
 * Routing and role checks for the console API, from the route table in infra/topology.ts (the same table the CDK
 * stack turns into API Gateway routes and the local stack dispatches by): a request is matched to a route template,
 * the caller's roles (from the JWT API Gateway validated) are checked against the route's, and the route's
 * implementation runs. Client errors thrown as ApiError become error responses; anything else is a logged 500.
 */
import { type ApiRouteSpec, type ConsoleRole, consoleRoles } from '../../infra/topology.ts';
import { ApiError, type ApiLogger, type ApiRequest, type ApiResponse, errorResponse, pathSegments } from './http.ts';

export interface Principal {
  /** Stable id of the caller (`sub`), for audit fields such as who acknowledged an alert. */
  readonly id: string;
  /** What to show people (`name`, `username` or `cognito:username`, else the id). */
  readonly displayName: string;
  readonly roles: ReadonlySet<ConsoleRole>;
}

export interface RouteContext {
  /** Decoded path parameters by the names in the route template. */
  readonly params: Readonly<Record<string, string>>;
  readonly principal: Principal;
}

export type RouteImpl = (request: ApiRequest, context: RouteContext) => Promise<ApiResponse>;

export interface RouterOptions {
  /** The claim holding the caller's roles. Default `cognito:groups` (Cognito user pool groups). */
  readonly rolesClaim?: string;
  readonly logger?: ApiLogger;
}

export const defaultRolesClaim = 'cognito:groups';

/**
 * A request handler for `routes`, each implemented by `impls[route.operationId]`. Every route must have an
 * implementation: a missing one is a programming error, caught at construction rather than at the first request.
 */
export function createRouter(routes: readonly ApiRouteSpec[], impls: Readonly<Record<string, RouteImpl>>, options: RouterOptions = {}) {
  for (const route of routes) {
    if (!impls[route.operationId]) throw new Error(`no implementation for ${route.operationId} (${route.method} ${route.path})`);
  }
  const matchRoute = routeMatcher(routes);

  return async function handle(request: ApiRequest): Promise<ApiResponse> {
    const method = request.method.toUpperCase();
    const segments = pathSegments(request.path);
    if (!segments) return errorResponse(400, 'invalid_request', 'the path is not valid percent-encoding');
    const matched = matchRoute(method, segments);
    if (!matched) return errorResponse(404, 'not_found', `no route for ${request.path}`);
    if ('allow' in matched) {
      const allow = matched.allow.join(', ');
      return errorResponse(405, 'method_not_allowed', `${method} is not allowed on ${request.path} (allowed: ${allow})`, undefined, { allow });
    }
    const found = matched;
    const { route } = found;
    const principal = principalOf(request.claims, options.rolesClaim ?? defaultRolesClaim);
    if (!principal) {
      // API Gateway's JWT authorizer refuses unauthenticated calls before they reach us; claims missing here means
      // the route was deployed without it, and serving would expose the data.
      options.logger?.warn('request without claims refused', { operationId: route.operationId, requestId: request.requestId });
      return errorResponse(401, 'unauthorized', 'no authenticated caller: send a bearer token', undefined, { 'www-authenticate': 'Bearer' });
    }
    if (!allowed(principal.roles, route.roles)) {
      options.logger?.warn('request forbidden', { operationId: route.operationId, principal: principal.id, requestId: request.requestId });
      return errorResponse(403, 'forbidden', `${route.operationId} needs one of the roles ${[...route.roles, 'admin'].join(', ')}`);
    }
    try {
      return await (impls[route.operationId] as RouteImpl)(request, { params: found.params, principal });
    } catch (error) {
      if (error instanceof ApiError) return errorResponse(error.statusCode, error.code, error.message, error.details);
      options.logger?.error('request failed', {
        operationId: route.operationId,
        error: error instanceof Error ? error.message : String(error),
        requestId: request.requestId,
      });
      return errorResponse(500, 'internal', 'internal error', request.requestId ? { requestId: request.requestId } : undefined);
    }
  };
}

/** What a route table needs to be matched: API Gateway's route key parts. */
export interface RouteTemplate {
  readonly method: string;
  /** Path template, e.g. `/vehicles/{deviceId}`. */
  readonly path: string;
}

/** The route for a method and path, with its path parameters; or the methods the path has; or undefined (no path). */
export type RouteMatch<R> = { readonly route: R; readonly params: Record<string, string> } | { readonly allow: readonly string[] } | undefined;

/**
 * Matches decoded path segments against a route table the way API Gateway's HTTP API picks a route: same number of
 * segments, literals equal, `{name}` takes one segment; a literal segment beats a parameter (`/vehicles/import`
 * before `/vehicles/{deviceId}`). Used by the functions' router and by the local stack's API Gateway emulation.
 */
export function routeMatcher<R extends RouteTemplate>(routes: readonly R[]): (method: string, segments: readonly string[]) => RouteMatch<R> {
  const compiled = routes
    .map((route) => ({ route, template: route.path.split('/').filter((s) => s !== '') }))
    .map((c) => ({ ...c, literals: c.template.filter((s) => !s.startsWith('{')).length }));
  return (method, segments) => {
    const onPath: Array<{ route: R; params: Record<string, string>; literals: number }> = [];
    for (const { route, template, literals } of compiled) {
      const params = match(template, segments);
      if (params) onPath.push({ route, params, literals });
    }
    if (onPath.length === 0) return undefined;
    onPath.sort((a, b) => b.literals - a.literals);
    const found = onPath.find((c) => c.route.method === method);
    return found ? { route: found.route, params: found.params } : { allow: [...new Set(onPath.map((c) => c.route.method))] };
  };
}

function match(template: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const part = template[i] as string;
    const value = segments[i] as string;
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = value;
    else if (part !== value) return undefined;
  }
  return params;
}

/** `admin` may do everything; otherwise the caller needs one of the route's roles. */
export function allowed(callerRoles: ReadonlySet<ConsoleRole>, routeRoles: readonly ConsoleRole[]): boolean {
  return callerRoles.has('admin') || routeRoles.some((role) => callerRoles.has(role));
}

/**
 * The caller from JWT claims, or undefined when there are none. API Gateway hands array claims over as text like
 * `[enforcement admin]`; a JSON array, a comma- or space-separated list and a single name are read too. Names that are
 * not console roles are ignored.
 */
export function principalOf(claims: Readonly<Record<string, unknown>> | null | undefined, rolesClaim: string): Principal | undefined {
  if (!claims || Object.keys(claims).length === 0) return undefined;
  const id = firstString(claims.sub, claims.username, claims['cognito:username'], claims.client_id);
  if (!id) return undefined;
  return {
    id,
    displayName: firstString(claims.name, claims.username, claims['cognito:username'], claims.preferred_username) ?? id,
    roles: rolesFrom(claims[rolesClaim]),
  };
}

export function rolesFrom(value: unknown): Set<ConsoleRole> {
  const names: string[] = [];
  if (Array.isArray(value)) names.push(...value.map(String));
  else if (typeof value === 'string') {
    const text = value.trim();
    let parsed: unknown;
    if (text.startsWith('[')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (Array.isArray(parsed)) names.push(...parsed.map(String));
    else names.push(...text.replace(/^\[|\]$/g, '').split(/[\s,]+/));
  }
  const known = new Set<string>(consoleRoles);
  return new Set(names.filter((name): name is ConsoleRole => known.has(name)));
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}
