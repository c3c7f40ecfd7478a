import fs from "node:fs";
import path from "node:path";
import { GovError } from "./errors";

/** One data row of a CSV file: its line number in the file and its fields by header name. */
export interface CsvRow {
  line: number;
  fields: Record<string, string>;
}

/** A row that failed to parse: the line and field at fault, and why. */
export interface RowProblem {
  line: number;
  field: string;
  message: string;
}

/** Splits one CSV line into fields (RFC 4180 quotes: `"a, b"`, `""` for a quote inside). */
export function splitCsvLine(text: string, line: number): string[] {
  const fields: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"' && current.trim() === "") {
      quoted = true;
      current = "";
    } else if (ch === ",") {
      fields.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (quoted) throw new GovError(`line ${line}: unbalanced " quote`);
  fields.push(current.trim());
  return fields;
}

/**
 * Reads a CSV file with a header line naming its columns. `required` columns must be there;
 * `optional` ones may be; any other column is refused (a typo in a header would otherwise be
 * ignored). Blank lines and lines starting with `#` are skipped. Line numbers count from 1.
 */
export function readCsv(file: string, required: string[], optional: string[] = []): CsvRow[] {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved)) throw new GovError(`no CSV file at ${resolved}`);
  const lines = fs
    .readFileSync(resolved, "utf8")
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/);
  let header: string[] | undefined;
  const rows: CsvRow[] = [];
  lines.forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === "" || text.trim().startsWith("#")) return;
    const fields = splitCsvLine(text, line);
    if (!header) {
      header = fields.map((f) => f.toLowerCase());
      const unknown = header.filter((h) => !required.includes(h) && !optional.includes(h));
      if (unknown.length > 0) {
        throw new GovError(
          `${resolved} line ${line}: unknown column "${unknown[0]}" (columns: ${[...required, ...optional].join(", ")})`,
        );
      }
      const missing = required.filter((r) => !header?.includes(r));
      if (missing.length > 0) throw new GovError(`${resolved} line ${line}: no "${missing[0]}" column in the header`);
      return;
    }
    if (fields.length !== header.length) {
      throw new GovError(`${resolved} line ${line}: ${fields.length} field(s), the header has ${header.length}`);
    }
    rows.push({ line, fields: Object.fromEntries(header.map((h, k) => [h, fields[k]])) });
  });
  if (rows.length === 0) throw new GovError(`${resolved} has no data rows (a header line, then one row per line)`);
  return rows;
}

/**
 * Parses every row with `parse`, which throws a GovError naming the field it refused (see
 * `fieldError`). Returns the parsed rows, or throws one line naming the first bad row's line and
 * field and how many rows are bad: nothing is sent unless every row is valid.
 */
export function parseRows<T>(rows: CsvRow[], parse: (row: CsvRow) => T): T[] {
  const parsed: T[] = [];
  const problems: RowProblem[] = [];
  for (const row of rows) {
    try {
      parsed.push(parse(row));
    } catch (e) {
      const error = e as GovError & { field?: string; detail?: string };
      problems.push({ line: row.line, field: error.field ?? "?", message: error.detail ?? error.message });
    }
  }
  if (problems.length > 0) throw rowProblemsError(problems);
  return parsed;
}

/** One line naming the first bad row's line and field, and how many rows are bad. */
export function rowProblemsError(problems: RowProblem[]): GovError {
  const [first] = problems;
  const more =
    problems.length > 1 ? ` (${problems.length} bad rows: lines ${problems.map((p) => p.line).join(", ")})` : "";
  return new GovError(`line ${first.line}, field ${first.field}: ${first.message}${more}; nothing was sent`);
}

/** An error about one field of a row (parseRows reports it with the row's line). */
export function fieldError(field: string, message: string): GovError {
  const error = new GovError(`${field}: ${message}`) as GovError & { field?: string; detail?: string };
  error.field = field;
  error.detail = message;
  return error;
}

/** Runs `parse` on a field's text, re-throwing any error as an error about `field`. */
export function parseField<T>(row: CsvRow, field: string, parse: (text: string) => T): T {
  try {
    return parse(row.fields[field] ?? "");
  } catch (e) {
    const message = (e as Error).message;
    throw fieldError(field, message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message);
  }
}
