import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../functions/api/http.ts';
import { createRouter } from '../../../functions/api/router.ts';
import { emptyCounters, type StationCountersValue } from '../../../functions/domain/overload/station-stats.ts';
import { overloadAlertId } from '../../../functions/wim/alert.ts';
import type { StoredAlert, StoredOverLimitRecord } from '../../../functions/wim/api-ports.ts';
import { localDatesDescending, overloadRoutes } from '../../../functions/wim/api-routes.ts';
import type { OverloadAcknowledgementMessageV1 } from '../../../functions/contracts/overload-acknowledgement.v1.ts';
import { apiFunctions } from '../../../infra/topology.ts';
import { MemoryAlertStore, MemoryCounters, MemoryOverLimitStore, MemoryStations } from './memory-overload-stores.ts';

const nowUtc = '2026-11-29T04:00:00.000Z'; // 12:00 in Hainan
const hoursAgo = (h: number) => new Date(Date.parse(nowUtc) - h * 3_600_000).toISOString();

const officer = { sub: 'officer-7', name: '王警官', 'cognito:groups': '[enforcement]' };
const colleague = { sub: 'officer-9', name: '李警官', 'cognito:groups': '[enforcement]' };
const operator = { sub: 'op-1', 'cognito:groups': '[operator]' };

function alert(recordId: string, overrides: Partial<StoredAlert> = {}): StoredAlert {
  const stationId = overrides.stationId ?? 'hn-a';
  return {
    alertId: overloadAlertId(stationId, recordId),
    stationId,
    recordId,
    measuredAtUtc: hoursAgo(1),
    plateKey: '琼A12345#yellow',
    band: '20-50',
    overLimitKg: 12_000,
    grossWeightKg: 61_000,
    hundredTonne: false,
    status: 'open',
    publishedAt: nowUtc,
    alertJson: JSON.stringify({ schema: 'qiongjian.overload-alert', recordId }),
    ...overrides,
  };
}

function record(recordId: string, overrides: Partial<StoredOverLimitRecord> = {}): StoredOverLimitRecord {
  return {
    stationId: 'hn-a',
    recordId,
    measuredAtUtc: hoursAgo(1),
    plateKey: '琼A12345#yellow',
    grossWeightKg: 61_000,
    limitKg: 49_000,
    overLimitKg: 12_000,
    band: '20-50',
    disposition: 'alerted',
    judgementJson: JSON.stringify({ limitKg: 49_000 }),
    recordJson: JSON.stringify({ recordId }),
    ...overrides,
  };
}

const counters = (values: Partial<StationCountersValue>): StationCountersValue => ({ ...emptyCounters(), ...values });

describe('overload API routes (router over in-memory ports)', () => {
  let alerts: MemoryAlertStore;
  let overLimit: MemoryOverLimitStore;
  let hourly: MemoryCounters;
  let stations: MemoryStations;
  let nowMs: number;
  let route: ReturnType<typeof createRouter>;
  let announced: OverloadAcknowledgementMessageV1[];
  let announceFails: boolean;
  let warnings: string[];

  const call = async (method: string, path: string, extra: Partial<ApiRequest> & { as?: Record<string, string> | null } = {}) => {
    const { as = officer, ...rest } = extra;
    const response = await route({ method, path, query: {}, headers: {}, ...(as ? { claims: as } : {}), ...rest });
    // biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary response bodies
    return { ...response, json: JSON.parse(response.body) as Record<string, any> };
  };
  const get = (path: string, query: Record<string, string> = {}, as?: Record<string, string> | null) => call('GET', path, { query, ...(as === undefined ? {} : { as }) });
  const acknowledge = (alertId: string, body: unknown, as: Record<string, string> = officer) =>
    call('POST', `/overload/alerts/${alertId}/acknowledgement`, { body: typeof body === 'string' ? body : JSON.stringify(body), as });

  /** Follows cursors to the end; returns every page's ids. */
  async function allPages(path: string, query: Record<string, string>): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const response = await get(path, cursor ? { ...query, cursor } : query);
      expect(response.statusCode, response.body).toBe(200);
      pages.push(response.json.items.map((i: { alertId?: string; recordId: string }) => i.alertId ?? i.recordId));
      cursor = response.json.cursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  beforeEach(() => {
    alerts = new MemoryAlertStore();
    overLimit = new MemoryOverLimitStore();
    hourly = new MemoryCounters();
    stations = new MemoryStations();
    nowMs = Date.parse(nowUtc);
    announced = [];
    announceFails = false;
    warnings = [];
    const announce = async (message: OverloadAcknowledgementMessageV1) => {
      if (announceFails) throw new Error('IoT data plane unavailable');
      announced.push(message);
    };
    const logger = { info: () => {}, warn: (message: string) => void warnings.push(message), error: () => {} };
    route = createRouter(apiFunctions.overloadApi.routes, overloadRoutes({ alerts, overLimit, counters: hourly, stations, nowMs: () => nowMs, announce, logger }));
  });

  describe('GET /overload/alerts', () => {
    beforeEach(() => {
      // 12:00 Hainan now: 1–11 h ago is today, 13–20 h ago yesterday (local), 30 h ago outside the default 24 h.
      alerts.put(
        alert('r1', { measuredAtUtc: hoursAgo(1) }),
        alert('r2', { measuredAtUtc: hoursAgo(2), stationId: 'hn-b', plateKey: '琼A12345#blue' }),
        alert('r3', { measuredAtUtc: hoursAgo(11), status: 'acknowledged' }),
        alert('r4', { measuredAtUtc: hoursAgo(13), stationId: 'hn-b', plateKey: '粤B88888#yellow' }),
        alert('r5', { measuredAtUtc: hoursAgo(20) }),
        alert('r6', { measuredAtUtc: hoursAgo(30) }),
        alert('r7', { measuredAtUtc: hoursAgo(3), plateKey: undefined }),
      );
    });
    const ids = (...recordIds: string[]) => recordIds.map((r) => alerts.items.get(overloadAlertId(r === 'r2' || r === 'r4' ? 'hn-b' : 'hn-a', r))?.alertId);

    it.each([
      ['the last 24 h across stations', {}, ['r1', 'r2', 'r7', 'r3', 'r4', 'r5']],
      ['open only', { status: 'open' }, ['r1', 'r2', 'r7', 'r4', 'r5']],
      ['acknowledged only', { status: 'acknowledged' }, ['r3']],
      ['a station', { stationId: 'hn-b' }, ['r2', 'r4']],
      ['a plate in any colour, typed loosely', { plate: '琼a·12345' }, ['r1', 'r2', 'r3', 'r5']],
      ['a plate and colour', { plate: '琼A12345', plateColor: 'blue' }, ['r2']],
      ['a plate at a station', { plate: '琼A12345', stationId: 'hn-a' }, ['r1', 'r3', 'r5']],
      ['an explicit range', { from: '2026-11-27T00:00:00+08:00', to: '2026-11-28T23:00:00+08:00' }, ['r4', 'r5', 'r6']],
    ])('%s, newest first, the same in pages of 2 as in one page', async (_, query, expected) => {
      const whole = await get('/overload/alerts', query);
      expect(whole.statusCode, whole.body).toBe(200);
      expect(whole.json.items.map((i: { alertId: string }) => i.alertId)).toEqual(ids(...expected));
      expect(whole.json.cursor).toBeUndefined();
      const pages = await allPages('/overload/alerts', { ...query, limit: '2' });
      expect(pages.flat()).toEqual(ids(...expected));
      expect(pages.every((p) => p.length <= 2)).toBe(true);
    });

    it('reads the byLocalDate index day by day, newest day first, and the byStation / byPlate indexes', async () => {
      await get('/overload/alerts');
      expect(alerts.queries).toEqual(['date:2026-11-29', 'date:2026-11-28']);
      alerts.queries.length = 0;
      await get('/overload/alerts', { stationId: 'hn-a' });
      expect(alerts.queries).toEqual(['station:hn-a']);
      alerts.queries.length = 0;
      await get('/overload/alerts', { plate: '琼A12345', plateColor: 'yellow' });
      expect(alerts.queries).toEqual(['plate:琼A12345#yellow']);
    });

    it('summarises each alert as the dashboard expects', async () => {
      const response = await get('/overload/alerts', { limit: '1' });
      expect(response.json.items[0]).toEqual({
        alertId: overloadAlertId('hn-a', 'r1'),
        stationId: 'hn-a',
        recordId: 'r1',
        measuredAtUtc: hoursAgo(1),
        plate: '琼A12345',
        plateKey: '琼A12345#yellow',
        band: '20-50',
        overLimitKg: 12_000,
        grossWeightKg: 61_000,
        hundredTonne: false,
        status: 'open',
        publishedAt: nowUtc,
      });
      expect(response.json.cursor).toEqual(expect.any(String));
      const withoutPlate = (await get('/overload/alerts', { stationId: 'hn-a', limit: '3' })).json.items[1];
      expect(withoutPlate.recordId).toBe('r7');
      expect(withoutPlate).not.toHaveProperty('plate');
    });

    it.each([
      ['an unknown status', { status: 'closed' }, 'invalid_query'],
      ['limit 0', { limit: '0' }, 'invalid_query'],
      ['limit over 1000', { limit: '1001' }, 'invalid_query'],
      ['an unknown plate colour', { plate: '琼A12345', plateColor: 'pink' }, 'invalid_query'],
      ['a plate key with its colour', { plate: '琼A12345#yellow' }, 'invalid_query'],
      ['a station id that is none', { stationId: 'a b' }, 'invalid_query'],
      ['from after to', { from: '2026-11-29T10:00:00+08:00', to: '2026-11-29T09:00:00+08:00' }, 'invalid_query'],
      ['a range over 31 days', { from: '2026-10-01T00:00:00+08:00' }, 'invalid_query'],
      ['a time without offset', { from: '2026-11-29T08:00:00' }, 'invalid_query'],
      ['a cursor that is no cursor', { cursor: 'not-a-cursor' }, 'invalid_cursor'],
    ])('400 on %s', async (_, query, code) => {
      const response = await get('/overload/alerts', query);
      expect(response.statusCode).toBe(400);
      expect(response.json.error.code).toBe(code);
    });

    it('refuses a cursor of another listing (another station, or the date feed)', async () => {
      const stationCursor = (await get('/overload/alerts', { stationId: 'hn-a', limit: '1' })).json.cursor;
      expect((await get('/overload/alerts', { cursor: stationCursor })).json.error.code).toBe('invalid_cursor');
      expect((await get('/overload/alerts', { stationId: 'hn-b', cursor: stationCursor })).json.error.code).toBe('invalid_cursor');
    });
  });

  describe('GET /overload/alerts/{alertId}', () => {
    it('returns the summary, the alert as published and the evidence', async () => {
      alerts.put(alert('r1'));
      overLimit.items.push(record('r1', { alertId: overloadAlertId('hn-a', 'r1') }));
      const response = await get(`/overload/alerts/${overloadAlertId('hn-a', 'r1')}`);
      expect(response.statusCode).toBe(200);
      expect(response.json).toMatchObject({
        alertId: overloadAlertId('hn-a', 'r1'),
        status: 'open',
        alert: { schema: 'qiongjian.overload-alert', recordId: 'r1' },
        evidence: { judgement: { limitKg: 49_000 }, record: { recordId: 'r1' } },
      });
    });

    it.each([['an unknown id', overloadAlertId('hn-a', 'nope')], ['an id that cannot be one', 'DROP%20TABLE']])('404 on %s', async (_, id) => {
      const response = await get(`/overload/alerts/${id}`);
      expect(response.statusCode).toBe(404);
      expect(response.json.error.code).toBe('not_found');
    });
  });

  describe('POST /overload/alerts/{alertId}/acknowledgement', () => {
    const id = overloadAlertId('hn-a', 'r1');
    beforeEach(() => alerts.put(alert('r1')));

    it('records who (the token), when (the server clock) and the outcome; a repeat is idempotent', async () => {
      const first = await acknowledge(id, { schemaVersion: 1, outcome: 'intercepted', note: '  已在收费站拦截  ' });
      expect(first.statusCode, first.body).toBe(200);
      const acknowledgement = { byId: 'officer-7', byName: '王警官', atUtc: nowUtc, outcome: 'intercepted', note: '已在收费站拦截' };
      expect(first.json).toEqual({ alertId: id, status: 'acknowledged', acknowledgement });

      nowMs += 60_000;
      const again = await acknowledge(id, { outcome: 'intercepted', note: '已在收费站拦截' });
      expect(again.statusCode).toBe(200);
      expect(again.json.acknowledgement).toEqual(acknowledgement);

      const listed = await get('/overload/alerts', { status: 'acknowledged' });
      expect(listed.json.items[0]).toMatchObject({ alertId: id, status: 'acknowledged', acknowledgement });
    });

    it('announces the acknowledgement to the consoles, again on a repeat, never on a refusal', async () => {
      const acknowledgement = { byId: 'officer-7', byName: '王警官', atUtc: nowUtc, outcome: 'intercepted' };
      await acknowledge(id, { outcome: 'intercepted' });
      await acknowledge(id, { outcome: 'intercepted' });
      expect((await acknowledge(id, { outcome: 'not-found' })).statusCode).toBe(409);
      expect((await acknowledge(overloadAlertId('hn-a', 'nope'), { outcome: 'other' })).statusCode).toBe(404);
      const message = { schemaVersion: 1, alertId: id, stationId: 'hn-a', status: 'acknowledged', acknowledgement };
      expect(announced).toEqual([message, message]);
    });

    it('keeps the acknowledgement when the announcement fails (logged), and a retry announces it', async () => {
      announceFails = true;
      const first = await acknowledge(id, { outcome: 'intercepted' });
      expect(first.statusCode).toBe(200);
      expect(alerts.items.get(id)?.status).toBe('acknowledged');
      expect(warnings).toEqual(['acknowledgement not announced']);
      announceFails = false;
      expect((await acknowledge(id, { outcome: 'intercepted' })).statusCode).toBe(200);
      expect(announced.map((m) => m.alertId)).toEqual([id]);
    });

    it.each([
      ['another outcome', officer, { outcome: 'not-found' }],
      ['another note', officer, { outcome: 'intercepted', note: '另一说明' }],
      ['another officer', colleague, { outcome: 'intercepted' }],
    ])('409 already_acknowledged on %s, with the stored acknowledgement', async (_, who, body) => {
      await acknowledge(id, { outcome: 'intercepted' });
      const response = await acknowledge(id, body, who);
      expect(response.statusCode).toBe(409);
      expect(response.json.error).toMatchObject({ code: 'already_acknowledged', details: { acknowledgement: { byId: 'officer-7', outcome: 'intercepted' } } });
    });

    it.each([
      ['no body', '', 400, 'invalid_request'],
      ['a body that is not JSON', '{outcome', 400, 'invalid_request'],
      ['an unknown outcome', { outcome: 'arrested' }, 400, 'invalid_body'],
      ['a note over 500 characters', { outcome: 'other', note: 'x'.repeat(501) }, 400, 'invalid_body'],
      ['another schema version', { schemaVersion: 2, outcome: 'other' }, 400, 'invalid_body'],
    ])('%s → %s %s', async (_, body, status, code) => {
      const response = await acknowledge(id, body);
      expect(response.statusCode).toBe(status);
      expect(response.json.error.code).toBe(code);
      expect(alerts.items.get(id)?.status).toBe('open');
    });

    it('404 for an unknown alert, and nothing is created', async () => {
      const unknown = overloadAlertId('hn-a', 'nope');
      const response = await acknowledge(unknown, { outcome: 'intercepted' });
      expect(response.statusCode).toBe(404);
      expect(alerts.items.has(unknown)).toBe(false);
    });

    it('enforcement may acknowledge; an operator may not (403); no token is 401', async () => {
      expect((await acknowledge(id, { outcome: 'referred' }, operator)).statusCode).toBe(403);
      expect((await call('POST', `/overload/alerts/${id}/acknowledgement`, { body: '{"outcome":"referred"}', as: null })).statusCode).toBe(401);
      expect(alerts.items.get(id)?.status).toBe('open');
      expect((await acknowledge(id, { outcome: 'referred' }, officer)).statusCode).toBe(200);
    });
  });

  describe('stations and station-days', () => {
    beforeEach(() => {
      stations.profiles.push(
        { stationId: 'hn-b', name: 'B站', accuracyClass: 'class-5', registered: true },
        { stationId: 'hn-a', name: 'A站', road: 'G98', lat: 19.95, lon: 110.45, accuracyClass: 'class-2', registered: true },
      );
      hourly.hours.set('hn-a/2026-11-29', [
        { localHour: '2026-11-29T08', counters: counters({ trucksWeighed: 6, overLimit: 3, band0to10: 1, band10to20: 1, band20to50: 1, over80t: 2, over90t: 1, hundredTonne: 1 }) },
        { localHour: '2026-11-29T11', counters: counters({ trucksWeighed: 4, overLimit: 1, band50to100: 1 }) },
      ]);
      hourly.hours.set('hn-a/2026-11-28', [{ localHour: '2026-11-28T23', counters: counters({ trucksWeighed: 1 }) }]);
    });

    it("lists the stations with today's (Asia/Shanghai) figures and 超限率", async () => {
      const response = await get('/overload/stations', {}, operator);
      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({
        date: '2026-11-29',
        items: [
          {
            stationId: 'hn-a',
            name: 'A站',
            road: 'G98',
            lat: 19.95,
            lon: 110.45,
            accuracyClass: 'class-2',
            day: { trucksWeighed: 10, overLimit: 4, rates: { overLimitRate: 0.4, overLimitRateExcluding10: 0.3, overLimitRateExcluding20: 0.2 } },
          },
          {
            stationId: 'hn-b',
            name: 'B站',
            lat: null,
            lon: null,
            accuracyClass: 'class-5',
            day: { trucksWeighed: 0, overLimit: 0, rates: { overLimitRate: 0, overLimitRateExcluding10: 0, overLimitRateExcluding20: 0 } },
          },
        ],
      });
      expect((await get('/overload/stations', { date: '2026-11-28' })).json.items[0].day.trucksWeighed).toBe(1);
      expect((await get('/overload/stations', { date: '2026-02-30' })).statusCode).toBe(400);
    });

    it('gives a station-day: counters, rates, 24 hours and the ≥ 80/90/100 t lists of that local day', async () => {
      overLimit.items.push(
        record('h80', { grossWeightKg: 85_000, measuredAtUtc: '2026-11-29T00:10:00.000Z' }),
        record('h95', { grossWeightKg: 95_000, measuredAtUtc: '2026-11-29T00:20:00.000Z', disposition: 'permitted', plateKey: undefined }),
        record('h100', { grossWeightKg: 100_000, measuredAtUtc: '2026-11-29T00:30:00.000Z', alertId: overloadAlertId('hn-a', 'h100') }),
        record('light', { grossWeightKg: 61_000, measuredAtUtc: '2026-11-29T00:40:00.000Z' }),
        record('yesterday', { grossWeightKg: 120_000, measuredAtUtc: '2026-11-28T15:59:59.999Z' }),
        record('other-station', { stationId: 'hn-b', grossWeightKg: 120_000, measuredAtUtc: '2026-11-29T00:30:00.000Z' }),
      );
      const response = await get('/overload/stations/hn-a/days/2026-11-29');
      expect(response.statusCode).toBe(200);
      expect(response.json.counters).toMatchObject({ trucksWeighed: 10, overLimit: 4, over80t: 2 });
      expect(response.json.rates.overLimitRate).toBe(0.4);
      expect(response.json.hours).toHaveLength(24);
      expect(response.json.hours[8]).toEqual({ hour: 8, trucksWeighed: 6, overLimit: 3 });
      expect(response.json.hours[0]).toEqual({ hour: 0, trucksWeighed: 0, overLimit: 0 });
      const idsOf = (list: Array<{ recordId: string }>) => list.map((r) => r.recordId);
      expect(idsOf(response.json.heavy.over80t)).toEqual(['h100', 'h95', 'h80']);
      expect(idsOf(response.json.heavy.over90t)).toEqual(['h100', 'h95']);
      expect(idsOf(response.json.heavy.over100t)).toEqual(['h100']);
      expect(response.json.heavy.over100t[0]).toEqual({
        recordId: 'h100',
        measuredAtUtc: '2026-11-29T00:30:00.000Z',
        plate: '琼A12345',
        grossWeightKg: 100_000,
        limitKg: 49_000,
        overLimitKg: 12_000,
        band: '20-50',
        disposition: 'alerted',
        alertId: overloadAlertId('hn-a', 'h100'),
      });
      expect(response.json.heavy.over90t[1]).not.toHaveProperty('plate');
    });

    it.each([
      ['a date that does not exist', '/overload/stations/hn-a/days/2026-02-30', 400],
      ['not a date', '/overload/stations/hn-a/days/today', 400],
      ['a station id that cannot be one', '/overload/stations/a%20b/days/2026-11-29', 404],
    ])('station-day: %s → %s', async (_, path, status) => {
      expect((await get(path)).statusCode).toBe(status);
    });

    it("pages a station's over-limit records newest first over a range", async () => {
      for (let i = 0; i < 5; i++) overLimit.items.push(record(`r${i}`, { measuredAtUtc: hoursAgo(i + 1) }));
      overLimit.items.push(record('old', { measuredAtUtc: hoursAgo(25) }), record('b', { stationId: 'hn-b' }));
      expect((await allPages('/overload/stations/hn-a/records', { limit: '2' })).flat()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      expect((await allPages('/overload/stations/hn-a/records', { from: hoursAgo(26), to: hoursAgo(4) })).flat()).toEqual(['r3', 'r4', 'old']);
      expect((await get('/overload/stations/hn-a/records', {}, operator)).statusCode).toBe(403);
    });
  });

  describe('GET /overload/offenders', () => {
    it('counts alerts per vehicle over the range, most alerted first, then the most recent', async () => {
      alerts.put(
        alert('a1', { measuredAtUtc: hoursAgo(1), overLimitKg: 5_000 }),
        alert('a2', { measuredAtUtc: hoursAgo(48), stationId: 'hn-b', overLimitKg: 9_000 }),
        alert('a3', { measuredAtUtc: hoursAgo(24 * 20) }),
        alert('b1', { measuredAtUtc: hoursAgo(2), plateKey: '粤B88888#yellow' }),
        alert('b2', { measuredAtUtc: hoursAgo(3), plateKey: '粤B88888#yellow' }),
        alert('c1', { measuredAtUtc: hoursAgo(1), plateKey: '琼C00001#yellow' }),
        alert('c2', { measuredAtUtc: hoursAgo(24 * 40), plateKey: '琼C00001#yellow' }),
        alert('n1', { measuredAtUtc: hoursAgo(1), plateKey: undefined }),
        alert('n2', { measuredAtUtc: hoursAgo(2), plateKey: undefined }),
      );
      const response = await get('/overload/offenders');
      expect(response.statusCode).toBe(200);
      expect(response.json.items).toEqual([
        { plateKey: '琼A12345#yellow', plate: '琼A12345', alertCount: 3, stationIds: ['hn-a', 'hn-b'], lastAlertAtUtc: hoursAgo(1), maxOverLimitKg: 12_000 },
        { plateKey: '粤B88888#yellow', plate: '粤B88888', alertCount: 2, stationIds: ['hn-a'], lastAlertAtUtc: hoursAgo(2), maxOverLimitKg: 12_000 },
      ]);
      expect((await get('/overload/offenders', { minAlerts: '1', limit: '3' })).json.items.map((i: { plate: string }) => i.plate)).toEqual(['琼A12345', '粤B88888', '琼C00001']);
      // Over 40 days 琼C00001 has two alerts too, and the more recent last alert of the two plates with two.
      expect((await get('/overload/offenders', { from: '2026-10-20T00:00:00+08:00' })).json.items.map((i: { plate: string }) => i.plate)).toEqual(['琼A12345', '琼C00001', '粤B88888']);
      expect((await get('/overload/offenders', { from: '2026-08-01T00:00:00+08:00' })).statusCode).toBe(400);
      expect((await get('/overload/offenders', {}, operator)).statusCode).toBe(403);
    });
  });

  it('local dates of a range, newest first', () => {
    expect(localDatesDescending('2026-11-27T16:00:00.000Z', '2026-11-29T04:00:00.000Z')).toEqual(['2026-11-29', '2026-11-28']);
    expect(localDatesDescending('2026-11-27T15:59:59.999Z', '2026-11-27T16:00:00.000Z')).toEqual(['2026-11-28', '2026-11-27']);
  });
});
