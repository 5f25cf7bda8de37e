/** Shared test support for the overload domain: a tiny CSV reader for the regulation fixtures and record builders. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WimRecordV1, WimVehicleV1 } from '../../../functions/contracts/wim-record.v1.ts';
import type { StationProfile } from '../../../functions/domain/overload/types.ts';

const fixtureDir = fileURLToPath(new URL('../../fixtures/regulation/', import.meta.url));

export type CsvRow = Readonly<Record<string, string>>;

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** Rows of a fixture CSV; lines starting with `#` are comments, the first other line is the header. */
export function readCsv(name: string): CsvRow[] {
  const lines = readFileSync(`${fixtureDir}${name}`, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const [header, ...body] = lines;
  if (header === undefined) throw new Error(`${name}: no header`);
  const columns = splitCsvLine(header);
  return body.map((line, i) => {
    const cells = splitCsvLine(line);
    if (cells.length !== columns.length) throw new Error(`${name} row ${i + 1}: ${cells.length} cells, want ${columns.length}`);
    return Object.fromEntries(columns.map((c, k) => [c, (cells[k] ?? '').trim()]));
  });
}

export function cell(row: CsvRow, column: string): string {
  const v = row[column];
  if (v === undefined) throw new Error(`no column ${column}`);
  return v;
}

export function optionalBool(text: string): boolean | undefined {
  if (text === '') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`not a boolean: ${text}`);
}

export function optionalNumber(text: string): number | undefined {
  return text === '' ? undefined : Number(text);
}

export interface RecordSpec {
  readonly axleCount?: number;
  readonly grossWeightKg?: number;
  /** Spacings of axles 2..n; omitted = none reported. */
  readonly spacingsM?: readonly number[];
  /** undefined = no vehicle data at all. */
  readonly vehicle?: Partial<WimVehicleV1> | null;
  readonly dimensions?: WimRecordV1['dimensions'];
  readonly measuredAt?: string;
  readonly stationId?: string;
  readonly speedKmh?: number;
  readonly axleWeightsKg?: readonly number[];
}

/** A plausible record whose axle weights sum exactly to the gross weight. */
export function wimRecord(spec: RecordSpec = {}): WimRecordV1 {
  const n = spec.axleWeightsKg?.length ?? spec.axleCount ?? 2;
  const gross = spec.grossWeightKg ?? (spec.axleWeightsKg ? spec.axleWeightsKg.reduce((s, w) => s + w, 0) : 15_000);
  const per = Math.floor(gross / n);
  const axles = Array.from({ length: n }, (_, i) => {
    const weightKg = spec.axleWeightsKg?.[i] ?? (i === n - 1 ? gross - per * (n - 1) : per);
    const spacingM = i === 0 ? undefined : spec.spacingsM?.[i - 1];
    return spacingM === undefined ? { weightKg } : { weightKg, spacingM };
  });
  const record: WimRecordV1 = {
    recordId: 'rec-1',
    stationId: spec.stationId ?? 'HN-G98-K123',
    lane: 1,
    measuredAt: spec.measuredAt ?? '2024-06-01T10:00:00+08:00',
    speedKmh: spec.speedKmh ?? 62,
    axles,
    grossWeightKg: gross,
  };
  if (spec.vehicle !== undefined && spec.vehicle !== null) {
    return {
      ...record,
      vehicle: { plate: '琼A·12345', plateColor: 'yellow', kind: 'combination', ...spec.vehicle },
      ...(spec.dimensions ? { dimensions: spec.dimensions } : {}),
    };
  }
  return spec.dimensions ? { ...record, dimensions: spec.dimensions } : record;
}

export const station5: StationProfile = {
  stationId: 'HN-G98-K123',
  accuracyClass: 'class-5',
  registered: true,
  name: 'G98 K123 不停车检测点',
};

export function stationOf(accuracyClass: StationProfile['accuracyClass']): StationProfile {
  return { ...station5, accuracyClass };
}
