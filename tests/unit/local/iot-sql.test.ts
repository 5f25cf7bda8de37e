import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateIotSql,
  IotSqlEvaluationError,
  IotSqlSyntaxError,
  parseIotSql,
  parseSubstitutionTemplate,
} from '../../../infra/local/iot-sql.ts';
import { topicRules } from '../../../infra/topology.ts';

const ctx = (payload: string | Buffer, topic = 'wim/S1/records', clientId: string | null = 'S1') => ({
  topic,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  timestampMs: 1_700_000_000_000,
  ...(clientId === null ? {} : { clientId }),
});

describe('parseIotSql', () => {
  it('parses every rule in the topology', () => {
    for (const rule of Object.values(topicRules)) expect(() => parseIotSql(rule.sql)).not.toThrow();
  });

  it.each([
    ["SELECT newuuid() AS id FROM 'a/b'", /unsupported function newuuid/],
    ["SELECT CASE a WHEN 1 THEN 2 END AS x FROM 'a'", /unsupported keyword CASE/],
    ["SELECT a FROM 'a/#/b'", /'#'/],
    ['SELECT a FROM a', /single quotes/],
    ["SELECT a FROM 'a' -- comment", /comments/],
    ["SELECT topic() FROM 'a'", /needs AS/],
    ["SELECT encode(a, 'base64') AS x FROM 'a'", /encode\(\*, 'base64'\)/],
    ["SELECT encode(*, 'hex') AS x FROM 'a'", /encode\(\*, 'base64'\)/],
    ["SELECT a FROM 'a' WHERE", /unexpected end/],
    ["SELECT a FROM 'a' extra", /unexpected input/],
    ["SELECT a + 1 AS b FROM 'a'", /unsupported character '\+'/],
    ["SELECT a FROM 'a' WHERE b IN (1, 2)", /unsupported keyword IN/],
  ])('rejects %s', (sql, message) => {
    expect(() => parseIotSql(sql)).toThrow(IotSqlSyntaxError);
    expect(() => parseIotSql(sql)).toThrow(message);
  });
});

describe('evaluateIotSql', () => {
  it('evaluates the WIM ingest rule on a JSON and a non-JSON payload', () => {
    const rule = parseIotSql(topicRules.wimRecordsIngest.sql);
    for (const payload of ['{"a":1}', 'not json \u0000\u00ff']) {
      expect(evaluateIotSql(rule, ctx(payload))).toEqual({
        payloadBase64: Buffer.from(payload).toString('base64'),
        topic: 'wim/S1/records',
        topicStationId: 'S1',
        receivedAtMs: 1_700_000_000_000,
        clientId: 'S1',
      });
    }
  });

  it('returns undefined when the topic does not match FROM', () => {
    expect(evaluateIotSql(parseIotSql(topicRules.wimRecordsIngest.sql), ctx('{}', 'wim/S1/status'))).toBeUndefined();
  });

  it('clientid() is n/a for messages that did not come over MQTT', () => {
    expect(evaluateIotSql(parseIotSql("SELECT clientid() AS c FROM '#'"), ctx('{}', 'x', null))).toEqual({ c: 'n/a' });
  });

  it('SELECT * merges the payload; later items override; missing attributes are omitted', () => {
    const parsed = parseIotSql("SELECT *, topic(2) AS station, a.b.c AS deep, missing.x AS gone, a.b AS ab FROM 'wim/+/records'");
    expect(evaluateIotSql(parsed, ctx('{"a":{"b":{"c":3}},"station":"old"}'))).toEqual({
      a: { b: { c: 3 } },
      station: 'S1',
      deep: 3,
      ab: { c: 3 },
    });
  });

  it('names an un-aliased path after its last segment and keeps literals', () => {
    expect(evaluateIotSql(parseIotSql("SELECT a.speed, 'x''y' AS s, -1.5 AS n, true AS t FROM 'a'"), ctx('{"a":{"speed":80}}', 'a'))).toEqual({
      speed: 80,
      s: "x'y",
      n: -1.5,
      t: true,
    });
  });

  it('WHERE fires only on true; Undefined and mixed types fail closed', () => {
    const sql = (where: string) => parseIotSql(`SELECT topic() AS t FROM 'a/+' WHERE ${where}`);
    const run = (where: string, payload: string) => evaluateIotSql(sql(where), ctx(payload, 'a/b'));
    expect(run('speed > 80', '{"speed":90}')).toEqual({ t: 'a/b' });
    expect(run('speed > 80', '{"speed":80}')).toBeUndefined();
    expect(run('speed > 80', '{}')).toBeUndefined();
    expect(run('speed > 80', '{"speed":"x"}')).toBeUndefined();
    expect(run("speed > '80'", '{"speed":90}')).toBeUndefined(); // number vs string: Undefined
    expect(run("speed > '80'", '{"speed":"90"}')).toEqual({ t: 'a/b' }); // two numeric strings compare as numbers
    expect(run("kind = 'bus' AND speed >= 60", '{"kind":"bus","speed":60}')).toEqual({ t: 'a/b' });
    expect(run("kind = 'bus' OR speed >= 60", '{"kind":"car","speed":10}')).toBeUndefined();
    expect(run("NOT (kind <> 'bus')", '{"kind":"bus"}')).toEqual({ t: 'a/b' });
    expect(run('NOT missing', '{}')).toBeUndefined();
    expect(run('missing = 1 OR topic(2) = \'b\'', '{}')).toEqual({ t: 'a/b' });
    expect(run('missing = 1 AND false', '{}')).toBeUndefined();
  });

  it('* or attribute paths on a non-JSON payload raise IotSqlEvaluationError', () => {
    expect(() => evaluateIotSql(parseIotSql("SELECT * FROM 'a'"), ctx('nope', 'a'))).toThrow(IotSqlEvaluationError);
    expect(() => evaluateIotSql(parseIotSql("SELECT a FROM 'a'"), ctx('nope', 'a'))).toThrow(IotSqlEvaluationError);
    expect(() => evaluateIotSql(parseIotSql("SELECT topic() AS t FROM 'a' WHERE a = 1"), ctx('nope', 'a'))).toThrow(IotSqlEvaluationError);
    expect(() => evaluateIotSql(parseIotSql("SELECT * FROM 'a'"), ctx('[1,2]', 'a'))).toThrow(/JSON object/);
  });

  it("property: encode(*, 'base64') round-trips any bytes and topic(n) is the n-th segment", () => {
    const parsed = parseIotSql("SELECT encode(*, 'base64') AS b, topic(1) AS t1, topic(2) AS t2, topic(3) AS t3 FROM '#'");
    const segment = fc.stringMatching(/^[a-zA-Z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(segment, { minLength: 1, maxLength: 5 }), (bytes, segments) => {
        const output = evaluateIotSql(parsed, ctx(Buffer.from(bytes), segments.join('/')));
        expect(Buffer.from(String(output?.b), 'base64').equals(Buffer.from(bytes))).toBe(true);
        expect(output?.t1).toBe(segments[0]);
        expect(output?.t2).toBe(segments[1]);
        expect(output?.t3).toBe(segments[2]);
        expect(Object.hasOwn(output ?? {}, 't3')).toBe(segments.length >= 3);
      }),
    );
  });
});

describe('parseSubstitutionTemplate', () => {
  it('renders ${…} expressions and leaves text alone', () => {
    const template = parseSubstitutionTemplate('${topic(2)}');
    expect(template.render(ctx('x'))).toBe('S1');
    expect(parseSubstitutionTemplate('p-${clientid()}-${topic(9)}!').render(ctx('x'))).toBe('p-S1-!');
    expect(() => parseSubstitutionTemplate('${topic(2)')).toThrow(/unterminated/);
    expect(() => parseSubstitutionTemplate('${newuuid()}')).toThrow(/unsupported function/);
  });
});
