/**
 * The registry's import file, CSV or JSON, parsed and validated as a whole: either every vehicle is valid and the
 * file is imported, or nothing is and every error is reported with its row. Pure: no I/O. Format in docs/registry.md.
 *
 * CSV (RFC 4180 with the usual leniencies):
 * - UTF-8, with or without a byte-order mark; lines end in CRLF or LF; blank lines are skipped.
 * - The first line is the header: the vehicle v1 field names (`deviceId,plate,plateColor,…`, any order, letter case
 *   ignored). Unknown or repeated columns are errors; `deviceId`, `plate`, `plateColor`, `category`, `energyType`,
 *   `operator` and `city` must be there.
 * - A field containing a comma, a double quote or a line break is enclosed in double quotes, a quote inside doubled
 *   (`"海汽集团,三亚分公司"`, `"say ""hi"""`). Unquoted fields are trimmed; quote a value to keep outer spaces.
 * - An empty field means "absent" (an optional field stays unset, `inService` defaults to true).
 * - Booleans (`nightRestricted`, `inService`): `true`/`false` or `是`/`否`. Numbers (`ratedGrossKg`): plain decimal
 *   (`49000`, no thousands separators).
 * - `row` in errors is the line number where the record starts (the header is line 1), as an editor shows it.
 *
 * JSON: an array of vehicles, or `{ "vehicles": [...] }`; `row` is the vehicle's 1-based position in the array.
 * Row 0 means the file as a whole (not JSON, wrong shape, bad header).
 */
import { vehicleV1, type VehicleV1 } from '../contracts/vehicle.v1.ts';

export type ImportFormat = 'csv' | 'json';

export interface RowError {
  readonly row: number;
  readonly message: string;
}

export type ParseVehicleFileResult = { ok: true; vehicles: VehicleV1[] } | { ok: false; errors: RowError[] };

/** Columns of the CSV format, in the order the writer uses: the contract's fields. */
export const vehicleColumns = Object.keys(vehicleV1.shape) as Array<keyof VehicleV1>;

type ColumnKind = 'string' | 'boolean' | 'number';

/** How a CSV cell becomes a value, read off the contract (optional/default wrappers unwrapped). */
function columnKind(schema: unknown): ColumnKind {
  let def = (schema as { def: { type: string; innerType?: unknown } }).def;
  while ((def.type === 'optional' || def.type === 'default') && def.innerType) {
    def = (def.innerType as { def: { type: string; innerType?: unknown } }).def;
  }
  return def.type === 'boolean' ? 'boolean' : def.type === 'number' ? 'number' : 'string';
}

const columnKinds = new Map<string, ColumnKind>(
  Object.entries(vehicleV1.shape).map(([name, schema]) => [name, columnKind(schema)]),
);

const requiredColumns = Object.entries(vehicleV1.shape)
  .filter(([, schema]) => !(schema as { safeParse(v: unknown): { success: boolean } }).safeParse(undefined).success)
  .map(([name]) => name);

const trueWords = new Set(['true', '是']);
const falseWords = new Set(['false', '否']);

/** Most rows in one file; a registry of Hainan's supervised fleet is tens of thousands of vehicles. */
export const maxImportRows = 100_000;
/** Errors reported at most; the rest are summarised in one last message. */
export const maxReportedErrors = 1000;

export function parseVehicleFile(text: string, format: ImportFormat): ParseVehicleFileResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'csv' ? parseCsvVehicles(body) : parseJsonVehicles(body);
}

// ── JSON ─────────────────────────────────────────────────────────────────────────────────────────────────────────

function parseJsonVehicles(text: string): ParseVehicleFileResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [{ row: 0, message: `not JSON: ${(error as Error).message}` }] };
  }
  const rows = Array.isArray(json)
    ? json
    : typeof json === 'object' && json !== null && Array.isArray((json as { vehicles?: unknown }).vehicles)
      ? ((json as { vehicles: unknown[] }).vehicles)
      : undefined;
  if (!rows) return { ok: false, errors: [{ row: 0, message: 'expected an array of vehicles or { "vehicles": [...] }' }] };
  return validateRows(rows.map((value, i) => ({ row: i + 1, value, errors: [] })));
}

// ── CSV ──────────────────────────────────────────────────────────────────────────────────────────────────────────

interface CsvRecord {
  /** Line on which the record starts (1-based). */
  readonly line: number;
  readonly cells: Array<{ readonly text: string; readonly quoted: boolean }>;
  readonly error?: string;
}

/** Splits CSV text into records (RFC 4180; CRLF or LF; quoted fields may span lines). Never throws. */
export function splitCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const cells: Array<{ text: string; quoted: boolean }> = [];
    let error: string | undefined;
    // One record: cells separated by commas, up to an unquoted line break or the end.
    for (;;) {
      let value = '';
      let quoted = false;
      if (text[i] === '"') {
        quoted = true;
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i] as string;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        if (!closed) error ??= 'a quoted field is not closed (missing ")';
        // Anything between the closing quote and the next separator is kept, but is an error.
        let trailing = '';
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') trailing += text[i++];
        if (trailing.trim() !== '') error ??= `unexpected text after a closing quote: ${JSON.stringify(trailing)}`;
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') value += text[i++];
      }
      cells.push({ text: value, quoted });
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // End of record: CRLF, LF or a lone CR.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    // Blank lines, and lines of empty unquoted fields (`,,,,` as spreadsheets leave them), are no records.
    const blank = cells.every((cell) => !cell.quoted && cell.text.trim() === '');
    if (!blank) records.push(error === undefined ? { line: startLine, cells } : { line: startLine, cells, error });
  }
  return records;
}

function parseCsvVehicles(text: string): ParseVehicleFileResult {
  const records = splitCsv(text);
  const header = records[0];
  if (!header) return { ok: false, errors: [{ row: 0, message: 'the file is empty: expected a header line and vehicles' }] };

  const headerErrors: RowError[] = [];
  if (header.error) headerErrors.push({ row: header.line, message: header.error });
  const byLowerName = new Map(vehicleColumns.map((name) => [name.toLowerCase(), name as string]));
  const columns: Array<string | undefined> = [];
  const seen = new Set<string>();
  header.cells.forEach((cell, index) => {
    const raw = cell.text.trim();
    const name = byLowerName.get(raw.toLowerCase());
    if (raw === '' && index === header.cells.length - 1 && index > 0) {
      columns.push(undefined); // a trailing comma after the last column name
    } else if (!name) {
      headerErrors.push({ row: header.line, message: `unknown column ${JSON.stringify(raw)} (columns: ${vehicleColumns.join(', ')})` });
      columns.push(undefined);
    } else if (seen.has(name)) {
      headerErrors.push({ row: header.line, message: `column ${name} appears twice` });
      columns.push(undefined);
    } else {
      seen.add(name);
      columns.push(name);
    }
  });
  const missing = requiredColumns.filter((name) => !seen.has(name));
  if (missing.length > 0) headerErrors.push({ row: header.line, message: `missing column(s): ${missing.join(', ')}` });
  if (headerErrors.length > 0) return { ok: false, errors: headerErrors };

  // A header's trailing comma leaves an unnamed last column, which rows may or may not repeat.
  const namedColumns = columns.findLastIndex((name) => name !== undefined) + 1;
  const dataRecords = records.slice(1);
  if (dataRecords.length === 0) return { ok: false, errors: [{ row: 0, message: 'the file has a header but no vehicles' }] };
  if (dataRecords.length > maxImportRows) return { ok: false, errors: [{ row: 0, message: `more than ${maxImportRows} vehicles in one file` }] };

  return validateRows(
    dataRecords.map((record) => {
      const errors: string[] = [];
      if (record.error) errors.push(record.error);
      const extra = record.cells.slice(columns.length);
      if (record.cells.length < namedColumns) {
        errors.push(`expected ${columns.length} fields, found ${record.cells.length}`);
      } else if (extra.some((cell) => cell.quoted || cell.text.trim() !== '')) {
        errors.push(`expected ${columns.length} fields, found ${record.cells.length}`);
      }
      const value: Record<string, unknown> = {};
      columns.forEach((name, index) => {
        const cell = record.cells[index];
        if (!name || !cell) return;
        const text = cell.quoted ? cell.text : cell.text.trim();
        if (text === '') return;
        const converted = convertCell(name, text);
        if (converted.ok) value[name] = converted.value;
        else errors.push(converted.message);
      });
      return { row: record.line, value, errors };
    }),
  );
}

function convertCell(name: string, text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (columnKinds.get(name)) {
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (trueWords.has(word)) return { ok: true, value: true };
      if (falseWords.has(word)) return { ok: true, value: false };
      return { ok: false, message: `${name}: expected true/false/是/否, found ${JSON.stringify(text)}` };
    }
    case 'number': {
      const trimmed = text.trim();
      const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `${name}: expected a number, found ${JSON.stringify(text)}` };
    }
    default:
      return { ok: true, value: text };
  }
}

// ── Both ─────────────────────────────────────────────────────────────────────────────────────────────────────────

function validateRows(rows: ReadonlyArray<{ row: number; value: unknown; errors: readonly string[] }>): ParseVehicleFileResult {
  if (rows.length > maxImportRows) return { ok: false, errors: [{ row: 0, message: `more than ${maxImportRows} vehicles in one file` }] };
  const errors: RowError[] = [];
  const vehicles: VehicleV1[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { row, value, errors: rowErrors } of rows) {
    for (const message of rowErrors) errors.push({ row, message });
    const parsed = vehicleV1.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ row, message: `${issue.path.map(String).join('.') || '(vehicle)'}: ${issue.message}` });
    }
    // Duplicates are checked on every row that names a device id, valid or not: fixing one row must not reveal more.
    const id = typeof value === 'object' && value !== null ? (value as { deviceId?: unknown }).deviceId : undefined;
    if (typeof id === 'string') {
      const first = firstRowOf.get(id);
      if (first !== undefined) errors.push({ row, message: `deviceId ${id} already on row ${first}` });
      else firstRowOf.set(id, row);
    }
    if (parsed.success && errors.length === 0) vehicles.push(parsed.data);
  }
  if (errors.length > maxReportedErrors) {
    const shown = errors.slice(0, maxReportedErrors);
    shown.push({ row: 0, message: `${errors.length - maxReportedErrors} more error(s) not shown` });
    return { ok: false, errors: shown };
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, vehicles };
}

// ── Writing ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** One CSV field: quoted when it holds a separator, a quote, a line break or outer spaces. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV form of `vehicles` (header and CRLF line ends), which {@link parseVehicleFile} reads back unchanged. */
export function vehiclesToCsv(vehicles: readonly VehicleV1[]): string {
  const lines = [vehicleColumns.join(',')];
  for (const vehicle of vehicles) lines.push(vehicleColumns.map((name) => csvField(vehicle[name])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The format a file name implies (`.csv` / `.json`), or undefined. */
export function formatOfFileName(fileName: string): ImportFormat | undefined {
  const lower = fileName.toLowerCase();
  return lower.endsWith('.csv') ? 'csv' : lower.endsWith('.json') ? 'json' : undefined;
}
