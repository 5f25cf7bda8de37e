/**
 * The edges the WIM ingest use case talks to. DynamoDB and IoT adapters implement them in production and on the local
 * stack; unit tests use in-memory fakes.
 */
import type { OverloadAlertV1 } from '../contracts/overload-alert.v1.ts';
import type { WimRecordV1 } from '../contracts/wim-record.v1.ts';
import type { OverloadJudgement, OverloadPermit, StationProfile } from '../domain/overload/types.ts';
import type { StationCountersValue } from '../domain/overload/station-stats.ts';
import type { DeadLetter } from '../shared/dead-letter.ts';

export interface WimConfigSource {
  /** Profiles of the given stations; a station missing from the result is not registered. */
  stationProfiles(stationIds: readonly string[]): Promise<Map<string, StationProfile>>;
  /** Permits on file for the given normalised plates (without colour), keyed by that plate. */
  permitsForPlates(plates: readonly string[]): Promise<Map<string, OverloadPermit[]>>;
}

/** One judged record, as stored. */
export interface JudgedReading {
  readonly record: WimRecordV1;
  readonly judgement: OverloadJudgement;
  readonly station: StationProfile;
  readonly plateKey: string;
  readonly measuredAtMs: number;
  readonly receivedAtMs: number;
}

export interface ReadingStore {
  /** Writes every reading (an idempotent overwrite keyed by station and record id). */
  putReadings(readings: readonly JudgedReading[]): Promise<void>;
}

export interface OverLimitStore {
  /**
   * Writes the over-limit records (an idempotent overwrite: their content derives from the record and its judgement
   * only; what changes later, the alert and its acknowledgement, lives in the alert ledger).
   */
  putRecords(readings: readonly JudgedReading[]): Promise<void>;
}

export interface PublishedAlert {
  readonly alert: OverloadAlertV1;
  readonly plateKey: string;
  readonly measuredAtUtc: string;
  readonly publishedAt: string;
}

export interface AlertLedger {
  /** Which of these alert ids were published by an earlier delivery. */
  publishedAmong(alertIds: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Records alerts as published. Called only for ids `publishedAmong` did not return; records of one station are
   * processed one batch at a time (one stream shard per station), so nothing else writes these ids meanwhile.
   */
  recordPublished(alerts: readonly PublishedAlert[]): Promise<void>;
}

export interface CounterContribution {
  readonly recordId: string;
  readonly increment: StationCountersValue;
}

/** Everything one batch adds to one station-hour counter. */
export interface CounterUpdate {
  readonly stationId: string;
  /** `YYYY-MM-DDTHH`, Asia/Shanghai. */
  readonly localHour: string;
  readonly contributions: readonly CounterContribution[];
}

export interface CounterStore {
  /**
   * Adds each contribution once per record id: ids already counted in that hour are skipped, so a redelivered record
   * never counts twice. Returns the ids counted by this call.
   */
  apply(update: CounterUpdate): Promise<ReadonlySet<string>>;
}

export interface DeadLetterStore {
  /** Stores the dead letter unless one with the same id exists. */
  put(deadLetter: DeadLetter, retentionDays: number): Promise<void>;
}

export interface AlertPublisher {
  publish(topic: string, alert: OverloadAlertV1): Promise<void>;
}

export interface LoggerPort {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface WimIngestPorts {
  readonly config: WimConfigSource;
  readonly readings: ReadingStore;
  readonly overLimit: OverLimitStore;
  readonly alertLedger: AlertLedger;
  readonly counters: CounterStore;
  readonly deadLetters: DeadLetterStore;
  readonly alerts: AlertPublisher;
  readonly logger: LoggerPort;
  readonly nowMs: () => number;
}
