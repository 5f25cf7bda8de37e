/**
 * Supervision end to end on the embedded stack, over real sockets: vehicles registered through the HTTP API, terminals
 * publishing each scenario over MQTT → topic rule → Kinesis emulator → the real fleet handler → dynalite, the sweep
 * run as the schedule would, and a supervisor subscribed to `alerts/supervision/#`. Each scenario must give exactly
 * its expected violations and alerts, reject exactly its malformed messages, and store each distinct report once.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamodb/document-client.ts';
import { DynamoDbDeadLetterStore } from '../../functions/adapters/dynamodb/dead-letter-store.ts';
import { ViolationQueries } from '../../functions/adapters/dynamodb/violation-queries.ts';
import { supervisionAlertV1, type SupervisionAlertV1 } from '../../functions/contracts/supervision-alert.v1.ts';
import { shanghaiDate } from '../../functions/shared/local-time.ts';
import { publishScenario } from '../../devices/fleet/publish.ts';
import { buildScenario, rebaseBefore, type Scenario, type ScenarioName, scenarioNames } from '../../devices/fleet/scenarios.ts';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';


// Placed so that their last report is at least the allowed lateness (300 s) plus a margin before now: the sweep's
// processing-time flush then closes every episode, as it would a few minutes after the vehicles went quiet.
const marginMs = 8 * 60_000;

describe('supervision scenarios on the embedded stack', () => {
  let stack: LocalStack;
  let supervisor: MqttClient;
  const alerts: SupervisionAlertV1[] = [];
  const invalid: string[] = [];
  const scenarios = new Map<ScenarioName, Scenario>();

  beforeAll(async () => {
    stack = await startLocalStack({
      mqttPort: 0,
      dynamodbPort: 0,
      httpPort: 0,
      stage: 'fleet',
      log: () => {},
      scheduleIntervalMs: { fleetSweep: 0 },
      passThroughEnv: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    supervisor = await connectAsync(stack.endpoints.mqttUrl, { clientId: 'supervisor-e2e', clean: true });
    supervisor.on('message', (_topic, payload) => {
      const parsed = supervisionAlertV1.safeParse(JSON.parse(payload.toString('utf8')));
      if (parsed.success) alerts.push(parsed.data);
      else invalid.push(payload.toString('utf8'));
    });
    await supervisor.subscribeAsync('alerts/supervision/#', { qos: 1 });

    const nowMs = Date.now();
    for (const name of scenarioNames) scenarios.set(name, rebaseBefore(buildScenario(name), nowMs, marginMs));

    // Register every scenario vehicle through the registry API, as an administrator would.
    for (const scenario of scenarios.values()) {
      for (const vehicle of scenario.vehicles) {
        const response = await fetch(`${stack.endpoints.iotDataUrl}/api/vehicles/${vehicle.deviceId}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken}` },
          body: JSON.stringify(vehicle),
        });
        expect(response.status, await response.clone().text()).toBeLessThan(300);
      }
    }

    for (const scenario of scenarios.values()) {
      const published = await publishScenario(stack.endpoints.mqttUrl, scenario, { will: false });
      await published.close();
    }
    await stack.drain();
    // The schedule's sweep: silent terminals, and closing the episodes of vehicles that went quiet.
    await stack.runScheduled('fleetSweep');
    await stack.drain();
    await new Promise((r) => setTimeout(r, 300));
  }, 120_000);

  afterAll(async () => {
    await supervisor?.endAsync();
    await stack?.stop();
  });

  it('publishes only well-formed supervision alerts', () => {
    expect(invalid).toEqual([]);
  });

  for (const name of scenarioNames) {
    it(`${name}: exactly the expected violations, each alerted once`, () => {
      const scenario = scenarios.get(name) as Scenario;
      const devices = new Set(scenario.vehicles.map((v) => v.deviceId));
      const mine = alerts.filter((a) => devices.has(a.vehicle.deviceId));
      const got = mine.map((a) => `${a.vehicle.deviceId} ${a.type}`).sort();
      const want = scenario.expected.violations.map((v) => `${v.deviceId} ${v.type}`).sort();
      expect(got).toEqual(want);
      expect(new Set(mine.map((a) => a.alertId)).size).toBe(mine.length);
      for (const expected of scenario.expected.violations) {
        const alert = mine.find((a) => a.vehicle.deviceId === expected.deviceId && a.type === expected.type);
        const startMs = Date.parse(alert?.startAt ?? '');
        expect(startMs).toBeGreaterThanOrEqual(expected.startWindow.fromMs);
        expect(startMs).toBeLessThanOrEqual(expected.startWindow.toMs);
        expect(alert?.evidence.length).toBeGreaterThan(0);
      }
    });
  }

  it('keeps each distinct report once, flagged where it arrived late or from an unregistered device', async () => {
    const ddb = documentClient(stack.dynamo);
    for (const scenario of scenarios.values()) {
      for (const [deviceId, expected] of Object.entries(scenario.expected.distinctReports)) {
        const page = await ddb.send(
          new QueryCommand({ TableName: stack.tableName('positions'), KeyConditionExpression: 'deviceId = :d', ExpressionAttributeValues: { ':d': deviceId }, Select: 'COUNT' }),
        );
        expect(page.Count, `${scenario.name} ${deviceId}`).toBe(expected);
      }
    }
  });

  it('dead-letters exactly the malformed messages, with reasons', async () => {
    const store = new DynamoDbDeadLetterStore(documentClient(stack.dynamo), stack.tableName('deadLetters'));
    const today = [...(await store.listByDate(shanghaiDate(Date.now()))), ...(await store.listByDate(shanghaiDate(Date.now() - 86_400_000)))];
    const fleet = today.filter((d) => d.source === 'fleet-ingest');
    const expected = [...scenarios.values()].reduce((sum, s) => sum + s.expected.rejectedMessages, 0);
    expect(fleet).toHaveLength(expected);
    expect(fleet.every((d) => d.reason && d.details.length > 0)).toBe(true);
  });

  it('records the terminals’ own alarms', async () => {
    const ddb = documentClient(stack.dynamo);
    for (const scenario of scenarios.values()) {
      for (const alarm of scenario.expected.terminalAlarms) {
        const page = await ddb.send(
          new QueryCommand({
            TableName: stack.tableName('vehicleEvents'),
            KeyConditionExpression: 'deviceId = :d',
            FilterExpression: 'kind = :k',
            ExpressionAttributeValues: { ':d': alarm.deviceId, ':k': 'terminal-alarm' },
          }),
        );
        const bits = (page.Items ?? []).map((i) => JSON.parse(String(i.detailsJson)).bit as number);
        expect(bits, `${scenario.name} ${alarm.deviceId}`).toContain(alarm.bit);
      }
    }
  });

  it('makes violations queryable by vehicle, operator, category and type, and tracks by time', async () => {
    const queries = new ViolationQueries(documentClient(stack.dynamo), { violations: stack.tableName('violations'), positions: stack.tableName('positions') });
    const all = { fromUtc: '2000-01-01T00:00:00.000Z', toUtc: '2100-01-01T00:00:00.000Z' };
    const speeding = scenarios.get('speeding') as Scenario;
    const coach = speeding.vehicles[0] as Scenario['vehicles'][number];
    const byVehicle = await queries.violations('byVehicle', coach.deviceId, all);
    expect(byVehicle.items.map((i) => i.type)).toEqual(['speeding']);
    const byOperator = await queries.violations('byOperator', coach.operator, all);
    expect(byOperator.items.map((i) => i.deviceId)).toContain(coach.deviceId);
    const byCategory = await queries.violations('byCategory', 'hazmat', all);
    expect(byCategory.items.map((i) => i.type)).toContain('hazmat-zone');
    const byType = await queries.violations('byType', 'night-coach', all);
    expect(byType.items).toHaveLength(1);
    // A time range that ends before the episode started finds nothing.
    const before = new Date(Number(byVehicle.items[0]?.startMs) - 1).toISOString();
    expect((await queries.violations('byVehicle', coach.deviceId, { fromUtc: all.fromUtc, toUtc: before })).items).toEqual([]);
    const track = await queries.track(coach.deviceId, all);
    expect(track.items).toHaveLength(speeding.expected.distinctReports[coach.deviceId] as number);
    const times = track.items.map((i) => Number(i.tsMs));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('raises nothing twice when every scenario is delivered again and the sweep runs again', async () => {
    const before = alerts.length;
    for (const scenario of scenarios.values()) {
      const published = await publishScenario(stack.endpoints.mqttUrl, scenario, { will: false });
      await published.close();
    }
    await stack.drain();
    await stack.runScheduled('fleetSweep');
    await stack.drain();
    await new Promise((r) => setTimeout(r, 300));
    expect(alerts.length).toBe(before);
  }, 120_000);
});
