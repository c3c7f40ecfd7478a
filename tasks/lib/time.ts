import { GovError } from "./errors";

/**
 * An ISO-8601 date or date-time as unix seconds. A date alone (`2026-12-31`) is that day's 00:00
 * UTC; a date-time must carry its zone (`Z` or `+08:00`): local time is never assumed. Returns
 * undefined when `text` does not look like a date, so that callers may accept other forms.
 */
export function parseIsoTime(text: string, what: string): bigint | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (!dateOnly && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    throw new GovError(`${what}: "${text}" has no time zone (end it with Z or +08:00; local time is never assumed)`);
  }
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new GovError(`${what}: "${text}" is not a valid date`);
  return BigInt(Math.floor(ms / 1000));
}
