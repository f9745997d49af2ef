import { DomainError, FieldError } from '@keyport/common';
import { PROGRAMME_LINES } from '@keyport/crm';
import { fieldMap, FormErrors } from '../../common/validation';

export type Translate = (key: string, args?: Record<string, unknown>) => string;

/** One posted value as text ('' and missing alike give undefined). */
export function text(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** Ticked checkboxes: none (missing), one (a string) or several (an array). */
export function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/**
 * The flat fields of the page forms (one question and one follow-up inline) and the DTO paths they
 * fill, so that an error on `followUps.0.assigneeId` shows next to the form's `followUpAssigneeId`.
 */
const FORM_FIELD: Record<string, string> = {
  'questions.0.question': 'question',
  'questions.0.contactId': 'questionContactId',
  'followUps.0.description': 'followUpDescription',
  'followUps.0.assigneeId': 'followUpAssigneeId',
  'followUps.0.dueOn': 'followUpDueOn',
};

/** The new-visit form as the API's CreateVisitDto body; the inline question and follow-up only when filled in. */
export function visitFormToDto(body: Record<string, unknown>): Record<string, unknown> {
  const dto: Record<string, unknown> = {
    organisationId: text(body.organisationId),
    visitedOn: body.visitedOn ?? '',
    accountManagerId: text(body.accountManagerId),
    contactIds: list(body.contactIds),
    programmeLines: list(body.programmeLines),
    themes: body.themes ?? '',
    notes: body.notes ?? '',
  };
  if (text(body.question) || text(body.questionContactId)) dto.questions = [{ question: body.question ?? '', contactId: text(body.questionContactId) }];
  if (text(body.followUpDescription) || text(body.followUpDueOn)) {
    dto.followUps = [{ description: body.followUpDescription ?? '', assigneeId: text(body.followUpAssigneeId), dueOn: text(body.followUpDueOn) }];
  }
  return dto;
}

/** The edit form as an UpdateVisitDto body: unticked boxes clear, an empty notes field clears. */
export function visitEditFormToDto(body: Record<string, unknown>): Record<string, unknown> {
  return {
    visitedOn: body.visitedOn ?? '',
    accountManagerId: text(body.accountManagerId),
    contactIds: list(body.contactIds),
    programmeLines: list(body.programmeLines),
    themes: body.themes ?? '',
    notes: body.notes ?? '',
  };
}

/**
 * Errors keyed by form field, each with a message in the reader's language: class-validator rules the
 * shared catalogue knows keep their rule (the `fieldError` helper translates them); the visit rules
 * (not in the future, unknown organisation…) are translated here from `visits.errors`.
 */
export function formErrors(errors: FormErrors | FieldError[], t: Translate): FormErrors {
  const byField = Array.isArray(errors) ? fieldMap(errors) : errors;
  const out: FormErrors = {};
  for (const [path, error] of Object.entries(byField)) {
    const field = FORM_FIELD[path] ?? path.replace(/\.\d+$/, '');
    if (out[field]) continue;
    const shared = error.rule ? t(`validation.${error.rule}`) : '';
    if (error.rule && shared !== `validation.${error.rule}`) {
      out[field] = error;
      continue;
    }
    const own = error.rule ? t(`visits.errors.${error.rule}`) : '';
    out[field] = own && own !== `visits.errors.${error.rule}` ? { message: own } : { message: error.message };
  }
  return out;
}

/** Field errors of a domain error (a refused value), or undefined for anything else (rethrow it). */
export function fieldsOf(error: unknown): FieldError[] | undefined {
  return error instanceof DomainError && error.fields.length ? error.fields : undefined;
}


/** Where to go back to after a small form: a path on this site only, never another site. */
export function returnPath(value: unknown, fallback: string): string {
  const v = text(value);
  return v && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : fallback;
}

/** Programme lines as checkboxes, ticked as given. */
export function programmeLineOptions(selected: string[]): { value: string; checked: boolean }[] {
  return PROGRAMME_LINES.map((value) => ({ value, checked: selected.includes(value) }));
}
