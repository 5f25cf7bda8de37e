/**
 * The WIM ingest use case: one stream batch in, readings, over-limit records, counters, alerts and dead letters out.
 *
 * "Nothing lost, nothing doubled" without transactions (dynalite has none), in two phases:
 *   1. readings and over-limit records are written with BatchWriteItem: idempotent overwrites, since their content
 *      derives from the record only;
 *   2. then, in parallel, alerts (look the deterministic alert ids up in the alert ledger, publish the missing ones,
 *      record them) and station counters (added only for record ids the counter has not counted yet).
 * A failure anywhere reports the record for retry, and every step repeats safely. The one window that can repeat an
 * alert on the wire (published, then the ledger write failed) repeats it with the same `alertId`.
 */
import { ingestEnvelope, type IngestEnvelope } from '../contracts/ingest-envelope.ts';
import { wimRecordV1, type WimRecordV1 } from '../contracts/wim-record.v1.ts';
import { defaultStationProfile, judgeWimRecord } from '../domain/overload/judge.ts';
import { plateKey } from '../domain/overload/plate.ts';
import { checkPlausibility } from '../domain/overload/plausibility.ts';
import type { OverloadRules } from '../domain/overload/rules-config.ts';
import { countersFor } from '../domain/overload/station-stats.ts';
import type { OverloadPermit, StationProfile } from '../domain/overload/types.ts';
import { deadLetterIdFor, type DeadLetter, type DeadLetterReason } from '../shared/dead-letter.ts';
import { shanghaiHour } from '../shared/local-time.ts';
import { topics } from '../../infra/topology.ts';
import { buildOverloadAlert, overloadAlertId } from './alert.ts';
import type { CounterContribution, JudgedReading, PublishedAlert, WimIngestPorts } from './ports.ts';

export interface StreamRecordIn {
  /** Stream sequence number: the identifier reported back on failure. */
  readonly id: string;
  /** Stream record data, base64 as Kinesis delivers it. */
  readonly dataBase64: string;
}

export interface IngestOptions {
  readonly rules: OverloadRules;
  readonly deadLetterRetentionDays: number;
  /** How many over-limit records are upserted and alerted at once. */
  readonly alertConcurrency?: number;
}

export interface IngestSummary {
  received: number;
  readingsWritten: number;
  duplicatesInBatch: number;
  alreadyCounted: number;
  overLimit: number;
  enforceable: number;
  alertsPublished: number;
  alertsAlreadyPublished: number;
  deadLettered: number;
  failed: number;
}

export interface IngestOutcome {
  /** Ids of records to retry (infrastructure failures only: bad input is dead-lettered, not retried). */
  readonly failedIds: readonly string[];
  readonly summary: IngestSummary;
}

interface ValidRecord {
  readonly id: string;
  readonly envelope: IngestEnvelope;
  readonly record: WimRecordV1;
  readonly measuredAtMs: number;
}

type Triage =
  | { readonly kind: 'valid'; readonly value: ValidRecord }
  | { readonly kind: 'rejected'; readonly id: string; readonly deadLetter: DeadLetter };

export async function ingestWimBatch(
  records: readonly StreamRecordIn[],
  ports: WimIngestPorts,
  options: IngestOptions,
): Promise<IngestOutcome> {
  const nowMs = ports.nowMs();
  const summary: IngestSummary = {
    received: records.length,
    readingsWritten: 0,
    duplicatesInBatch: 0,
    alreadyCounted: 0,
    overLimit: 0,
    enforceable: 0,
    alertsPublished: 0,
    alertsAlreadyPublished: 0,
    deadLettered: 0,
    failed: 0,
  };
  const failed = new Set<string>();

  const valid: ValidRecord[] = [];
  const rejected: Array<{ id: string; deadLetter: DeadLetter }> = [];
  const seen = new Map<string, ValidRecord>();
  for (const streamRecord of records) {
    const triage = triageRecord(streamRecord, nowMs, options.rules);
    if (triage.kind === 'rejected') {
      rejected.push(triage);
      continue;
    }
    const key = `${triage.value.record.stationId}\n${triage.value.record.recordId}`;
    const earlier = seen.get(key);
    if (!earlier) {
      seen.set(key, triage.value);
      valid.push(triage.value);
    } else if (earlier.envelope.payloadBase64 === triage.value.envelope.payloadBase64) {
      summary.duplicatesInBatch++;
    } else {
      rejected.push({
        id: triage.value.id,
        deadLetter: deadLetterOf(triage.value.envelope, 'duplicate-conflict', nowMs, triage.value.id, [
          `record ${triage.value.record.recordId} of station ${triage.value.record.stationId} arrived twice in one batch with different contents; the first was kept`,
        ]),
      });
    }
  }

  await Promise.all(
    rejected.map(async ({ id, deadLetter }) => {
      ports.logger.warn('WIM record rejected', {
        reason: deadLetter.reason,
        details: deadLetter.details,
        topic: deadLetter.topic,
        stationId: deadLetter.stationId,
        deadLetterId: deadLetter.deadLetterId,
      });
      try {
        await ports.deadLetters.put(deadLetter, options.deadLetterRetentionDays);
        summary.deadLettered++;
      } catch (error) {
        ports.logger.error('dead letter could not be stored; the record will be retried', { id, error: String(error) });
        failed.add(id);
      }
    }),
  );

  if (valid.length > 0) {
    const judged = await judgeAll(valid, ports, options.rules);
    await storeAndAlert(judged, ports, options, nowMs, summary, failed);
  }

  summary.failed = failed.size;
  return { failedIds: [...failed], summary };
}

function triageRecord(streamRecord: StreamRecordIn, nowMs: number, rules: OverloadRules): Triage {
  let envelopeJson: unknown;
  try {
    envelopeJson = JSON.parse(Buffer.from(streamRecord.dataBase64, 'base64').toString('utf8'));
  } catch {
    envelopeJson = undefined;
  }
  const envelopeResult = ingestEnvelope.safeParse(envelopeJson);
  if (!envelopeResult.success) {
    return {
      kind: 'rejected',
      id: streamRecord.id,
      deadLetter: {
        deadLetterId: deadLetterIdFor(undefined, streamRecord.dataBase64),
        source: 'wim-ingest',
        reason: 'envelope-invalid',
        details: ['the stream record is not the envelope the topic rule writes; was the rule SQL changed?'],
        payloadBase64: streamRecord.dataBase64,
        receivedAtMs: nowMs,
        deadLetteredAtMs: nowMs,
        streamSequenceNumber: streamRecord.id,
      },
    };
  }
  const envelope = envelopeResult.data;
  const reject = (reason: DeadLetterReason, details: string[]): Triage => ({
    kind: 'rejected',
    id: streamRecord.id,
    deadLetter: deadLetterOf(envelope, reason, nowMs, streamRecord.id, details),
  });

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(envelope.payloadBase64, 'base64').toString('utf8'));
  } catch (error) {
    return reject('not-json', [`payload is not JSON: ${(error as Error).message}`]);
  }
  const parsed = wimRecordV1.safeParse(payload);
  if (!parsed.success) {
    return reject(
      'schema-invalid',
      parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(record)'}: ${issue.message}`),
    );
  }
  const record = parsed.data;
  if (record.stationId !== envelope.topicStationId) {
    return reject('station-mismatch', [
      `stationId ${JSON.stringify(record.stationId)} does not match the topic's station ${JSON.stringify(envelope.topicStationId)} (${envelope.topic})`,
    ]);
  }
  const issues = checkPlausibility(record, nowMs, rules);
  if (issues.length > 0) {
    return reject('implausible', issues.map((issue) => `${issue.code}: ${issue.message}`));
  }
  return { kind: 'valid', value: { id: streamRecord.id, envelope, record, measuredAtMs: Date.parse(record.measuredAt) } };
}

function deadLetterOf(
  envelope: IngestEnvelope,
  reason: DeadLetterReason,
  nowMs: number,
  sequenceNumber: string,
  details: readonly string[],
): DeadLetter {
  return {
    deadLetterId: deadLetterIdFor(envelope.topic, envelope.payloadBase64),
    source: 'wim-ingest',
    reason,
    details,
    topic: envelope.topic,
    stationId: envelope.topicStationId,
    payloadBase64: envelope.payloadBase64,
    receivedAtMs: envelope.receivedAtMs,
    deadLetteredAtMs: nowMs,
    streamSequenceNumber: sequenceNumber,
  };
}

interface Judged {
  readonly id: string;
  readonly reading: JudgedReading;
}

async function judgeAll(valid: readonly ValidRecord[], ports: WimIngestPorts, rules: OverloadRules): Promise<Judged[]> {
  const stationIds = [...new Set(valid.map((v) => v.record.stationId))];
  const profiles = await ports.config.stationProfiles(stationIds);
  const stationOf = (stationId: string): StationProfile => profiles.get(stationId) ?? defaultStationProfile(stationId, rules);

  const noPermits: readonly OverloadPermit[] = [];
  const judged = valid.map((v): Judged => {
    const station = stationOf(v.record.stationId);
    return {
      id: v.id,
      reading: {
        record: v.record,
        station,
        judgement: judgeWimRecord(v.record, station, noPermits, rules),
        plateKey: v.record.vehicle ? plateKey(v.record.vehicle.plate, v.record.vehicle.plateColor) : 'unknown',
        measuredAtMs: v.measuredAtMs,
        receivedAtMs: v.envelope.receivedAtMs,
      },
    };
  });

  // Permits matter only for records that would otherwise be over the limit, so only their plates are looked up.
  const candidates = judged.filter((j) => isOverLimitRecord(j.reading) && j.reading.record.vehicle);
  if (candidates.length === 0) return judged;
  const plates = [...new Set(candidates.map((j) => plateKey(j.reading.record.vehicle?.plate ?? '')))];
  const permits = await ports.config.permitsForPlates(plates);
  if (permits.size === 0) return judged;
  return judged.map((j) => {
    const vehicle = j.reading.record.vehicle;
    const forPlate = vehicle && isOverLimitRecord(j.reading) ? permits.get(plateKey(vehicle.plate)) : undefined;
    if (!forPlate || forPlate.length === 0) return j;
    return { id: j.id, reading: { ...j.reading, judgement: judgeWimRecord(j.reading.record, j.reading.station, forPlate, rules) } };
  });
}

/** Over the gross limit or over a dimension limit: kept in the over-limit table, whether or not it is alerted. */
function isOverLimitRecord(reading: JudgedReading): boolean {
  return reading.judgement.overLimit || reading.judgement.dimensionViolations.length > 0;
}

async function storeAndAlert(
  judged: readonly Judged[],
  ports: WimIngestPorts,
  options: IngestOptions,
  nowMs: number,
  summary: IngestSummary,
  failed: Set<string>,
): Promise<void> {
  // 1. The evidence first: readings and over-limit records, both idempotent overwrites, written in parallel.
  const overLimit = judged.filter((j) => isOverLimitRecord(j.reading));
  try {
    await Promise.all([ports.readings.putReadings(judged.map((j) => j.reading)), ports.overLimit.putRecords(overLimit.map((j) => j.reading))]);
    summary.readingsWritten += judged.length;
    summary.overLimit += overLimit.length;
    summary.enforceable += overLimit.filter((j) => j.reading.judgement.enforceable).length;
  } catch (error) {
    ports.logger.error('readings could not be written; the batch will be retried', { error: String(error) });
    for (const j of judged) failed.add(j.id);
    return;
  }
  // 2. Then, independently of each other, the alerts and the counters: both are exactly-once on their own.
  await Promise.all([
    alertAll(
      overLimit.filter((j) => j.reading.judgement.alertRequired),
      ports,
      options,
      nowMs,
      summary,
      failed,
    ),
    countAll(judged, ports, options, summary, failed),
  ]);
}

async function alertAll(
  due: readonly Judged[],
  ports: WimIngestPorts,
  options: IngestOptions,
  nowMs: number,
  summary: IngestSummary,
  failed: Set<string>,
): Promise<void> {
  if (due.length === 0) return;
  let published: ReadonlySet<string>;
  try {
    published = await ports.alertLedger.publishedAmong(due.map((j) => overloadAlertId(j.reading.record.stationId, j.reading.record.recordId)));
  } catch (error) {
    ports.logger.error('alert ledger could not be read; the records will be retried', { error: String(error) });
    for (const j of due) failed.add(j.id);
    return;
  }
  const sent: Array<{ judged: Judged; record: PublishedAlert }> = [];
  await forEachLimited(due, options.alertConcurrency ?? 32, async (j) => {
    const alert = buildOverloadAlert(j.reading, nowMs);
    if (published.has(alert.alertId)) {
      summary.alertsAlreadyPublished++;
      return;
    }
    try {
      await ports.alerts.publish(topics.overloadAlerts(j.reading.record.stationId), alert);
      summary.alertsPublished++;
      sent.push({
        judged: j,
        record: { alert, plateKey: j.reading.plateKey, measuredAtUtc: new Date(j.reading.measuredAtMs).toISOString(), publishedAt: new Date(ports.nowMs()).toISOString() },
      });
    } catch (error) {
      ports.logger.error('alert could not be published; the record will be retried', {
        stationId: j.reading.record.stationId,
        recordId: j.reading.record.recordId,
        error: String(error),
      });
      failed.add(j.id);
    }
  });
  if (sent.length === 0) return;
  try {
    await ports.alertLedger.recordPublished(sent.map((s) => s.record));
  } catch (error) {
    // Retrying republishes these alerts with the same ids: the one window in which a subscriber can see one twice.
    ports.logger.error('published alerts could not be recorded; the records will be retried', { error: String(error) });
    for (const s of sent) failed.add(s.judged.id);
  }
}

async function countAll(
  judged: readonly Judged[],
  ports: WimIngestPorts,
  options: IngestOptions,
  summary: IngestSummary,
  failed: Set<string>,
): Promise<void> {
  const groups = new Map<string, { stationId: string; localHour: string; members: Judged[] }>();
  for (const j of judged) {
    const localHour = shanghaiHour(j.reading.measuredAtMs);
    const key = `${j.reading.record.stationId}\n${localHour}`;
    let group = groups.get(key);
    if (!group) {
      group = { stationId: j.reading.record.stationId, localHour, members: [] };
      groups.set(key, group);
    }
    group.members.push(j);
  }
  await forEachLimited([...groups.values()], 8, async (group) => {
    const contributions: CounterContribution[] = group.members.map((j) => ({
      recordId: j.reading.record.recordId,
      increment: countersFor(j.reading.judgement, j.reading.record.grossWeightKg, options.rules),
    }));
    try {
      const counted = await ports.counters.apply({ stationId: group.stationId, localHour: group.localHour, contributions });
      summary.alreadyCounted += contributions.length - counted.size;
    } catch (error) {
      ports.logger.error('station counters could not be updated; the records will be retried', {
        stationId: group.stationId,
        localHour: group.localHour,
        error: String(error),
      });
      for (const j of group.members) failed.add(j.id);
    }
  });
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}
