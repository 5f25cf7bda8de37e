import { EventEmitter } from 'node:events';
import type { AedesPublishPacket, Client } from 'aedes';
import { describe, expect, it } from 'vitest';
import { type PublishSource, type RuleErrorReport, RulesEngine } from '../../../infra/local/rules-engine.ts';
import { topicRules } from '../../../infra/topology.ts';

function engine(putRecord: (stream: string, key: string, data: Buffer) => unknown = () => undefined) {
  const puts: Array<{ stream: string; key: string; data: unknown }> = [];
  const errors: RuleErrorReport[] = [];
  const rules = new RulesEngine({
    rules: Object.values(topicRules),
    putRecord: (stream, key, data) => {
      puts.push({ stream, key, data: JSON.parse(data.toString()) });
      return putRecord(stream, key, data);
    },
    streamName: (s) => `t-${s}`,
    onRuleError: (r) => void errors.push(r),
    now: () => 42,
  });
  return { rules, puts, errors };
}

const packet = (topic: string, payload: string) => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }) as unknown as AedesPublishPacket;
const client = (id: string) => ({ id }) as unknown as Client;

describe('RulesEngine', () => {
  it('forwards matching client publishes to the stream, partitioned by topic(2)', () => {
    const { rules, puts } = engine();
    const broker = new EventEmitter();
    rules.attach(broker as unknown as PublishSource);
    broker.emit('publish', packet('wim/S9/records', 'raw'), client('S9'));
    broker.emit('publish', packet('wim/S9/status', 'x'), client('S9'));
    broker.emit('publish', packet('wim/S9/records', 'internal'), null);
    broker.emit('publish', packet('$SYS/x/heartbeat', 'x'), client('S9'));
    expect(puts).toEqual([
      {
        stream: 't-wimRecords',
        key: 'S9',
        data: { payloadBase64: Buffer.from('raw').toString('base64'), topic: 'wim/S9/records', topicStationId: 'S9', receivedAtMs: 42, clientId: 'S9' },
      },
    ]);
    rules.detach();
    broker.emit('publish', packet('wim/S9/records', 'after'), client('S9'));
    expect(puts).toHaveLength(1);
  });

  it('treats messages without an MQTT client (data plane) as clientid n/a', () => {
    const { rules, puts } = engine();
    rules.handleMessage({ topic: 'wim/S1/records', payload: Buffer.from('{}') });
    expect(puts[0]?.data).toMatchObject({ clientId: 'n/a' });
  });

  it('routes action failures to the error action with the original payload', async () => {
    const { rules, errors } = engine(() => {
      throw new Error('stream full');
    });
    rules.handleMessage({ topic: 'wim/S1/records', payload: Buffer.from([0, 1, 2]), clientId: 'S1' });
    const { rules: asyncRules, errors: asyncErrors } = engine(() => Promise.reject(new Error('async failure')));
    asyncRules.handleMessage({ topic: 'wim/S2/records', payload: Buffer.from('x') });
    await asyncRules.idle();
    expect(errors).toEqual([
      { ruleName: 'qiongjian_wim_records_ingest', topic: 'wim/S1/records', payloadBase64: 'AAEC', error: new Error('stream full'), receivedAtMs: 42, clientId: 'S1' },
    ]);
    expect(asyncErrors.map((e) => e.error.message)).toEqual(['async failure']);
    expect(rules.stats).toMatchObject({ messages: 1, matched: 1, errors: 1 });
  });

  it('refuses to start with SQL it cannot emulate', () => {
    const bad = { ...topicRules.wimRecordsIngest, sql: "SELECT newuuid() AS id FROM 'wim/+/records'" };
    expect(() => new RulesEngine({ rules: [bad], putRecord: () => undefined, streamName: String, onRuleError: () => {} })).toThrow(
      /qiongjian_wim_records_ingest cannot be emulated: unsupported function newuuid/,
    );
  });
});
