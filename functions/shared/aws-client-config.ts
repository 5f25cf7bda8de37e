/**
 * SDK client settings derived from a handler's environment. In Lambda the environment carries the region and the
 * role's credentials; on the local stack it also carries endpoint overrides and dummy credentials. Only this
 * configuration differs between the two — the handlers are the same code.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts?: number;
}

export function clientConfig(env: Env, endpointVar?: string): ClientConfig {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  const config: ClientConfig = { region };
  const endpoint = endpointVar ? env[endpointVar] : undefined;
  if (endpoint) config.endpoint = endpoint;
  // Credentials given in this environment are passed on explicitly: the local stack hands each handler its own
  // environment object rather than process.env. In Lambda these are the role's credentials, as the default chain
  // would find them.
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return config;
}

export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function numberFromEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number, got ${raw}`);
  return value;
}
