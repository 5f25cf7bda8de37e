/**
 * The local MQTT broker: aedes (MQTT 3.1.1) on TCP, optionally on WebSocket, shaped like the AWS IoT Core message
 * broker where that is cheap to do:
 *
 * - QoS 2 is not supported by AWS IoT: a QoS 2 PUBLISH is refused (aedes then closes the connection, as AWS does
 *   for a forbidden action), and SUBSCRIBE requests are granted at most QoS 1.
 * - Clients may not publish to reserved topics (`$aws/…`, `$SYS/…`); only the broker and the data-plane shim do.
 * - With `policies`, the IoT policy documents of the cloud stack (infra/constructs/iot-policies.ts) are evaluated
 *   for every publish, retained publish, subscribe and delivery, with the client id standing in for the thing name
 *   (`\${iot:Connection.Thing.ThingName}`): stations may publish only their own `wim/{clientId}/records`;
 *   `enforcement-…` clients may only subscribe to and receive `alerts/overload/…`. Off by default for the dev stack
 *   so ad-hoc tools (mqtt_sub, MQTT Explorer) work.
 * Not emulated: X.509 authentication, the iot:Connect statement, lifecycle events, AWS's "a/# does not match a", persistent-session expiry.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Aedes, type AedesOptions, type AuthenticateError, type AedesPublishPacket, type Client, type PublishPacket, type Subscription } from 'aedes';
import { closeServer, listen } from './listen.ts';

export interface BrokerOptions {
  /** TCP port for MQTT; 0 = random. */
  readonly port?: number;
  readonly host?: string;
  /** MQTT over WebSocket port; absent = no WebSocket listener. */
  readonly wsPort?: number;
  /** IoT policies to enforce per client; absent = everything allowed except the AWS IoT limits above. */
  readonly policies?: IotPolicies;
  /**
   * Checks a CONNECT's credentials (AWS IoT: the certificate, or a custom authorizer for the console). Returns why the
   * client is refused, or undefined to accept it. Absent = every client is accepted.
   */
  readonly authenticate?: (clientId: string, username: string | undefined, password: string | undefined) => string | undefined;
  readonly log?: (line: string) => void;
}

/** The parts of an IoT policy document the broker evaluates (same shape as infra/constructs/iot-policies.ts). */
export interface IotPolicyDocumentLike {
  readonly Statement: ReadonlyArray<{ readonly Effect: 'Allow' | 'Deny'; readonly Action: readonly string[]; readonly Resource: readonly string[] }>;
}

export interface IotPolicies {
  /** The policy attached to the certificate this client would use in AWS. */
  policyFor(clientId: string): IotPolicyDocumentLike;
}

export interface LocalBroker {
  readonly aedes: Aedes;
  readonly port: number;
  /** Bound WebSocket port, when a WebSocket listener was requested and the `ws` package is available. */
  readonly wsPort?: number;
  /** Publishes as the broker itself (no client), e.g. for the IoT data-plane shim. */
  publish(topic: string, payload: Buffer, options?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  /**
   * Serves MQTT over WebSocket on `server` at `path` (as AWS IoT serves `wss://<endpoint>/mqtt`), so a page and its
   * live feed share one origin. Needs the `ws` package; returns false without it.
   */
  attachWebSocket(server: HttpServer, path: string): Promise<boolean>;
  close(): Promise<void>;
}

export const enforcementClientPrefix = 'enforcement-';
const reservedTopicPrefixes = ['$aws/', '$SYS/'];
const thingNameVariables = ['${iot:Connection.Thing.ThingName}', '${iot:ClientId}'];

export const supervisorClientPrefix = 'supervisor-';
export const operatorClientPrefix = 'operator-';

/**
 * Which policy a client gets, as it would be provisioned: client ids with the enforcement prefix (or one of `more`'s
 * prefixes) get that client policy, every other client the device policy. In AWS the certificate decides; locally the
 * client id is all there is, so stations and vehicle terminals share one device policy — the union of theirs
 * (`unionOf`), which still confines each to its own topics.
 */
export function policiesFromDocuments(
  device: IotPolicyDocumentLike,
  enforcement: IotPolicyDocumentLike,
  more: ReadonlyArray<readonly [prefix: string, policy: IotPolicyDocumentLike]> = [],
): IotPolicies {
  const byPrefix: ReadonlyArray<readonly [string, IotPolicyDocumentLike]> = [[enforcementClientPrefix, enforcement], ...more];
  return { policyFor: (clientId) => byPrefix.find(([prefix]) => clientId.startsWith(prefix))?.[1] ?? device };
}

/** One document allowing what any of the given documents allows (and denying what any denies). */
export function unionOf(...documents: readonly IotPolicyDocumentLike[]): IotPolicyDocumentLike {
  return { Statement: documents.flatMap((d) => d.Statement) };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function resourceMatches(pattern: string, resource: string, clientId: string): boolean {
  let source = '';
  for (let rest = pattern; rest.length > 0; ) {
    const variable = thingNameVariables.find((v) => rest.startsWith(v));
    if (variable) {
      source += escapeRegExp(clientId);
      rest = rest.slice(variable.length);
      continue;
    }
    const ch = rest.charAt(0);
    // IoT policy resource wildcards: `*` any characters (slashes included), `?` exactly one.
    source += ch === '*' ? '.*' : ch === '?' ? '.' : escapeRegExp(ch);
    rest = rest.slice(1);
  }
  return new RegExp(`^${source}$`, 's').test(resource);
}

/** IAM-style evaluation: an explicit Deny wins, otherwise some Allow must match; resources without the ARN prefix. */
export function policyAllows(policy: IotPolicyDocumentLike, action: string, resource: string, clientId: string): boolean {
  let allowed = false;
  for (const statement of policy.Statement) {
    if (!statement.Action.some((a) => a === action || a === 'iot:*')) continue;
    if (!statement.Resource.some((r) => resourceMatches(r, resource, clientId))) continue;
    if (statement.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

/** Why an MQTT client may not publish, or undefined when it may. */
export function publishDenial(clientId: string, topic: string, qos: number, retain: boolean, policies?: IotPolicies): string | undefined {
  if (qos > 1) return 'QoS 2 is not supported by AWS IoT';
  if (reservedTopicPrefixes.some((prefix) => topic.startsWith(prefix))) return `${topic} is a reserved topic`;
  if (!policies) return undefined;
  const policy = policies.policyFor(clientId);
  if (!policyAllows(policy, 'iot:Publish', `topic/${topic}`, clientId)) return `policy does not allow iot:Publish on ${topic}`;
  if (retain && !policyAllows(policy, 'iot:RetainPublish', `topic/${topic}`, clientId)) return `policy does not allow iot:RetainPublish on ${topic}`;
  return undefined;
}

/** Why an MQTT client may not subscribe to `filter`, or undefined when it may. */
export function subscribeDenial(clientId: string, filter: string, policies?: IotPolicies): string | undefined {
  if (!policies) return undefined;
  return policyAllows(policies.policyFor(clientId), 'iot:Subscribe', `topicfilter/${filter}`, clientId)
    ? undefined
    : `policy does not allow iot:Subscribe on ${filter}`;
}

function iotAuthorizers(
  policies: IotPolicies | undefined,
  log: (line: string) => void,
): Pick<AedesOptions, 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'> {
  return {
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
      // `client` is null for wills restored after a restart; the broker's own publishes never come here.
      if (client === null) {
        callback(null);
        return;
      }
      const denial = publishDenial(client.id, packet.topic, packet.qos, packet.retain, policies);
      if (denial) log(`denied publish by ${client.id} to ${packet.topic}: ${denial}`);
      // An error closes the connection, which is also what AWS IoT does on an unauthorised publish.
      callback(denial ? new Error(denial) : null);
    },
    authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
      const denial = subscribeDenial(client.id, subscription.topic, policies);
      if (denial) {
        log(`denied subscribe by ${client.id} to ${subscription.topic}: ${denial}`);
        // A null subscription makes aedes answer SUBACK 0x80 (failure) for this filter, as AWS IoT does.
        callback(null, null);
        return;
      }
      callback(null, { ...subscription, qos: Math.min(subscription.qos, 1) as 0 | 1 });
    },
    authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
      if (!policies) return packet;
      return policyAllows(policies.policyFor(client.id), 'iot:Receive', `topic/${packet.topic}`, client.id) ? packet : null;
    },
  };
}

type WsModule = typeof import('ws');

async function loadWs(): Promise<WsModule | undefined> {
  try {
    return (await import('ws')) as WsModule;
  } catch {
    return undefined;
  }
}

export async function startBroker(options: BrokerOptions = {}): Promise<LocalBroker> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const authenticate = options.authenticate;
  const aedes = await Aedes.createBroker({
    ...iotAuthorizers(options.policies, log),
    ...(authenticate
      ? {
          authenticate(client: Client, username: string | undefined, password: Buffer | undefined, callback: (error: AuthenticateError | null, success: boolean | null) => void) {
            const denial = authenticate(client.id, username, password?.toString('utf8'));
            if (!denial) {
              callback(null, true);
              return;
            }
            log(`refused connection of ${client.id}: ${denial}`);
            // CONNACK 5 (not authorized), as AWS IoT answers a failed custom authorization.
            callback(Object.assign(new Error(denial), { returnCode: 5 }) as AuthenticateError, false);
          },
        }
      : {}),
  });
  const attachedWs: Array<() => Promise<void>> = [];

  // Track raw sockets: net.Server.close() waits for every socket, including ones that never sent CONNECT.
  const sockets = new Set<Socket>();
  const tcp: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  let wsHttp: HttpServer | undefined;
  let closeWs: (() => Promise<void>) | undefined;

  const closeAll = async (): Promise<void> => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closeWs?.();
    for (const close of attachedWs) await close();
    await closeServer(tcp);
  };

  try {
    const port = await listen(tcp, options.port ?? 1883, host, 'MQTT_PORT');
    let wsPort: number | undefined;
    if (options.wsPort !== undefined) {
      const ws = await loadWs();
      if (!ws) {
        log('MQTT over WebSocket disabled: the ws package is not installed');
      } else {
        wsHttp = createHttpServer((_req, res) => {
          res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
        });
        const wss = new ws.WebSocketServer({ server: wsHttp });
        wss.on('connection', (socket, req) => {
          aedes.handle(ws.createWebSocketStream(socket), req);
        });
        const server = wsHttp;
        closeWs = async () => {
          for (const client of wss.clients) client.terminate();
          await new Promise<void>((resolve) => wss.close(() => resolve()));
          await closeServer(server);
        };
        wsPort = await listen(wsHttp, options.wsPort, host, 'WS_PORT');
      }
    }
    return {
      aedes,
      port,
      ...(wsPort === undefined ? {} : { wsPort }),
      publish(topic, payload, publishOptions = {}) {
        return new Promise((resolve, reject) => {
          aedes.publish(
            { cmd: 'publish', topic, payload, qos: publishOptions.qos ?? 0, retain: publishOptions.retain ?? false, dup: false },
            (error) => (error ? reject(error) : resolve()),
          );
        });
      },
      async attachWebSocket(server, path) {
        const ws = await loadWs();
        if (!ws) return false;
        const wss = new ws.WebSocketServer({ noServer: true });
        wss.on('connection', (socket, req) => aedes.handle(ws.createWebSocketStream(socket), req));
        server.on('upgrade', (req, socket, head) => {
          if ((req.url ?? '').split('?')[0] !== path) {
            socket.destroy();
            return;
          }
          wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
        });
        attachedWs.push(async () => {
          for (const client of wss.clients) client.terminate();
          await new Promise<void>((resolve) => wss.close(() => resolve()));
        });
        return true;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
