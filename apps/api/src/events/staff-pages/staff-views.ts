import { FieldError } from '@keyport/common';
import { EventView, RegistrationView } from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import type { FastifyRequest } from 'fastify';
import { FormErrors } from '../../common/validation';
import { list, text, translated, Translate } from './event-form';

export const BASE = '/manage/events';

/** Organisers (and admins) change events; account managers only read. */
export const canWrite = (actor: Actor): boolean => actor.role === Role.Admin || actor.role === Role.Organiser;

export function fullName(r: { firstName: string; lastName: string }): string {
  return `${r.firstName} ${r.lastName}`.trim();
}

/** One registration as a row of the staff lists: answers by question label, what may be done with it. */
export function registrationRow(event: EventView, r: RegistrationView) {
  return {
    ...r,
    name: fullName(r),
    answerList: event.questions
      .map((q) => {
        const a = r.answers?.[q.id];
        return { label: q.label, value: Array.isArray(a) ? a.join('; ') : (a ?? '') };
      })
      .filter((a) => a.value !== ''),
    canConfirm: r.status === 'waitlisted',
    canWaitlist: r.status === 'confirmed',
    canCancel: r.status === 'confirmed' || r.status === 'waitlisted',
    canCheckIn: r.status !== 'attended' && r.status !== 'cancelled',
  };
}

/** The custom questions as form inputs (staff registration, walk-in), with what was typed and the errors. */
export function questionInputs(event: EventView, values: Record<string, unknown>, errors: FormErrors) {
  return event.questions.map((q) => {
    const name = `answer_${q.id}`;
    const given = q.kind === 'multiple' ? list(values[name]) : [text(values[name])];
    return {
      ...q,
      name,
      isText: q.kind === 'text',
      isSingle: q.kind === 'single',
      isMultiple: q.kind === 'multiple',
      isYesNo: q.kind === 'yes_no',
      value: given[0] ?? '',
      choices: q.options.map((o, i) => ({ value: o, id: `${name}-${i}`, checked: given.includes(o) })),
      yesSelected: given[0] === 'yes',
      noSelected: given[0] === 'no',
      error: errors[name]?.message,
    };
  });
}

/** The registration form (staff registration, walk-in) as the API's RegistrationDto body. */
export function registrationFormToDto(event: EventView, body: Record<string, unknown>): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const q of event.questions) {
    const value = q.kind === 'multiple' ? list(body[`answer_${q.id}`]) : text(body[`answer_${q.id}`]);
    if (Array.isArray(value) ? value.length : value) answers[q.id] = value;
  }
  return {
    firstName: text(body.firstName),
    lastName: text(body.lastName),
    email: text(body.email),
    organisationName: text(body.organisationName) || undefined,
    municipality: text(body.municipality) || undefined,
    participantType: text(body.participantType) || undefined,
    sessionId: text(body.sessionId) || undefined,
    answers,
  };
}

/** Registration errors by form field (`answers.<id>` → `answer_<id>`), in the reader's language. */
export function registrationFormErrors(errors: FieldError[] | FormErrors, t: Translate): FormErrors {
  const items: FieldError[] = Array.isArray(errors) ? errors : Object.entries(errors).map(([field, e]) => ({ field, ...e }));
  const out: FormErrors = {};
  for (const e of items) {
    const field = e.field.startsWith('answers.') ? `answer_${e.field.slice('answers.'.length)}` : e.field;
    out[field] ??= translated(e, t);
  }
  return out;
}

/** A page of the same event to return to after a small action (never a foreign address). */
export function backTo(eventId: string, body: Record<string, unknown>, fallback: string): string {
  const back = text(body.back);
  const own = `${BASE}/${eventId}`;
  return back && (back === own || back.startsWith(`${own}?`) || back.startsWith(`${own}/`)) && !back.includes('//') && !/[\r\n\\]/.test(back) ? back : fallback;
}

/** The list's filters for the export link (without paging). */
export function filtersOf(req: FastifyRequest): string {
  const params = new URL(req.url, 'http://x').searchParams;
  params.delete('page');
  params.delete('format');
  params.delete('lang');
  const rest = params.toString();
  return rest ? `&${rest}` : '';
}

/** Only a draft or published event can still be changed. */
export const editable = (e: EventView): boolean => e.status === 'draft' || e.status === 'published';
