/**
 * The console in a real browser (Debian's Chromium through playwright-core) against the real embedded stack: the
 * static site, `/config.json`, the HTTP API with development tokens and MQTT over WebSocket, all on the stack's HTTP
 * port. An over-limit WIM record goes through the whole pipeline and must appear in the feed, open its evidence and
 * be acknowledged; the green figures a snapshot computed must be the ones shown; a station's day, the repeat
 * offenders and a vehicle's detail and track must show what the API serves. Nothing is mocked.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`) or CHROMIUM_PATH; QJ_SKIP_BROWSER_TESTS=1 skips the suite.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { connectAsync } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium, skipBrowserTests } from '../support/chromium.ts';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbVehicleStore } from '../../functions/adapters/dynamodb/vehicle-store.ts';
import { DynamoDbWimConfigStore } from '../../functions/adapters/dynamodb/wim-config-store.ts';
import type { GreenFleetMetricsV1 } from '../../functions/contracts/green-metrics.v1.ts';
import type { TelemetryReportV1 } from '../../functions/contracts/telemetry.v1.ts';
import type { VehicleV1 } from '../../functions/contracts/vehicle.v1.ts';
import { shanghaiDate, toShanghaiIso } from '../../functions/shared/local-time.ts';
import { overloadAlertId } from '../../functions/wim/alert.ts';
import { publishRecords } from '../../devices/simulator/scripted.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';
import { sixAxleRecord } from '../support/wim-records.ts';


const artifacts = resolve(import.meta.dirname, '../../test-artifacts');
const station = 'hn-console-k7';
const stationName = '浏览器测试超限检测站';
const overLimitRecord = sixAxleRecord({ recordId: 'console-1', stationId: station, measuredAt: toShanghaiIso(Date.now() - 60_000), grossWeightKg: 62_000 });
const alertId = overloadAlertId(station, 'console-1');

// A small Haikou fleet for the green figures: one electric and one diesel bus, one electric taxi.
const base = { plateColor: 'green', operator: '海口公交集团', city: '海口市', inService: true } as const;
const fleet: Array<{ vehicle: VehicleV1; kWhPerKm?: number; fuelLPerKm?: number }> = [
  { vehicle: { ...base, deviceId: 'cs-bus-e1', plate: '琼A·D1001', category: 'bus', energyType: 'bev' }, kWhPerKm: 1.1 },
  { vehicle: { ...base, deviceId: 'cs-bus-d1', plate: '琼A·11002', plateColor: 'yellow', category: 'bus', energyType: 'diesel' }, fuelLPerKm: 0.35 },
  { vehicle: { ...base, deviceId: 'cs-taxi-e1', plate: '琼A·D1003', category: 'taxi', energyType: 'bev' }, kWhPerKm: 0.15 },
];
const minutes = 20;

// A ≥ 80 t truck (same plate as the 62 t one: a repeat offender) and a coach near Sanya with a track and a speeding episode.
const heavyRecordId = 'console-85t';
const coach: VehicleV1 = { deviceId: 'cs-coach-1', plate: '琼B·C2001', plateColor: 'yellow', category: 'coach', energyType: 'diesel', operator: '海南海汽运输集团', city: '三亚市', inService: true };
const coachReports = 41;

function coachTrack(endMs: number): TelemetryReportV1[] {
  return Array.from({ length: coachReports }, (_, i) => ({
    deviceId: coach.deviceId,
    seq: i,
    ts: toShanghaiIso(endMs - (coachReports - 1 - i) * 30_000),
    lat: 18.3 + i * 0.003,
    lon: 109.5 + i * 0.004,
    speedKmh: i >= 20 && i < 28 ? 118 : 70,
    headingDeg: 50,
    odometerKm: 80_000 + i * 0.5,
    ignition: true,
    driverId: 'D-460200',
  }));
}

interface StationDay {
  counters: { trucksWeighed: number; overLimit: number };
  rates: Record<'overLimitRate' | 'overLimitRateExcluding10' | 'overLimitRateExcluding20', number>;
  hours: Array<{ hour: number; trucksWeighed: number; overLimit: number }>;
  heavy: Record<'over80t' | 'over90t' | 'over100t', Array<{ recordId: string; grossWeightKg: number }>>;
}

function reportsOf(d: (typeof fleet)[number], startMs: number): TelemetryReportV1[] {
  return Array.from({ length: minutes + 1 }, (_, i) => ({
    deviceId: d.vehicle.deviceId,
    seq: i,
    ts: toShanghaiIso(startMs + i * 60_000),
    lat: 19.95 + i * 0.008993,
    lon: 110.3,
    speedKmh: 60,
    headingDeg: 0,
    odometerKm: 20_000 + i,
    ignition: true,
    ...(d.kWhPerKm === undefined ? {} : { energyKWh: 1_000 + i * d.kWhPerKm }),
    ...(d.fuelLPerKm === undefined ? {} : { fuelL: 500 + i * d.fuelLPerKm }),
  }));
}

describe.skipIf(skipBrowserTests)('the console in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${stack.endpoints.consoleUrl}api${path}`, { headers: { authorization: `Bearer ${stack.devToken}` } });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    requireChromium();
    stack = await startLocalStack({
      mqttPort: 0,
      dynamodbPort: 0,
      httpPort: 0,
      stage: 'console',
      log: () => {},
      scheduleIntervalMs: { fleetSweep: 0, greenSnapshot: 0 },
      passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    const ddb = documentClient(stack.dynamo);
    await new DynamoDbWimConfigStore(ddb, stack.tableName('wimConfig')).putStation({ stationId: station, name: stationName, accuracyClass: 'class-5', lat: 19.6, lon: 110.1 });

    // Green: drive the fleet, let the sweep apply what the lateness held back, then snapshot as the schedule would.
    await new DynamoDbVehicleStore(ddb, stack.tableName('vehicles')).putMany(fleet.map((f) => f.vehicle));
    let endMs = Date.now() - 8 * 60_000;
    if (shanghaiDate(endMs - minutes * 60_000) !== shanghaiDate(endMs)) endMs -= 3_600_000;
    for (const d of fleet) {
      const client = await connectAsync(stack.endpoints.mqttUrl, { clientId: d.vehicle.deviceId, clean: true, reconnectPeriod: 0 });
      for (const report of reportsOf(d, endMs - minutes * 60_000)) await client.publishAsync(`fleet/${d.vehicle.deviceId}/telemetry`, JSON.stringify(report), { qos: 1 });
      await client.endAsync();
    }
    await stack.drain();
    await stack.runScheduled('fleetSweep');
    await stack.runScheduled('greenSnapshot');

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Failed requests are asserted where they matter; script errors and CSP violations always fail the suite.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
    });
    await page.goto(stack.endpoints.consoleUrl);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('loads, in Chinese, and goes live', async () => {
    await expect(page.title()).resolves.toContain('琼监');
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('connection-status').textContent()).resolves.toBe('实时连接正常');
    expect(pageErrors).toEqual([]);
  });

  it('shows an overload alert published through the pipeline, live and again after a reload', async () => {
    await publishRecords(stack.endpoints.mqttUrl, [{ record: overLimitRecord }]);
    const item = page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`);
    await item.waitFor({ timeout: 15_000 });
    const text = (await item.textContent()) ?? '';
    expect(text).toContain('琼A12345');
    expect(text).toContain(stationName);
    // 62 000 kg against 49 000 kg: 13 000 kg, 26.5 %, band 20–50 %. Time in Asia/Shanghai although the browser is in London.
    expect(text).toContain('13,000');
    expect(text).toContain('26.5 %');
    expect(text).toContain('20-50 %');
    expect(text).toContain(overLimitRecord.measuredAt.slice(11, 19));

    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    await expect(page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`).count()).resolves.toBe(1);
  });

  it('opens the evidence and acknowledges the alert; another console watching the same alert sees it taken', async () => {
    // A colleague's console, with the same alert's evidence open.
    const colleagueContext = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN' });
    const colleague = await colleagueContext.newPage();
    await colleague.goto(stack.endpoints.consoleUrl);
    await colleague.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await colleague.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"] button`).click();
    await colleague.getByTestId('evidence-panel').getByTestId('ack-form').waitFor({ timeout: 10_000 });

    await page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"] button`).click();
    const panel = page.getByTestId('evidence-panel');
    await panel.getByTestId('evidence-overload').waitFor({ timeout: 10_000 });
    await expect(panel.getByTestId('evidence-gross').textContent()).resolves.toBe('62,000 kg');
    await expect(panel.getByTestId('evidence-over').textContent()).resolves.toBe('13,000 kg (26.5 %)');

    await panel.getByTestId('ack-outcome').selectOption('intercepted');
    await panel.getByTestId('ack-note').fill('G98 收费站拦截');
    await panel.getByTestId('ack-submit').click();
    const result = panel.getByTestId('ack-result');
    await result.waitFor({ timeout: 10_000 });
    await expect(result.textContent()).resolves.toContain('已拦截');
    await expect(page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`).getAttribute('data-status')).resolves.toBe('acknowledged');

    const stored = await api<Record<string, unknown>>(`/overload/alerts/${encodeURIComponent(alertId)}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ alertId, status: 'acknowledged', acknowledgement: { outcome: 'intercepted', note: 'G98 收费站拦截' } });

    // Over MQTT (alerts/overload/{station}/acknowledgement), without a reload: the feed item and the open form.
    await colleague.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"][data-status="acknowledged"]`).waitFor({ timeout: 10_000 });
    const colleagueResult = colleague.getByTestId('evidence-panel').getByTestId('ack-result');
    await colleagueResult.waitFor({ timeout: 10_000 });
    await expect(colleagueResult.textContent()).resolves.toContain('G98 收费站拦截');
    await expect(colleague.getByTestId('evidence-panel').getByTestId('ack-form').count()).resolves.toBe(0);
    await colleagueContext.close();
  });

  it('shows the green figures the API serves', async () => {
    const current = await api<{ periods: { day: { fleets: Record<string, GreenFleetMetricsV1> } } }>('/metrics/green/current');
    expect(current.status).toBe(200);
    const fleets = current.body.periods.day.fleets;
    expect(fleets.bus?.registered).toBe(2);
    for (const fleetName of ['bus', 'taxi', 'all']) {
      for (const metric of ['newEnergyShare', 'cleanEnergyShare', 'electricVehicleKm', 'co2AvoidedKg'] as const) {
        const value = fleets[fleetName]?.[metric] as number;
        const figure = page.locator(`[data-testid="green-figure"][data-fleet="${fleetName}"][data-metric="${metric}"]`);
        await expect(figure.getAttribute('data-value'), `${fleetName} ${metric}`).resolves.toBe(String(value));
        const shown = (await figure.getByTestId('green-figure-value').textContent()) ?? '';
        const expected = metric.endsWith('Share') ? `${(value * 100).toFixed(1)} %` : value.toLocaleString('zh-CN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
        expect(shown, `${fleetName} ${metric}`).toContain(expected);
      }
    }
    // The bus fleet's clean-energy target (100 %) is drawn and not met (1 of 2 buses).
    await expect(page.locator('[data-testid="green-figure"][data-fleet="bus"][data-metric="cleanEnergyShare"]').getAttribute('class')).resolves.toContain('not-met');
    await expect(page.locator('[data-testid="green-trends"] svg').count()).resolves.toBeGreaterThan(0);
  });

  it("opens a station's day from the station table: the figures, hours and heavy lists the API serves", async () => {
    // A ≥ 80 t record through the pipeline, like the 62 t one.
    const heavyRecord = sixAxleRecord({ recordId: heavyRecordId, stationId: station, measuredAt: toShanghaiIso(Date.now() - 30_000), grossWeightKg: 85_000 });
    await publishRecords(stack.endpoints.mqttUrl, [{ record: heavyRecord }]);
    await page.locator(`[data-testid="alert-item"][data-alert-id="${overloadAlertId(station, heavyRecordId)}"]`).waitFor({ timeout: 15_000 });
    await stack.drain();

    const date = shanghaiDate(Date.now());
    const day = await api<StationDay>(`/overload/stations/${station}/days/${date}`);
    expect(day.status).toBe(200);
    expect(day.body.heavy.over80t.map((r) => r.recordId)).toEqual([heavyRecordId]);
    expect(day.body.counters.overLimit).toBeGreaterThanOrEqual(2);

    // Reloaded: the station list and the offenders include the new record (both are read on load).
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid="station-row"][data-station-id="${station}"]`).click();
    const detail = page.getByTestId('evidence-panel').getByTestId('station-detail');
    const chart = detail.getByTestId('station-hourly-chart');
    await chart.waitFor({ timeout: 10_000 });
    await expect(detail.getAttribute('data-date')).resolves.toBe(date);
    await expect(page.locator(`[data-testid="station-row"][data-station-id="${station}"]`).getAttribute('class')).resolves.toContain('selected');

    const figure = (metric: string) => detail.locator(`[data-testid="station-figure"][data-metric="${metric}"]`);
    for (const metric of ['trucksWeighed', 'overLimit'] as const) {
      await expect(figure(metric).getAttribute('data-value'), metric).resolves.toBe(String(day.body.counters[metric]));
      await expect(figure(metric).getByTestId('station-figure-value').textContent(), metric).resolves.toBe(day.body.counters[metric].toLocaleString('zh-CN'));
    }
    for (const metric of ['overLimitRate', 'overLimitRateExcluding10', 'overLimitRateExcluding20'] as const) {
      await expect(figure(metric).getAttribute('data-value'), metric).resolves.toBe(String(day.body.rates[metric]));
      await expect(figure(metric).getByTestId('station-figure-value').textContent(), metric).resolves.toBe(`${(day.body.rates[metric] * 100).toFixed(1)} %`);
    }
    // 24 hours, two bars each, the API's numbers.
    for (const series of ['trucksWeighed', 'overLimit'] as const) {
      const values = await chart.locator(`rect[data-series="${series}"]`).evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute('data-value'))));
      expect(values, series).toEqual(day.body.hours.map((hour) => hour[series]));
    }
    // The 85 t truck is in the ≥ 80 t list, the 62 t one is not; nothing reaches 90 t.
    const list80 = detail.getByTestId('heavy-list-80');
    await expect(list80.locator(`[data-record-id="${heavyRecordId}"]`).count()).resolves.toBe(1);
    await expect(list80.locator('[data-record-id="console-1"]').count()).resolves.toBe(0);
    await expect(list80.locator('[data-testid="heavy-row"]').count()).resolves.toBe(day.body.heavy.over80t.length);
    expect(await list80.textContent()).toContain('85,000');
    for (const testid of ['heavy-list-90', 'heavy-list-100']) await expect(detail.getByTestId(testid).locator('[data-testid="heavy-row"]').count(), testid).resolves.toBe(0);

    // Repeat offenders (last 30 days): the plate alerted at 62 t and at 85 t, as the API lists it.
    const offenders = await api<{ items: Array<{ plateKey: string; alertCount: number }> }>('/overload/offenders');
    expect(offenders.body.items.find((o) => o.plateKey === '琼A12345#yellow')?.alertCount).toBe(2);
    const rows = page.getByTestId('offenders').locator('[data-testid="offender-row"]');
    await expect(rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-plate-key'), Number(tr.getAttribute('data-alert-count'))]))).resolves.toEqual(
      offenders.body.items.map((o) => [o.plateKey, o.alertCount]),
    );

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: resolve(artifacts, 'station-detail.png') });

    // Another day from the date input: yesterday had nothing at this station.
    const yesterday = shanghaiDate(Date.now() - 86_400_000);
    await detail.getByTestId('station-date').fill(yesterday);
    await page.locator(`[data-testid="station-detail"][data-date="${yesterday}"] [data-testid="station-hourly-chart"]`).waitFor({ timeout: 10_000 });
    await expect(page.locator('[data-testid="station-figure"][data-metric="trucksWeighed"]').getAttribute('data-value')).resolves.toBe('0');
    expect(pageErrors).toEqual([]);
  });

  it('opens a vehicle from its map marker as admin: plate, driving clocks, violations and its track on the map', async () => {
    await new DynamoDbVehicleStore(documentClient(stack.dynamo), stack.tableName('vehicles')).putMany([coach]);
    const client = await connectAsync(stack.endpoints.mqttUrl, { clientId: coach.deviceId, clean: true, reconnectPeriod: 0 });
    for (const report of coachTrack(Date.now() - 2 * 60_000)) await client.publishAsync(`fleet/${coach.deviceId}/telemetry`, JSON.stringify(report), { qos: 1 });
    await client.endAsync();
    await stack.drain();
    await stack.runScheduled('fleetSweep');

    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid="vehicle-marker"][data-device-id="${coach.deviceId}"]`).click();
    const detail = page.getByTestId('evidence-panel').getByTestId('vehicle-detail');
    await detail.getByTestId('vehicle-track-summary').waitFor({ timeout: 10_000 });
    await expect(detail.getByTestId('vehicle-plate').textContent()).resolves.toContain(coach.plate);
    await expect(detail.getByTestId('vehicle-driving').count()).resolves.toBe(1);

    const track = await api<{ items: Array<{ lat: number; lon: number }>; cursor?: string }>(`/supervision/vehicles/${coach.deviceId}/track?limit=1000`);
    expect(track.status).toBe(200);
    expect(track.body.cursor).toBeUndefined();
    expect(track.body.items).toHaveLength(coachReports);
    const polyline = page.getByTestId('map').getByTestId('vehicle-track');
    await expect(polyline.getAttribute('data-device-id')).resolves.toBe(coach.deviceId);
    const points = ((await polyline.getAttribute('points')) ?? '').trim().split(/\s+/);
    expect(points).toHaveLength(track.body.items.length);

    const violations = await api<{ items: unknown[] }>(`/supervision/violations?deviceId=${coach.deviceId}`);
    await expect(detail.getByTestId('vehicle-violations').getAttribute('data-count')).resolves.toBe(String(violations.body.items.length));

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: resolve(artifacts, 'vehicle-detail.png') });
    expect(pageErrors).toEqual([]);
  });

  it('switches to English and leaves a screenshot', async () => {
    await mkdir(artifacts, { recursive: true });
    // The vehicle's panel is still open: closing it takes its track off the map.
    await page.getByTestId('evidence-close').click();
    await expect(page.getByTestId('vehicle-track').count()).resolves.toBe(0);
    await page.screenshot({ path: resolve(artifacts, 'console.png'), fullPage: true });
    await page.getByTestId('language-toggle').click();
    await expect(page.getByTestId('connection-status').textContent()).resolves.toBe('Live');
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.screenshot({ path: resolve(artifacts, 'console-tablet-en.png'), fullPage: true });

    // The panels on a portrait tablet, in English (a sheet over the lower half; the map stays in view).
    await page.locator(`[data-testid="station-row"][data-station-id="${station}"]`).click();
    await page.getByTestId('station-hourly-chart').waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('station-detail').textContent()).resolves.toContain('Over-limit rate');
    await page.screenshot({ path: resolve(artifacts, 'station-detail-tablet-en.png') });
    await page.locator(`[data-testid="vehicle-marker"][data-device-id="${coach.deviceId}"]`).click();
    await page.getByTestId('vehicle-track-summary').waitFor({ timeout: 10_000 });
    await expect(page.locator('[data-testid="station-row"].selected').count()).resolves.toBe(0);
    await expect(page.getByTestId('vehicle-track').count()).resolves.toBe(1);
    await page.screenshot({ path: resolve(artifacts, 'vehicle-detail-tablet-en.png') });
    await page.getByTestId('evidence-close').click();
    expect(pageErrors).toEqual([]);
  });

  it('shows an operator only the green panels and the map', async () => {
    const operator = await context.newPage();
    await operator.goto(stack.endpoints.consoleUrl);
    await operator.getByTestId('role-select').selectOption('operator');
    await operator.locator('body[data-ready="true"][data-roles="operator"]').waitFor({ timeout: 15_000 });
    await expect(operator.getByTestId('alert-feed-section').isVisible()).resolves.toBe(false);
    await expect(operator.getByTestId('green-panel').isVisible()).resolves.toBe(true);
    await expect(operator.getByTestId('offenders-card').isVisible()).resolves.toBe(false);
    // A station or a vehicle opens with what the listings carry: the day's routes and the vehicle's are not theirs.
    await operator.locator(`[data-testid="station-row"][data-station-id="${station}"]`).click();
    await operator.getByTestId('station-detail').getByTestId('station-limited').waitFor({ timeout: 10_000 });
    await expect(operator.getByTestId('station-hourly-chart').count()).resolves.toBe(0);
    await operator.locator(`[data-testid="vehicle-marker"][data-device-id="${coach.deviceId}"]`).click();
    await operator.getByTestId('vehicle-detail').getByTestId('vehicle-limited').waitFor({ timeout: 10_000 });
    await expect(operator.getByTestId('vehicle-plate').textContent()).resolves.toContain(coach.plate);
    await expect(operator.getByTestId('vehicle-track').count()).resolves.toBe(0);
    await operator.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
    await operator.close();
  });
});
