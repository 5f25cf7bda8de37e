/**
 * The edges of the overload console routes (functions/wim/api-routes.ts): the alerts with their lifecycle, the
 * over-limit evidence, the hourly station counters and the station directory. DynamoDB adapters implement them in
 * functions/adapters/dynamodb/ (alert-ledger.ts, wim-queries.ts); unit tests use in-memory fakes.
 */
import type { OverloadAcknowledgementV1 } from '../contracts/overload-acknowledgement.v1.ts';
import type { StationCountersValue } from '../domain/overload/station-stats.ts';
import type { StationProfile } from '../domain/overload/types.ts';

export type AlertStatus = 'open' | 'acknowledged';
export const alertStatuses = ['open', 'acknowledged'] as const satisfies readonly AlertStatus[];

/** An OverloadAlerts item as the console sees it (docs/storage.md). */
export interface StoredAlert {
  readonly alertId: string;
  readonly stationId: string;
  readonly recordId: string;
  /** ISO 8601 UTC with milliseconds: the GSIs' sort key. */
  readonly measuredAtUtc: string;
  /** Normalised plate with colour, e.g. 琼A12345#yellow; absent when the station read no plate. */
  readonly plateKey?: string;
  readonly band: string;
  readonly overLimitKg: number;
  readonly grossWeightKg: number;
  readonly hundredTonne: boolean;
  readonly status: AlertStatus;
  readonly publishedAt: string;
  /** The overload-alert v1 message exactly as published. */
  readonly alertJson: string;
  readonly acknowledgement?: OverloadAcknowledgementV1;
}

/** An OverLimitRecords item as the console sees it. */
export interface StoredOverLimitRecord {
  readonly stationId: string;
  readonly recordId: string;
  readonly measuredAtUtc: string;
  readonly plateKey?: string;
  readonly grossWeightKg: number;
  readonly limitKg: number;
  readonly overLimitKg: number;
  readonly band: string;
  readonly disposition: string;
  readonly alertId?: string;
  readonly judgementJson: string;
  readonly recordJson: string;
}

/** Where a store query stopped (DynamoDB's LastEvaluatedKey): opaque to the routes, carried in their cursors. */
export type StorePosition = Readonly<Record<string, unknown>>;

export interface StorePage<T> {
  readonly items: T[];
  /** Present when the query may have more. */
  readonly next?: StorePosition;
}

export interface TimeRangeQuery {
  /** Inclusive, ISO 8601 UTC with milliseconds. */
  readonly fromUtc: string;
  /** Inclusive. */
  readonly toUtc: string;
  /** At most this many items (after the status filter); fewer only when the query is exhausted. */
  readonly limit: number;
  readonly after?: StorePosition;
}

export interface AlertRangeQuery extends TimeRangeQuery {
  readonly status?: AlertStatus;
}

/** The few attributes of an alert with a plate that repeat-offender figures need. */
export type PlateAlertRow = Pick<StoredAlert, 'alertId' | 'stationId' | 'measuredAtUtc' | 'overLimitKg'> & { readonly plateKey: string };

export interface OverloadAlertStore {
  /** Alerts measured on one Asia/Shanghai date (GSI byLocalDate), newest first. */
  alertsOfLocalDate(localDate: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>>;
  /** A station's alerts (GSI byStation), newest first. */
  alertsOfStation(stationId: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>>;
  /** One vehicle's alerts (GSI byPlate, key with colour), newest first. */
  alertsOfPlate(plateKey: string, query: AlertRangeQuery): Promise<StorePage<StoredAlert>>;
  /**
   * The alerts with a plate measured on one Asia/Shanghai date, reduced to PlateAlertRow: months of alerts are read
   * for the repeat offenders, and the alert as published (kilobytes each) is not needed for counting.
   */
  plateAlertsOfLocalDate(localDate: string, query: TimeRangeQuery): Promise<StorePage<PlateAlertRow>>;
  alert(alertId: string): Promise<StoredAlert | undefined>;
  /**
   * Sets the acknowledgement if the alert exists and is still open; false when it is unknown or already
   * acknowledged (the caller reads it to tell which).
   */
  acknowledge(alertId: string, acknowledgement: OverloadAcknowledgementV1): Promise<boolean>;
}

export interface OverLimitRecordStore {
  /** The over-limit record behind an alert (GSI byAlertId). */
  recordOfAlert(alertId: string): Promise<StoredOverLimitRecord | undefined>;
  /** A station's over-limit records, newest first; `minGrossWeightKg` filters in the store. */
  recordsOfStation(stationId: string, query: TimeRangeQuery & { readonly minGrossWeightKg?: number }): Promise<StorePage<StoredOverLimitRecord>>;
}

export interface StationHourCounters {
  /** `YYYY-MM-DDTHH`, Asia/Shanghai. */
  readonly localHour: string;
  readonly counters: StationCountersValue;
}

export interface StationCounterReader {
  /** The hourly counters of one station-day; hours without trucks are absent. */
  hoursOfStationDay(stationId: string, localDate: string): Promise<StationHourCounters[]>;
}

export interface StationDirectory {
  /** Every registered station (WimConfig profiles). */
  stations(): Promise<StationProfile[]>;
}
