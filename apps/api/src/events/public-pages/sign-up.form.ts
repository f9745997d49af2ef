import { FieldError } from '@keyport/common';
import { KEYPORT_MUNICIPALITIES } from '@keyport/crm';
import { checkAnswers, EventView, PARTICIPANT_TYPES, QuestionDef, RegistrationDto } from '@keyport/events';
import { fieldMap, FormErrors, validateForm } from '../../common/validation';
import type { Lang } from '../../pages/page-renderer';
import { whenText } from './public-event.view';

/** The trap for robots: a text field people never see. Filled in → we answer "thank you" and store nothing. */
export const HONEYPOT_FIELD = 'website';

const TEXT_FIELDS = ['firstName', 'lastName', 'email', 'organisationName', 'kvkNumber', 'municipality', 'participantType', 'sessionId'] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** The sign-up form as posted: what was typed (to show again), the answers by question id, the trap. */
export interface SignUpInput {
  values: Record<TextField, string>;
  answers: Record<string, string[]>;
  mailingConsent: boolean;
  trapped: boolean;
}

type Translate = (key: string, args?: Record<string, unknown>) => string;

const text = (v: unknown): string => (Array.isArray(v) ? text(v[0]) : typeof v === 'string' ? v : '');
const texts = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');

export function emptySignUp(): SignUpInput {
  return { values: Object.fromEntries(TEXT_FIELDS.map((f) => [f, ''])) as SignUpInput['values'], answers: {}, mailingConsent: false, trapped: false };
}

/**
 * Reads the posted form. Answers arrive as `answers[<question id>]` fields (several for a multiple
 * choice); fields for questions the event does not have are ignored.
 */
export function readSignUp(body: unknown, questions: QuestionDef[]): SignUpInput {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const values = Object.fromEntries(TEXT_FIELDS.map((f) => [f, text(fields[f])])) as SignUpInput['values'];
  const answers: Record<string, string[]> = {};
  for (const q of questions) {
    const given = texts(fields[`answers[${q.id}]`]);
    if (given.length) answers[q.id] = given;
  }
  const consent = text(fields.mailingConsent);
  return { values, answers, mailingConsent: consent === 'on' || consent === 'true', trapped: text(fields[HONEYPOT_FIELD]).trim() !== '' };
}

/**
 * Validates with the API's RegistrationDto, then the event's own rules (the answers, the session), and
 * the one thing the form asks more firmly than the API: how the person takes part. All errors at once.
 */
export async function validateSignUp(input: SignUpInput, event: EventView, lang: Lang): Promise<{ dto?: RegistrationDto; errors: FieldError[] }> {
  const { values } = input;
  const answers = Object.fromEntries(Object.entries(input.answers).map(([id, v]) => [id, v.length === 1 ? v[0] : v]));
  const { value, errors } = await validateForm(RegistrationDto, {
    firstName: values.firstName,
    lastName: values.lastName,
    email: values.email,
    organisationName: values.organisationName,
    kvkNumber: values.kvkNumber,
    municipality: values.municipality,
    participantType: values.participantType,
    ...(event.sessions.length ? { sessionId: values.sessionId } : {}),
    answers,
    mailingConsent: input.mailingConsent,
    language: lang,
  });
  // Only the first error per field survives validateForm: an empty field is "required", whatever rule came first.
  const all: FieldError[] = Object.entries(errors).map(([field, e]) => ({
    field,
    message: e.message,
    rule: field in values && !values[field as TextField].trim() ? 'isNotEmpty' : e.rule,
  }));
  if (!values.participantType.trim() && !errors.participantType) all.push({ field: 'participantType', message: 'choose one', rule: 'isNotEmpty' });
  all.push(...checkAnswers(event.questions, answers).errors);
  if (event.sessions.length && !event.sessions.some((s) => s.id === values.sessionId) && !errors.sessionId) {
    all.push({ field: 'sessionId', message: 'choose a session', rule: values.sessionId ? 'isIn' : 'isNotEmpty' });
  }
  return all.length || !value ? { errors: all } : { dto: value, errors: [] };
}

const OWN_MESSAGES = new Set(['firstName', 'lastName', 'email', 'kvkNumber', 'participantType', 'sessionId']);
const KNOWN_RULES = new Set(['isEmail', 'isNotEmpty', 'minLength', 'maxLength', 'isIn', 'isString', 'isBoolean', 'isInt']);

/** Errors in the reader's language, by field, for the form (the first per field). */
export function translateErrors(errors: FieldError[], t: Translate): FormErrors {
  const message = (e: FieldError): string => {
    if (e.rule === 'maxLength') return t('publicEvents.errors.tooLong');
    if (OWN_MESSAGES.has(e.field)) return t(`publicEvents.errors.${e.field}`);
    if (e.field.startsWith('answers.')) {
      if (e.rule === 'isNotEmpty') return t('publicEvents.errors.answerRequired');
      if (e.rule === 'isIn') return t('publicEvents.errors.answerChoice');
      return t('publicEvents.errors.invalid');
    }
    return e.rule && KNOWN_RULES.has(e.rule) ? t(`validation.${e.rule}`) : t('publicEvents.errors.invalid');
  };
  return fieldMap(errors.map((e) => ({ field: e.field, message: message(e) })));
}

const FIELD_LABELS: Record<string, string> = {
  firstName: 'publicEvents.form.firstName',
  lastName: 'publicEvents.form.lastName',
  email: 'publicEvents.form.email',
  organisationName: 'publicEvents.form.organisationName',
  kvkNumber: 'publicEvents.form.kvkNumber',
  municipality: 'publicEvents.form.municipality',
  participantType: 'publicEvents.form.participantType',
  sessionId: 'publicEvents.form.session',
  mailingConsent: 'publicEvents.form.consentLegend',
};

const choiceKinds = new Set(['single', 'multiple', 'yes_no']);

/** Everything the sign-up form needs to draw itself: values, options, which are chosen, errors and the summary. */
export function signUpFormView(event: EventView, input: SignUpInput, errors: FormErrors, lang: Lang, t: Translate) {
  const questions = event.questions.map((q) => {
    const given = input.answers[q.id] ?? [];
    const options = q.kind === 'yes_no' ? [{ value: 'yes', label: t('common.yes') }, { value: 'no', label: t('common.no') }] : q.options.map((o) => ({ value: o, label: o }));
    const error = errors[`answers.${q.id}`]?.message;
    return {
      id: q.id,
      label: q.label,
      required: q.required,
      name: `answers[${q.id}]`,
      inputId: `q-${q.id}`,
      errorId: `e-q-${q.id}`,
      error,
      isText: q.kind === 'text',
      inputType: q.kind === 'multiple' ? 'checkbox' : 'radio',
      value: given[0] ?? '',
      options: choiceKinds.has(q.kind) ? options.map((o, i) => ({ ...o, id: `q-${q.id}-${i}`, checked: given.includes(o.value) })) : [],
    };
  });
  const sessions = event.sessions.map((s, i) => ({
    id: s.id,
    title: s.title,
    when: s.startsAt ? whenText(s.startsAt, s.endsAt, lang) : null,
    full: s.capacity !== null && s.confirmed >= s.capacity,
    inputId: `f-sessionId-${i}`,
    checked: s.id === input.values.sessionId,
  }));

  // The summary above the form: each error, in the order of the form, linking to its field.
  const order = [
    'firstName', 'lastName', 'email', 'organisationName', 'kvkNumber', 'municipality', 'participantType',
    ...event.questions.map((q) => `answers.${q.id}`), 'sessionId', 'mailingConsent',
  ];
  const anchor = (field: string): string => {
    if (field === 'sessionId') return sessions.length ? sessions[0].inputId : 'signup';
    if (field === 'mailingConsent') return 'f-mailingConsent';
    const q = questions.find((x) => `answers.${x.id}` === field);
    if (q) return q.isText ? q.inputId : (q.options[0]?.id ?? q.inputId);
    return FIELD_LABELS[field] ? `f-${field}` : 'signup';
  };
  const label = (field: string): string => questions.find((x) => `answers.${x.id}` === field)?.label ?? (FIELD_LABELS[field] ? t(FIELD_LABELS[field]) : field);
  const fields = Object.keys(errors).sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
  const summary = fields.map((field) => ({ href: `#${anchor(field)}`, label: label(field), message: errors[field].message }));

  return {
    values: input.values,
    mailingConsent: input.mailingConsent,
    participantTypes: PARTICIPANT_TYPES.map((value) => ({ value, selected: value === input.values.participantType })),
    municipalities: KEYPORT_MUNICIPALITIES,
    questions,
    sessions,
    sessionError: errors.sessionId?.message,
    summary,
    summaryText: summary.length === 1 ? t('publicEvents.form.summaryOne') : t('publicEvents.form.summaryMany', { count: summary.length }),
    honeypotField: HONEYPOT_FIELD,
  };
}
