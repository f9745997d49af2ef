import { DISPLAY_TIME_ZONE, FieldError } from '@keyport/common';

/** A calendar date as typed and stored: `YYYY-MM-DD` (PostgreSQL `date`, no time zone). */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export const isUuid = (id: unknown): id is string =>
  typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** `2024-02-29` yes, `2023-02-29` and `2024-13-01` no. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_PATTERN.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function parts(now: Date, withTime: boolean): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: DISPLAY_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
  });
  return Object.fromEntries(fmt.formatToParts(now).map((p) => [p.type, p.value]));
}

/** Today's date where Keyport works (Europe/Amsterdam), as `YYYY-MM-DD`: what "not in the future" means. */
export function todayInAmsterdam(now: Date = new Date()): string {
  const p = parts(now, false);
  return `${p.year}-${p.month}-${p.day}`;
}

/** An instant as `YYYY-MM-DD HH:mm` in Europe/Amsterdam, for exports (spreadsheets sort it as text). */
export function amsterdamTimestamp(value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const p = parts(date, true);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** `field` must be a date on or before today (Amsterdam); adds the reason to `errors` otherwise. */
export function checkNotInFuture(errors: FieldError[], field: string, date: string | null | undefined, today = todayInAmsterdam()): void {
  if (date && date > today) errors.push({ field, message: `${field} must not be in the future`, rule: 'notInFuture' });
}

/** The SQL direction asked for, else the sort's natural one (newest first for dates). */
export function sortDir(asked: 'asc' | 'desc' | undefined, natural: 'asc' | 'desc'): 'ASC' | 'DESC' {
  return (asked ?? natural) === 'desc' ? 'DESC' : 'ASC';
}
