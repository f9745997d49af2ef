import { amsterdamToUtc, FieldError, utcToAmsterdam, ValidationError } from '@keyport/common';
import { YEAR_MAX, YEAR_MIN } from './targets.constants';

/**
 * A period to count in: a year, a quarter or a month of a year, or any range of calendar days
 * (`from` and `to` both included). Days are days in Europe/Amsterdam: Q1 2018 is
 * [2018-01-01 00:00 Amsterdam, 2018-04-01 00:00 Amsterdam).
 */
export type PeriodInput = { year: number; quarter?: number; month?: number } | { from: string; to: string };

export interface Period {
  kind: 'year' | 'quarter' | 'month' | 'range';
  /** The first day counted (YYYY-MM-DD, Amsterdam). */
  start: string;
  /** The first day no longer counted (exclusive). */
  end: string;
  /** The same two bounds as instants: Amsterdam midnight. */
  startsAt: Date;
  endsAt: Date;
  /** e.g. "2018", "Q1 2018", "2018-03", "2018-01-15 – 2018-02-14". */
  label: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDate(value: unknown): value is string {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
export const dateOf = (y: number, m: number, d = 1) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

/** A calendar date plus n days (n may be negative). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return dateOf(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The instant a calendar day starts in Amsterdam. */
export function amsterdamMidnight(date: string): Date {
  return new Date(amsterdamToUtc(date, '00:00') as string);
}

/** The Amsterdam calendar day of an instant. */
export function amsterdamDate(at: Date): string {
  return utcToAmsterdam(at).date;
}

export function yearPeriod(year: number): Period {
  return resolvePeriod({ year });
}

/** Checks and resolves a period; a ValidationError names each bad field. */
export function resolvePeriod(input: PeriodInput): Period {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string, rule: string) => errors.push({ field, message, rule });
  let start = '';
  let end = '';
  let kind: Period['kind'];
  let label: string;
  if ('from' in input || 'to' in input) {
    const { from, to } = input as { from: string; to: string };
    kind = 'range';
    if (!isDate(from)) fail('from', 'from must be a date YYYY-MM-DD', 'isDate');
    if (!isDate(to)) fail('to', 'to must be a date YYYY-MM-DD', 'isDate');
    else if (isDate(from) && to < from) fail('to', 'to must not be before from', 'toBeforeFrom');
    if (errors.length) throw new ValidationError(errors);
    start = from;
    end = addDays(to, 1);
    label = `${from} – ${to}`;
  } else {
    const { year, quarter, month } = input as { year: number; quarter?: number; month?: number };
    if (!Number.isInteger(year) || year < YEAR_MIN || year > YEAR_MAX) fail('year', `year must be a whole number from ${YEAR_MIN} to ${YEAR_MAX}`, 'isYear');
    if (quarter !== undefined && quarter !== null && (!Number.isInteger(quarter) || quarter < 1 || quarter > 4)) fail('quarter', 'quarter must be 1, 2, 3 or 4', 'isQuarter');
    if (month !== undefined && month !== null && (!Number.isInteger(month) || month < 1 || month > 12)) fail('month', 'month must be 1 to 12', 'isMonth');
    if (quarter && month) fail('month', 'give a quarter or a month, not both', 'quarterOrMonth');
    if (errors.length) throw new ValidationError(errors);
    if (quarter) {
      kind = 'quarter';
      start = dateOf(year, 3 * quarter - 2);
      end = quarter === 4 ? dateOf(year + 1, 1) : dateOf(year, 3 * quarter + 1);
      label = `Q${quarter} ${year}`;
    } else if (month) {
      kind = 'month';
      start = dateOf(year, month);
      end = month === 12 ? dateOf(year + 1, 1) : dateOf(year, month + 1);
      label = start.slice(0, 7);
    } else {
      kind = 'year';
      start = dateOf(year, 1);
      end = dateOf(year + 1, 1);
      label = String(year);
    }
  }
  return { kind, start, end, startsAt: amsterdamMidnight(start), endsAt: amsterdamMidnight(end), label };
}

export type PaceStatus = 'achieved' | 'on_track' | 'at_risk' | 'behind' | 'not_started' | 'no_data';

export interface Pace {
  /** Where the figure should be by `asOf`: baseline + (target − baseline) × elapsed share of the year. */
  expected: number;
  /** The elapsed share of the plan year that falls inside the period, up to asOf (0..1). */
  elapsedShare: number;
  /** (value − baseline) / (target − baseline): 1 = target reached. Null without a value. */
  progress: number | null;
  status: PaceStatus;
}

/** Below this share of the expected figure a target is behind; from it up to the expected figure, at risk. */
export const AT_RISK_FROM = 0.75;

/**
 * The pace marker. The expected figure grows linearly over the plan's year, from the baseline (0 unless
 * a manual figure has one) to the target. For a quarter or another part of the year, only the part of
 * the year inside that period counts, so Q2 alone is expected to reach about a quarter of the target.
 */
export function pace(input: { target: number; baseline?: number | null; value: number | null }, period: Period, planYear: number, asOf: Date): Pace {
  const base = input.baseline ?? 0;
  const year = yearPeriod(planYear);
  const yearMs = year.endsAt.getTime() - year.startsAt.getTime();
  const from = Math.max(period.startsAt.getTime(), year.startsAt.getTime());
  const to = Math.min(period.endsAt.getTime(), year.endsAt.getTime(), asOf.getTime());
  const elapsedShare = Math.max(0, to - from) / yearMs;
  const expected = round2(base + (input.target - base) * elapsedShare);
  if (input.value === null) return { expected, elapsedShare, progress: null, status: 'no_data' };
  const span = input.target - base;
  const progress = span === 0 ? (input.value >= input.target ? 1 : 0) : round2((input.value - base) / span, 4);
  let status: PaceStatus;
  if (input.value >= input.target) status = 'achieved';
  else if (expected <= base) status = input.value > base ? 'on_track' : 'not_started';
  else {
    const ratio = (input.value - base) / (expected - base);
    status = ratio >= 1 ? 'on_track' : ratio >= AT_RISK_FROM ? 'at_risk' : 'behind';
  }
  return { expected, elapsedShare, progress, status };
}

function round2(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
