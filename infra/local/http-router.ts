/**
 * A tiny router for the local stack's one HTTP port: the IoT data-plane shim today, a local HTTP API later.
 *
 * Routes see the RAW request path (still percent-encoded): the data plane puts a whole topic, `/` included, into one
 * path segment as `%2F`, and a router that decoded the path first would split it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HttpRequest {
  readonly method: string;
  /** Path after the route's prefix, still percent-encoded. */
  readonly rawSubPath: string;
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  readonly body?: Buffer | string | object;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** Largest request body accepted (the IoT data plane caps a message at 128 KiB; an API would be far below 1 MiB). */
const maxBodyBytes = 1024 * 1024;

export class HttpRouter {
  private readonly routes: Array<{ method: string; prefix: string; handler: RouteHandler }> = [];

  /** Registers `handler` for `method` on every path starting with `pathPrefix`; the longest prefix wins. */
  addRoute(method: string, pathPrefix: string, handler: RouteHandler): void {
    this.routes.push({ method: method.toUpperCase(), prefix: pathPrefix, handler });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** A node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req)
      .then((response) => send(res, response))
      .catch((error: unknown) => {
        send(res, { status: 500, headers: { 'x-amzn-errortype': 'InternalFailureException' }, body: { message: String(error) } });
      });
  };

  createServer(): Server {
    return createServer(this.listener);
  }

  private async dispatch(req: IncomingMessage): Promise<HttpResponse> {
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const onPath = this.routes.filter((r) => rawPath.startsWith(r.prefix));
    const route = onPath.find((r) => r.method === method);
    if (!route) {
      return onPath.length > 0
        ? { status: 405, body: { message: `${method} not allowed on ${rawPath}` } }
        : { status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: `no route for ${rawPath}` } };
    }
    const body = await readBody(req);
    if (body === undefined) return { status: 413, body: { message: `request body exceeds ${maxBodyBytes} bytes` } };
    return route.handler({ method, rawSubPath: rawPath.slice(route.prefix.length), rawPath, query, headers: req.headers, body });
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: HttpResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let body: Buffer | string = '';
  if (Buffer.isBuffer(response.body) || typeof response.body === 'string') {
    body = response.body;
  } else if (response.body !== undefined) {
    body = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(response.status, headers).end(body);
}
