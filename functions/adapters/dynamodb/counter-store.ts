/**
 * Hourly station counters (Asia/Shanghai hours), one item per (station, `YYYY-MM-DDTHH`). Each item also holds the set
 * of record ids it has counted — the ledger that makes the increments exactly-once without transactions: an update
 * adds its ids and its sums only if none of its ids is in the set yet. At a busy station's 3 600 trucks an hour the set
 * stays far below DynamoDB's 400 KB item limit. Daily figures are the sum of the day's 24 items.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StationCountersValue } from '../../domain/overload/station-stats.ts';
import type { CounterContribution, CounterStore, CounterUpdate } from '../../wim/ports.ts';
import { chunk, isConditionalCheckFailed } from './document-client.ts';

/** ~30 characters of condition per id: 100 ids keep it below DynamoDB's 4 KB expression limit. */
const idsPerUpdate = 100;

export class DynamoDbCounterStore implements CounterStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(update: CounterUpdate): Promise<ReadonlySet<string>> {
    const counted = new Set<string>();
    for (const part of chunk(update.contributions, idsPerUpdate)) {
      try {
        await this.add(update, part);
        for (const c of part) counted.add(c.recordId);
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // Some id of this part was counted by an earlier delivery: fall back to one guarded update per record.
        for (const c of part) {
          try {
            await this.add(update, [c]);
            counted.add(c.recordId);
          } catch (single) {
            if (!isConditionalCheckFailed(single)) throw single;
          }
        }
      }
    }
    return counted;
  }

  private async add(update: CounterUpdate, contributions: readonly CounterContribution[]): Promise<void> {
    const totals = sumIncrements(contributions.map((c) => c.increment));
    const names: Record<string, string> = { '#ids': 'countedRecordIds', '#localDate': 'localDate' };
    const values: Record<string, unknown> = {
      ':ids': new Set(contributions.map((c) => c.recordId)),
      ':localDate': update.localHour.slice(0, 10),
    };
    const adds = ['#ids :ids'];
    let n = 0;
    for (const [field, amount] of Object.entries(totals)) {
      if (amount === 0) continue;
      names[`#f${n}`] = field;
      values[`:f${n}`] = amount;
      adds.push(`#f${n} :f${n}`);
      n++;
    }
    const notCounted = contributions.map((c, i) => {
      values[`:r${i}`] = c.recordId;
      return `NOT contains(#ids, :r${i})`;
    });
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { stationId: update.stationId, localHour: update.localHour },
        UpdateExpression: `SET #localDate = :localDate ADD ${adds.join(', ')}`,
        ConditionExpression: `attribute_not_exists(#ids) OR (${notCounted.join(' AND ')})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}

export function sumIncrements(increments: readonly StationCountersValue[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const increment of increments) {
    for (const [field, amount] of Object.entries(increment)) totals[field] = (totals[field] ?? 0) + (amount as number);
  }
  return totals;
}
