/**
 * Publishes alerts through the AWS IoT data plane (HTTPS). In the cloud the endpoint is the account's iot:Data-ATS
 * endpoint, resolved at deploy time; on the local stack it is the stack's data-plane shim, which publishes into the
 * embedded broker. Same client, same calls.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { OverloadAlertV1 } from '../../contracts/overload-alert.v1.ts';
import type { AlertPublisher } from '../../wim/ports.ts';
import { clientConfig, requireEnv, type Env } from '../../shared/aws-client-config.ts';
import { commonEnv } from '../../../infra/topology.ts';

export function iotDataClientFromEnv(env: Env): IoTDataPlaneClient {
  requireEnv(env, commonEnv.iotDataEndpoint);
  return new IoTDataPlaneClient(clientConfig(env, commonEnv.iotDataEndpoint));
}

/** Publishes any JSON message at QoS 1; the typed publishers below are thin wrappers. */
export class IotJsonPublisher {
  constructor(private readonly client: IoTDataPlaneClient) {}

  async publishJson(topic: string, message: unknown, options: { retain?: boolean } = {}): Promise<void> {
    await this.client.send(
      new PublishCommand({
        topic,
        qos: 1,
        ...(options.retain ? { retain: true } : {}),
        contentType: 'application/json',
        payload: Buffer.from(JSON.stringify(message), 'utf8'),
      }),
    );
  }
}

export class IotAlertPublisher implements AlertPublisher {
  private readonly json: IotJsonPublisher;

  constructor(client: IoTDataPlaneClient) {
    this.json = new IotJsonPublisher(client);
  }

  publish(topic: string, alert: OverloadAlertV1): Promise<void> {
    return this.json.publishJson(topic, alert);
  }
}
