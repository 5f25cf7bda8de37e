// Live topics over MQTT/WebSocket with the mqtt.js browser bundle. The broker authenticates with the same token as
// the API: as the password locally, or as a URL query parameter for an AWS IoT custom authorizer.
import mqtt from '/vendor/mqtt.esm.js';

/** The topic filters a role may subscribe to (admin: all). */
export function topicsFor(can) {
  return [
    // Alerts, and their acknowledgements by any officer (so every console shows who took one).
    ...(can('enforcement') ? ['alerts/overload/+', 'alerts/overload/+/acknowledgement'] : []),
    ...(can('supervisor') ? ['alerts/supervision/#'] : []),
    ...(can('operator') ? ['metrics/green', 'metrics/green/+'] : []),
  ];
}

function brokerUrl(config, token) {
  const { url, tokenQueryParam } = config.mqtt;
  if (!tokenQueryParam) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${encodeURIComponent(tokenQueryParam)}=${encodeURIComponent(token)}`;
}

/**
 * Connects and keeps reconnecting; onState('connecting'|'connected'|'reconnecting'|'offline'|'disabled'),
 * onMessage(topic, parsedJson). Malformed payloads are dropped with a console warning.
 */
export function connectLive(config, token, topics, { onState, onMessage }) {
  if (!config.mqtt?.url || topics.length === 0) {
    onState('disabled');
    return { close() {} };
  }
  onState('connecting');
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  const client = mqtt.connect(brokerUrl(config, token), {
    clientId: `console-${random}`,
    username: 'console',
    ...(config.mqtt.tokenQueryParam ? {} : { password: token }),
    clean: true,
    reconnectPeriod: 3000,
    connectTimeout: 10_000,
    protocolVersion: 4,
  });
  client.on('connect', () => {
    client.subscribe(topics.map((topic) => topic), { qos: 1 }, (error) => {
      if (error) console.warn('subscribe failed', error);
    });
    onState('connected');
  });
  client.on('reconnect', () => onState('reconnecting'));
  client.on('offline', () => onState('offline'));
  client.on('close', () => {
    if (!client.connected) onState(client.disconnecting ? 'offline' : 'reconnecting');
  });
  client.on('error', (error) => console.warn('mqtt', error?.message ?? error));
  client.on('message', (topic, payload) => {
    let message;
    try {
      message = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      console.warn('dropped a non-JSON message on', topic);
      return;
    }
    onMessage(topic, message);
  });
  return { close: () => client.end(true) };
}
