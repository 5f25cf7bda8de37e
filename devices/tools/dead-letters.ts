/**
 * Inspect and replay dead letters.
 *   npm run dlq -- list [YYYY-MM-DD]        dead letters received that day (Asia/Shanghai), default today
 *   npm run dlq -- show <deadLetterId>      one dead letter with its payload
 *   npm run dlq -- replay <deadLetterId>…   publish the original bytes again on the original topic
 *   npm run dlq -- replay --date YYYY-MM-DD [--reason R]   replay a day's dead letters
 * Replaying is safe: a record that was already stored is not stored or counted again, and a record that is still bad
 * goes back to the same dead letter.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { DynamoDbDeadLetterStore, type StoredDeadLetter } from '../../functions/adapters/dynamodb/dead-letter-store.ts';
import { documentClientFromEnv } from '../../functions/adapters/dynamodb/document-client.ts';
import { clientConfig } from '../../functions/shared/aws-client-config.ts';
import { shanghaiDate } from '../../functions/shared/local-time.ts';
import { commonEnv } from '../../infra/topology.ts';
import { tableFromEnv, toolEnv } from './cli-env.ts';

export async function replayDeadLetters(
  store: DynamoDbDeadLetterStore,
  iot: IoTDataPlaneClient,
  deadLetters: readonly StoredDeadLetter[],
  log: (line: string) => void,
): Promise<number> {
  let replayed = 0;
  for (const dl of deadLetters) {
    if (!dl.topic || dl.payloadBase64 === undefined) {
      log(`skip ${dl.deadLetterId}: no topic or payload to replay (${dl.source}/${dl.reason})`);
      continue;
    }
    await iot.send(new PublishCommand({ topic: dl.topic, qos: 1, payload: Buffer.from(dl.payloadBase64, 'base64') }));
    await store.markReplayed(dl.deadLetterId, Date.now());
    replayed++;
    log(`replayed ${dl.deadLetterId} → ${dl.topic}`);
  }
  return replayed;
}

function summarize(dl: StoredDeadLetter): string {
  return `${dl.deadLetterId}  ${dl.receivedAtUtc}  ${dl.source}/${dl.reason}  ${dl.topic ?? '-'}  ${dl.details[0] ?? ''}`;
}

async function main(argv: string[]): Promise<number> {
  const env = toolEnv();
  const store = new DynamoDbDeadLetterStore(documentClientFromEnv(env), tableFromEnv(env, 'deadLetters'));
  const [command, ...args] = argv;
  switch (command) {
    case 'list': {
      const date = args[0] ?? shanghaiDate(Date.now());
      const items = await store.listByDate(date);
      for (const dl of items) console.log(summarize(dl));
      console.log(`${items.length} dead letter(s) on ${date}`);
      return 0;
    }
    case 'show': {
      const dl = args[0] ? await store.get(args[0]) : undefined;
      if (!dl) {
        console.error(`no dead letter ${args[0] ?? '(missing id)'}`);
        return 1;
      }
      const payload = dl.payloadBase64 ? Buffer.from(dl.payloadBase64, 'base64').toString('utf8') : undefined;
      console.log(JSON.stringify({ ...dl, payload }, null, 2));
      return 0;
    }
    case 'replay': {
      const iot = new IoTDataPlaneClient(clientConfig(env, commonEnv.iotDataEndpoint));
      let items: StoredDeadLetter[];
      const dateFlag = args.indexOf('--date');
      if (dateFlag >= 0) {
        const reasonFlag = args.indexOf('--reason');
        const reason = reasonFlag >= 0 ? args[reasonFlag + 1] : undefined;
        items = (await store.listByDate(args[dateFlag + 1] ?? shanghaiDate(Date.now()))).filter((dl) => !reason || dl.reason === reason);
      } else {
        items = (await Promise.all(args.map((id) => store.get(id)))).filter((dl): dl is StoredDeadLetter => dl !== undefined);
      }
      const count = await replayDeadLetters(store, iot, items, (line) => console.log(line));
      console.log(`${count} replayed`);
      return 0;
    }
    default:
      console.error('usage: npm run dlq -- list [YYYY-MM-DD] | show <id> | replay <id>… | replay --date YYYY-MM-DD [--reason R]');
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`dlq: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
