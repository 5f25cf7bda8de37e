/**
 * The local broker's AWS IoT emulation over real sockets: QoS limits, reserved topics, the cloud's IoT policies
 * (infra/constructs/iot-policies.ts) when enforced, and MQTT over WebSocket.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalBroker,
  operatorClientPrefix,
  policiesFromDocuments,
  publishDenial,
  startBroker,
  subscribeDenial,
  supervisorClientPrefix,
  unionOf,
} from '../../infra/local/broker.ts';
import {
  enforcementClientPolicyDocument,
  operatorClientPolicyDocument,
  stationPolicyDocument,
  supervisorClientPolicyDocument,
  vehicleTerminalPolicyDocument,
} from '../../infra/constructs/iot-policies.ts';

const identity = (resource: string) => resource;
const policies = policiesFromDocuments(stationPolicyDocument(identity), enforcementClientPolicyDocument(identity));

describe('policy evaluation', () => {
  it('stations publish only their own records; enforcement clients only read alerts', () => {
    expect(publishDenial('S1', 'wim/S1/records', 1, false, policies)).toBeUndefined();
    expect(publishDenial('S1', 'wim/S2/records', 1, false, policies)).toMatch(/iot:Publish/);
    expect(publishDenial('S1', 'wim/S1/records', 1, true, policies)).toMatch(/iot:RetainPublish/);
    expect(publishDenial('enforcement-1', 'alerts/overload/S1', 0, false, policies)).toMatch(/iot:Publish/);
    expect(subscribeDenial('enforcement-1', 'alerts/overload/+', policies)).toBeUndefined();
    expect(subscribeDenial('enforcement-1', '#', policies)).toMatch(/iot:Subscribe/);
    expect(subscribeDenial('S1', 'wim/S1/records', policies)).toMatch(/iot:Subscribe/);
  });

  it('as the local stack provisions them: devices (stations and vehicle terminals) own topics; supervisors and operators read their topics', () => {
    const local = policiesFromDocuments(
      unionOf(stationPolicyDocument(identity), vehicleTerminalPolicyDocument(identity)),
      enforcementClientPolicyDocument(identity),
      [
        [supervisorClientPrefix, supervisorClientPolicyDocument(identity)],
        [operatorClientPrefix, operatorClientPolicyDocument(identity)],
      ],
    );
    expect(publishDenial('hn-coach-1', 'fleet/hn-coach-1/telemetry', 1, false, local)).toBeUndefined();
    expect(publishDenial('hn-coach-1', 'fleet/hn-coach-2/telemetry', 1, false, local)).toMatch(/iot:Publish/);
    expect(publishDenial('S1', 'wim/S1/records', 1, false, local)).toBeUndefined();
    expect(publishDenial('S1', 'fleet/S2/telemetry', 1, false, local)).toMatch(/iot:Publish/);
    expect(subscribeDenial('supervisor-1', 'alerts/supervision/#', local)).toBeUndefined();
    expect(subscribeDenial('supervisor-1', 'alerts/overload/+', local)).toMatch(/iot:Subscribe/);
    expect(publishDenial('supervisor-1', 'alerts/supervision/coach/x', 1, false, local)).toMatch(/iot:Publish/);
    expect(subscribeDenial('operator-1', 'metrics/green', local)).toBeUndefined();
    expect(subscribeDenial('operator-1', 'metrics/green/460100', local)).toBeUndefined();
    expect(subscribeDenial('operator-1', 'alerts/supervision/#', local)).toMatch(/iot:Subscribe/);
  });

  it('always refuses QoS 2 and reserved topics, even without policies', () => {
    expect(publishDenial('x', 'a/b', 2, false)).toMatch(/QoS 2/);
    expect(publishDenial('x', '$aws/things/x/shadow/update', 0, false)).toMatch(/reserved/);
    expect(publishDenial('x', '$SYS/x', 0, false)).toMatch(/reserved/);
    expect(publishDenial('x', 'anything', 1, true)).toBeUndefined();
  });
});

describe('broker over TCP with policies enforced', () => {
  let broker: LocalBroker;
  const clients: MqttClient[] = [];
  const connect = async (clientId: string) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    broker = await startBroker({ port: 0, policies });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await broker.close();
  });

  it('lets enforcement clients receive alerts at QoS ≤ 1 and denies their other subscriptions', async () => {
    const officer = await connect('enforcement-officer-1');
    // aedes echoes the requested QoS in the SUBACK even though the subscription is clamped (known gap); what
    // matters is that nothing is ever delivered above QoS 1, since QoS 2 publishes are refused.
    await officer.subscribeAsync('alerts/overload/+', { qos: 2 });
    await expect(officer.subscribeAsync('#', { qos: 0 })).rejects.toThrow();
    const received = new Promise<[string, number]>((resolve) => officer.on('message', (topic, _p, packet) => resolve([topic, packet.qos])));
    await broker.publish('alerts/overload/S1', Buffer.from('{}'), { qos: 1 });
    expect(await received).toEqual(['alerts/overload/S1', 1]);
  });

  it('closes a station connection that publishes outside its own topic', async () => {
    const station = await connect('S1');
    await station.publishAsync('wim/S1/records', '{}', { qos: 1 });
    const closed = new Promise<void>((resolve) => station.once('close', () => resolve()));
    station.publish('wim/S2/records', '{}', { qos: 1 });
    await closed;
  });

  it('closes a connection that publishes with QoS 2', async () => {
    const station = await connect('S2');
    const closed = new Promise<void>((resolve) => station.once('close', () => resolve()));
    station.publish('wim/S2/records', '{}', { qos: 2 });
    await closed;
  });
});

describe('broker over WebSocket', () => {
  it('accepts MQTT over ws:// when the ws package is available', async () => {
    const broker = await startBroker({ port: 0, wsPort: 0 });
    try {
      expect(broker.wsPort).toBeGreaterThan(0);
      const client = await mqtt.connectAsync(`ws://127.0.0.1:${broker.wsPort}/mqtt`, { clientId: 'ws-1', protocolVersion: 4 });
      const received = new Promise<string>((resolve) => client.on('message', (_t, payload) => resolve(payload.toString())));
      await client.subscribeAsync('a/b', { qos: 1 });
      await client.publishAsync('a/b', 'over websocket', { qos: 1 });
      expect(await received).toBe('over websocket');
      await client.endAsync();
    } finally {
      await broker.close();
    }
  });
});
