/**
 * The AWS IoT Data Plane `Publish` API, locally: `POST /topics/{topic}?qos=&retain=` publishes the request body on
 * the local broker. Handlers use the real `@aws-sdk/client-iot-data-plane` client with `IOT_DATA_ENDPOINT` pointing
 * here; SigV4 signatures are accepted without checking.
 *
 * Wire shape (captured from the SDK, docs/local-stack.md): the topic is one percent-encoded path segment (`/` as
 * `%2F`), the body is the raw payload, success is HTTP 200 with `{}`, errors carry `x-amzn-errortype` so the SDK
 * raises the matching exception class.
 * https://docs.aws.amazon.com/iot/latest/apireference/API_iotdata_Publish.html
 */
import type { HttpRequest, HttpResponse, HttpRouter } from './http-router.ts';
import { isWildcardFilter } from './topic-filter.ts';

export interface IotDataShimOptions {
  /** Publishes on the broker. */
  readonly publish: (topic: string, payload: Buffer, options: { qos: 0 | 1; retain: boolean }) => Promise<void>;
  /**
   * Called after a successful publish. The broker does not run rules for its own publishes, but AWS does run them
   * for data-plane publishes (with `clientid()` = `n/a`), so the stack hands these messages to the rules engine.
   */
  readonly onPublished?: (topic: string, payload: Buffer) => void;
}

const maxPayloadBytes = 128 * 1024;

function invalid(message: string): HttpResponse {
  return { status: 400, headers: { 'x-amzn-errortype': 'InvalidRequestException' }, body: { message } };
}

export function addIotDataRoutes(router: HttpRouter, options: IotDataShimOptions): void {
  router.addRoute('POST', '/topics/', async (request: HttpRequest): Promise<HttpResponse> => {
    let topic: string;
    try {
      topic = decodeURIComponent(request.rawSubPath);
    } catch {
      return invalid('topic is not valid percent-encoding');
    }
    if (topic.length === 0) return invalid('topic is empty');
    if (isWildcardFilter(topic)) return invalid(`topic ${topic} contains a wildcard (+ or #)`);
    const qosText = request.query.get('qos') ?? '0';
    if (qosText !== '0' && qosText !== '1') return invalid(`qos must be 0 or 1, got ${qosText}`);
    if (request.body.length > maxPayloadBytes) {
      return { status: 413, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' }, body: { message: 'payload exceeds 128 KB' } };
    }
    await options.publish(topic, request.body, { qos: qosText === '1' ? 1 : 0, retain: request.query.get('retain') === 'true' });
    options.onPublished?.(topic, request.body);
    return { status: 200, body: {} };
  });
}

export function addHealthRoute(router: HttpRouter, status: () => object): void {
  router.addRoute('GET', '/healthz', () => ({ status: 200, body: { status: 'ok', ...status() } }));
}
