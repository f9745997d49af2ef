import { amsterdamToUtc, FieldError, utcToAmsterdam } from '@keyport/common';
import { EventView } from '@keyport/events';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FormErrors, toFieldErrors } from '../../common/validation';
import { list, text, Translate } from '../../common/form-values';

export { list, text };
export type { Translate };

/** Blank rows the form offers without JavaScript; an edit shows the existing ones plus two blank. */
export const QUESTION_ROWS = 5;
export const SESSION_ROWS = 4;
const MAX_ROWS = 30;

/** A whole number typed in a field: null for empty, NaN (refused by the DTO) for anything else. */
function count(value: string): number | null {
  if (value === '') return null;
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

/** The date/time pairs of the form and the DTO fields they fill. */
const MOMENTS = [
  { prefix: 'starts', field: 'startsAt', required: true },
  { prefix: 'ends', field: 'endsAt', required: true },
  { prefix: 'opens', field: 'registrationOpensAt', required: false },
  { prefix: 'closes', field: 'registrationClosesAt', required: false },
] as const;

export interface EventFormInput {
  /** The CreateEventDto body (for an update: only what may be sent). */
  dto: Record<string, unknown>;
  /** Problems found before the DTO (dates, times, choice questions), keyed by DTO path. */
  errors: FieldError[];
  /** Form row of each question / session that was filled in, to put errors back on the right row. */
  questionRows: number[];
  sessionRows: number[];
}

/**
 * The posted event form as the API's CreateEventDto body: dates and times read as Amsterdam wall-clock
 * time and sent as UTC; blank question and session rows left out; blank optional fields sent as null
 * (so that an edit can clear them).
 */
export function eventFormToDto(body: Record<string, unknown>): EventFormInput {
  const errors: FieldError[] = [];
  const dto: Record<string, unknown> = {
    title: text(body.title),
    description: text(body.description) || null,
    format: text(body.format),
    programmeLines: list(body.programmeLines),
    tags: text(body.tags),
    venue: text(body.venue) || null,
    address: text(body.address) || null,
    municipality: text(body.municipality) || null,
    capacity: count(text(body.capacity)),
    language: text(body.language) || undefined,
    reminderHours: text(body.reminderHours) === '' ? 48 : count(text(body.reminderHours)),
  };
  for (const m of MOMENTS) {
    const date = text(body[`${m.prefix}Date`]);
    const time = text(body[`${m.prefix}Time`]);
    if (!date && !time) {
      if (m.required) errors.push({ field: m.field, message: `${m.field} is required`, rule: 'isNotEmpty' });
      dto[m.field] = m.required ? undefined : null;
      continue;
    }
    if (!date || !time) {
      errors.push({ field: m.field, message: date ? 'enter a time too' : 'enter a date too', rule: date ? 'timeMissing' : 'dateMissing' });
      continue;
    }
    const utc = amsterdamToUtc(date, time);
    if (!utc) errors.push({ field: m.field, message: 'is not a date and time', rule: 'isDateTime' });
    dto[m.field] = utc;
  }
  const at = (field: string) => (typeof dto[field] === 'string' ? Date.parse(dto[field] as string) : undefined);
  if (at('startsAt') !== undefined && at('endsAt') !== undefined && at('endsAt')! <= at('startsAt')!) {
    errors.push({ field: 'endsAt', message: 'must be after startsAt', rule: 'endsBeforeStart' });
  }
  const opens = at('registrationOpensAt');
  const closes = at('registrationClosesAt');
  if (opens !== undefined && closes !== undefined && closes <= opens) errors.push({ field: 'registrationClosesAt', message: 'must be after registrationOpensAt', rule: 'closesBeforeOpens' });

  const questionRows: number[] = [];
  const questions: Record<string, unknown>[] = [];
  for (let row = 0; row < MAX_ROWS; row++) {
    const label = text(body[`question${row}Label`]);
    const optionsText = text(body[`question${row}Options`]);
    if (!label && !optionsText) continue;
    const kind = text(body[`question${row}Kind`]) || 'text';
    const options = optionsText.split(';').map((o) => o.trim()).filter(Boolean);
    if ((kind === 'single' || kind === 'multiple') && options.length < 2) {
      errors.push({ field: `questions.${questions.length}.options`, message: 'a choice question needs at least two options', rule: 'twoOptions' });
    }
    questionRows.push(row);
    questions.push({ label, kind, options: kind === 'single' || kind === 'multiple' ? options : [], required: body[`question${row}Required`] !== undefined });
  }
  dto.questions = questions;

  const sessionRows: number[] = [];
  const sessions: Record<string, unknown>[] = [];
  for (let row = 0; row < MAX_ROWS; row++) {
    const title = text(body[`session${row}Title`]);
    const capacity = text(body[`session${row}Capacity`]);
    if (!title && !capacity) continue;
    sessionRows.push(row);
    sessions.push({ title, capacity: count(capacity) });
  }
  dto.sessions = sessions;
  return { dto, errors, questionRows, sessionRows };
}

/** An event as the form's flat fields, with enough blank rows for new questions and sessions. */
export function eventToForm(event: EventView): Record<string, unknown> {
  const values: Record<string, unknown> = {
    title: event.title,
    description: event.description ?? '',
    format: event.format,
    programmeLines: event.programmeLines,
    tags: event.tags.join(', '),
    venue: event.venue ?? '',
    address: event.address ?? '',
    municipality: event.municipality ?? '',
    capacity: event.capacity ?? '',
    language: event.language,
    reminderHours: event.reminderHours,
  };
  const moments: Record<string, Date | null> = { starts: event.startsAt, ends: event.endsAt, opens: event.registrationOpensAt, closes: event.registrationClosesAt };
  for (const [prefix, value] of Object.entries(moments)) {
    const { date, time } = utcToAmsterdam(value);
    values[`${prefix}Date`] = date;
    values[`${prefix}Time`] = time;
  }
  event.questions.forEach((q, row) => {
    values[`question${row}Label`] = q.label;
    values[`question${row}Kind`] = q.kind;
    values[`question${row}Options`] = q.options.join('; ');
    values[`question${row}Required`] = q.required;
  });
  event.sessions.forEach((s, row) => {
    values[`session${row}Title`] = s.title;
    values[`session${row}Capacity`] = s.capacity ?? '';
  });
  return values;
}

/** The rows the form shows: every filled one, then blank ones up to the default (at least two blank). */
export function formRows(values: Record<string, unknown>, kind: 'question' | 'session'): { index: number; number: number }[] {
  let filled = 0;
  for (let row = 0; row < MAX_ROWS; row++) {
    const key = kind === 'question' ? [`question${row}Label`, `question${row}Options`] : [`session${row}Title`, `session${row}Capacity`];
    if (key.some((k) => text(values[k]) !== '' || typeof values[k] === 'number')) filled = row + 1;
  }
  const total = Math.min(MAX_ROWS, Math.max(kind === 'question' ? QUESTION_ROWS : SESSION_ROWS, filled + 2));
  return Array.from({ length: total }, (_, index) => ({ index, number: index + 1 }));
}

/** Question and session definitions reduced to what the form can change, to tell whether they changed. */
export function sameQuestions(event: EventView, questions: unknown): boolean {
  const now = event.questions.map((q) => ({ label: q.label, kind: q.kind, options: q.kind === 'single' || q.kind === 'multiple' ? q.options : [], required: q.required }));
  return JSON.stringify(now) === JSON.stringify(questions);
}

export function sameSessions(event: EventView, sessions: unknown): boolean {
  return JSON.stringify(event.sessions.map((s) => ({ title: s.title, capacity: s.capacity }))) === JSON.stringify(sessions);
}

/**
 * Errors by DTO path → by form field: `questions.1.label` lands on the row that question came from,
 * date fields on their date/time pair. Messages in the reader's language: a rule the shared catalogue
 * knows keeps its rule (the `fieldError` helper translates it), one of `events.errors` is translated here.
 */
export function eventFormErrors(errors: FieldError[] | FormErrors, rows: { questionRows: number[]; sessionRows: number[] }, t: Translate): FormErrors {
  const list: FieldError[] = Array.isArray(errors) ? errors : Object.entries(errors).map(([field, e]) => ({ field, ...e }));
  const out: FormErrors = {};
  for (const e of list) {
    const field = formField(e.field, rows);
    if (out[field]) continue;
    out[field] = translated(e, t);
  }
  return out;
}

function formField(path: string, rows: { questionRows: number[]; sessionRows: number[] }): string {
  const q = /^questions\.(\d+)\.(\w+)/.exec(path);
  if (q) return `question${rows.questionRows[Number(q[1])] ?? 0}${q[2].charAt(0).toUpperCase()}${q[2].slice(1)}`;
  const s = /^sessions\.(\d+)\.(\w+)/.exec(path);
  if (s) return `session${rows.sessionRows[Number(s[1])] ?? 0}${s[2].charAt(0).toUpperCase()}${s[2].slice(1)}`;
  return path.split('.')[0];
}

/** One error in the reader's language, where the catalogue has words for its rule. */
export function translated(e: { rule?: string; message: string }, t: Translate): { rule?: string; message: string } {
  if (!e.rule) return { message: e.message };
  if (t(`validation.${e.rule}`) !== `validation.${e.rule}`) return { rule: e.rule, message: e.message };
  const own = t(`events.errors.${e.rule}`);
  return own !== `events.errors.${e.rule}` ? { message: own } : { message: e.message };
}


/** Rules that say most about an empty field: shown before "too long" or "not text" for the same field. */
const FIRST_RULES = ['isNotEmpty', 'isDefined', 'arrayMinSize'];

/**
 * validateForm's twin for these pages: every error, the most telling per field first (an empty title
 * fails isString, isNotEmpty and maxLength at once; "required" is what the person needs to read).
 */
export async function validateFields<T extends object>(dto: new () => T, body: Record<string, unknown>): Promise<{ value?: T; errors: FieldError[] }> {
  const value = plainToInstance(dto, body, { enableImplicitConversion: false });
  const errors = toFieldErrors(await validate(value, { whitelist: true, forbidUnknownValues: true }));
  const rank = (e: FieldError) => (e.rule && FIRST_RULES.includes(e.rule) ? 0 : 1);
  errors.sort((a, b) => rank(a) - rank(b));
  return errors.length ? { errors } : { value, errors: [] };
}
