/**
 * AWS IoT Core policy documents for the five kinds of MQTT clients Qiongjian knows:
 *
 * - a WIM station (weigh-in-motion lane controller) that only publishes its own records,
 * - an enforcement client (officer tablet, roadside display, back-office consumer) that only receives overload alerts,
 * - a vehicle terminal (车载终端) that only publishes its own telemetry and status, and
 * - a supervisor client (监控平台 / supervision console) that only receives supervision alerts, and
 * - an operator client (operations console, 大屏 display) that only receives the retained green-transport metrics.
 *
 * The documents are built by plain functions so that tests can check them without synthesizing a stack, and so that the
 * local broker (infra/local) can enforce the very same rules. Every resource is an ARN produced by an injected builder:
 * in the stack it is `Stack.formatArn`, which renders `arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:…`
 * with `Fn::Join`, so nothing here hard-codes a partition, region or account and `${iot:…}` policy variables stay
 * literal (they are never inside an `Fn::Sub`).
 *
 * IoT policy reference: https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { topics } from '../topology.ts';

/** IoT policy variable: the thing name of the certificate's attached thing, only set when client id == thing name. */
export const THING_NAME = '${iot:Connection.Thing.ThingName}';

/** Builds a full IoT ARN from the resource part, e.g. `client/foo` → `arn:<partition>:iot:<region>:<account>:client/foo`. */
export type IotArnBuilder = (resource: string) => string;

export interface IotPolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, string>>;
}

export interface IotPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IotPolicyStatement[];
}

/** The ARN builder used by the stack: partition, region and account come from pseudo parameters. */
export function stackIotArnBuilder(scope: IConstruct): IotArnBuilder {
  const stack = Stack.of(scope);
  return (resource) => {
    const slash = resource.indexOf('/');
    return stack.formatArn({
      service: 'iot',
      resource: resource.slice(0, slash),
      resourceName: resource.slice(slash + 1),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  };
}

/** `iot:Connect` only as the client whose id is the caller's own thing name, and only if the cert is attached to it. */
function connectAsOwnThing(arn: IotArnBuilder): IotPolicyStatement {
  return {
    Effect: 'Allow',
    Action: ['iot:Connect'],
    Resource: [arn(`client/${THING_NAME}`)],
    Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
  };
}

/** A device that publishes on its own topics only (each built from the thing-name policy variable). */
function ownTopicsPublisher(arn: IotArnBuilder, ownTopics: readonly string[]): IotPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [connectAsOwnThing(arn), { Effect: 'Allow', Action: ['iot:Publish'], Resource: ownTopics.map((t) => arn(`topic/${t}`)) }],
  };
}

/**
 * A client that may subscribe to and receive everything under a topic prefix and publish nothing. `alsoExact` lists
 * topics at the prefix itself, which `<prefix>/*` does not match.
 */
function prefixSubscriber(arn: IotArnBuilder, prefix: string, alsoExact: readonly string[] = []): IotPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      connectAsOwnThing(arn),
      { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: [...alsoExact.map((t) => arn(`topicfilter/${t}`)), arn(`topicfilter/${prefix}/*`)] },
      { Effect: 'Allow', Action: ['iot:Receive'], Resource: [...alsoExact.map((t) => arn(`topic/${t}`)), arn(`topic/${prefix}/*`)] },
    ],
  };
}

/**
 * WIM station: connect as itself, publish its records on `wim/<own thing name>/records` and its status (the last
 * will) on `wim/<own thing name>/status`, and nothing else.
 * No subscribe/receive (stations get their configuration out of band), no retain, no other station's topic.
 * The rule SQL reads the station id from `topic(2)`, so a station cannot impersonate another one.
 */
export function stationPolicyDocument(arn: IotArnBuilder): IotPolicyDocument {
  return ownTopicsPublisher(arn, [topics.wimRecords(THING_NAME), topics.wimStatus(THING_NAME)]);
}

/**
 * Enforcement client: connect as its own thing (so one leaked certificate cannot kick other clients off by reusing
 * their client id), subscribe to and receive overload alerts of every station. It can publish nothing.
 */
export function enforcementClientPolicyDocument(arn: IotArnBuilder): IotPolicyDocument {
  return prefixSubscriber(arn, topics.overloadAlertsPrefix);
}

/**
 * Vehicle terminal (车载终端): connect as itself, publish its telemetry on `fleet/<own thing name>/telemetry` and its
 * status (the last will) on `fleet/<own thing name>/status`, and nothing else: no subscribe/receive, no other
 * vehicle's topic. The thing name is the device id; the telemetry rule reads it from `topic(2)` (and the presence rule
 * from the client id, which `iot:Connect` pins to the thing name), so a terminal cannot report for another vehicle.
 */
export function vehicleTerminalPolicyDocument(arn: IotArnBuilder): IotPolicyDocument {
  return ownTopicsPublisher(arn, [topics.fleetTelemetry(THING_NAME), topics.fleetStatus(THING_NAME)]);
}

/**
 * Supervisor client (transport-authority console, operator's monitoring seat): connect as its own thing, subscribe to
 * and receive supervision alerts — all of them (`alerts/supervision/#`) or a subset such as
 * `alerts/supervision/coach/+`. It can publish nothing.
 */
export function supervisorClientPolicyDocument(arn: IotArnBuilder): IotPolicyDocument {
  return prefixSubscriber(arn, topics.supervisionAlertsPrefix);
}

/**
 * Operator client (operations console, wall display): connect as its own thing, subscribe to and receive the retained
 * green-transport metrics — the province on `metrics/green` and each city on `metrics/green/<city code>` (filters such
 * as `metrics/green`, `metrics/green/+` or `metrics/green/#`). The province topic has no level below the prefix, so it
 * is listed on its own: `…/metrics/green/*` does not match `…/metrics/green`. It can publish nothing (the snapshot
 * function alone publishes there) and receives no alerts.
 */
export function operatorClientPolicyDocument(arn: IotArnBuilder): IotPolicyDocument {
  return prefixSubscriber(arn, topics.greenMetricsPrefix, [topics.greenMetricsProvince]);
}
