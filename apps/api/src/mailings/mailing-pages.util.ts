import { amsterdamToUtc, FieldError } from '@keyport/common';
import { FormErrors } from '../common/validation';
import { list, text, Translate } from '../common/form-values';

export { list, text };
export type { Translate };

/** Free text with several values: separated by commas, semicolons or new lines. */
export function splitList(value: string): string[] {
  return [...new Set(value.split(/[,;\n\r]+/).map((v) => v.trim()).filter(Boolean))];
}

export { isUuid } from '@keyport/mailings';

/** Rules this feature words itself (mailings.errors.*); the others come from validation.* where it has them. */
const OWN_RULES = new Set(['isIso8601', 'arrayMaxSize', 'isUuid', 'isArray', 'template', 'attendanceMode', 'period', 'registrationNeedsEvent', 'future', 'dateTime', 'segmentName']);
const SHARED_RULES = new Set(['isEmail', 'isNotEmpty', 'minLength', 'maxLength', 'isIn', 'isString', 'isBoolean', 'isInt']);

/** A template error message of the library ('unknown variable or helper "x" on line 3') in the reader's language. */
export function templateMessage(message: string, t: Translate): string {
  const noEvent = / \(this mailing has no event\)$/.test(message);
  const core = message.replace(/ \(this mailing has no event\)$/, '');
  const unknown = /^unknown variable or helper "([^"]+)"(?: on line (\d+))?/.exec(core);
  const syntax = /^syntax error on line (\d+): ([\s\S]*)$/.exec(core);
  const worded = unknown
    ? unknown[2]
      ? t('mailings.templateErrors.unknownOnLine', { name: unknown[1], line: unknown[2] })
      : t('mailings.templateErrors.unknown', { name: unknown[1] })
    : syntax
      ? t('mailings.templateErrors.syntax', { line: syntax[1], detail: syntax[2] })
      : core;
  return noEvent ? `${worded} ${t('mailings.templateErrors.noEvent')}` : worded;
}

/** One error in the reader's language. */
export function errorText(e: { rule?: string; message: string }, t: Translate): string {
  if (e.rule === 'template') return templateMessage(e.message, t);
  if (e.rule && OWN_RULES.has(e.rule)) return t(`mailings.errors.${e.rule}`);
  if (e.rule && SHARED_RULES.has(e.rule)) return t(`validation.${e.rule}`);
  if (/^unknown variable|^syntax error/.test(e.message)) return templateMessage(e.message, t);
  if (/is not a saved template/.test(e.message)) return t('mailings.errors.unknownTemplate');
  if (/is not an event/.test(e.message)) return t('mailings.errors.unknownEvent');
  if (/is not a saved segment/.test(e.message)) return t('mailings.errors.unknownSegment');
  if (/is not (in the audience|a recipient)/.test(e.message)) return t('mailings.errors.notInAudience');
  return e.message;
}

/** Field errors (the first per field) in the reader's language, with the field names renamed for the form. */
export function formErrors(errors: FieldError[] | FormErrors, t: Translate, rename: (field: string) => string = (f) => f): FormErrors {
  const items: FieldError[] = Array.isArray(errors) ? errors : Object.entries(errors).map(([field, e]) => ({ field, ...e }));
  const out: FormErrors = {};
  for (const e of items) out[rename(e.field)] ??= { message: errorText(e, t) };
  return out;
}

/** The template parts in the order of the editor, with their form field and label keys. */
export const TEMPLATE_PARTS = [
  { lang: 'nl', part: 'subject' },
  { lang: 'nl', part: 'html' },
  { lang: 'nl', part: 'text' },
  { lang: 'en', part: 'subject' },
  { lang: 'en', part: 'html' },
  { lang: 'en', part: 'text' },
] as const;

/** Template errors as a list for the page: which part (language + subject/HTML/text), and what, with the line. */
export function templateErrorList(errors: FieldError[], t: Translate): { field: string; anchor: string; part: string; message: string }[] {
  return errors
    .filter((e) => /^(nl|en)\.(subject|html|text)$/.test(e.field))
    .map((e) => {
      const [lang, part] = e.field.split('.');
      return {
        field: e.field,
        anchor: `f-${lang}_${part}`,
        part: `${t(`mailings.languages.${lang}`)} · ${t(`mailings.parts.${part}`)}`,
        message: templateMessage(e.message, t),
      };
    });
}

/** A `datetime-local` value (wall-clock time in Amsterdam) as an ISO instant in UTC; undefined when it is not one. */
export function amsterdamLocalToUtc(value: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?$/.exec(value.trim());
  return m ? amsterdamToUtc(m[1], m[2]) : undefined;
}

/** Query parameters for list links (export, paging), dropping empty values. */
export function queryString(params: Record<string, unknown>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') out.set(key, String(value));
  }
  return out.toString();
}
