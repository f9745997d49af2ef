import { FieldError } from '@keyport/common';
import { KEYPORT_MUNICIPALITIES, ORGANISATION_TYPES, PROGRAMME_LINES, textKey } from '@keyport/crm';
import { EVENT_FORMATS } from '@keyport/events';
import { AudienceFiltersDto, AudiencePreview } from '@keyport/mailings';
import { FormErrors } from '../common/validation';
import { list, splitList, text, Translate } from './mailing-pages.util';

/**
 * The audience filters as one fieldset (partial mailings/audience-fields), shared by the mailing form and
 * the segment form. Flat field names (a form post has no nesting): attendanceMode, attendanceFormats, …
 */
export interface AudienceForm {
  organisationTypes: string[];
  municipalities: string[];
  /** Municipalities outside the seven, typed (comma separated). */
  municipalitiesOther: string;
  sectors: string;
  tags: string;
  interests: string[];
  languages: string[];
  attendanceMode: string;
  attendanceFormats: string[];
  attendanceLines: string[];
  attendanceFrom: string;
  attendanceTo: string;
  registration: string;
  /** A follow-up's "only those who received mailing …" (kept, not edited). */
  receivedMailingId: string;
}

export const LANGUAGE_CHOICES = ['nl', 'en'] as const;

export function emptyAudience(): AudienceForm {
  return {
    organisationTypes: [], municipalities: [], municipalitiesOther: '', sectors: '', tags: '', interests: [], languages: [],
    attendanceMode: '', attendanceFormats: [], attendanceLines: [], attendanceFrom: '', attendanceTo: '', registration: '', receivedMailingId: '',
  };
}

export function readAudience(body: Record<string, unknown>): AudienceForm {
  return {
    organisationTypes: list(body.organisationTypes),
    municipalities: list(body.municipalities),
    municipalitiesOther: text(body.municipalitiesOther),
    sectors: text(body.sectors),
    tags: text(body.tags),
    interests: list(body.interests),
    languages: list(body.languages),
    attendanceMode: text(body.attendanceMode),
    attendanceFormats: list(body.attendanceFormats),
    attendanceLines: list(body.attendanceLines),
    attendanceFrom: text(body.attendanceFrom),
    attendanceTo: text(body.attendanceTo),
    registration: text(body.registration),
    receivedMailingId: text(body.receivedMailingId),
  };
}

/** Saved filters as the form shows them: the seven municipalities ticked, any other typed. */
export function audienceFromFilters(filters: AudienceFiltersDto | null | undefined): AudienceForm {
  const f = filters ?? {};
  const keyport = new Map(KEYPORT_MUNICIPALITIES.map((m) => [textKey(m), m as string]));
  const municipalities = f.municipalities ?? [];
  return {
    organisationTypes: [...(f.organisationTypes ?? [])],
    municipalities: municipalities.filter((m) => keyport.has(textKey(m))).map((m) => keyport.get(textKey(m))!),
    municipalitiesOther: municipalities.filter((m) => !keyport.has(textKey(m))).join(', '),
    sectors: (f.sectors ?? []).join(', '),
    tags: (f.tags ?? []).join(', '),
    interests: [...(f.interests ?? [])],
    languages: [...(f.languages ?? [])],
    attendanceMode: f.attendance?.mode ?? '',
    attendanceFormats: [...(f.attendance?.formats ?? [])],
    attendanceLines: [...(f.attendance?.programmeLines ?? [])],
    attendanceFrom: f.attendance?.from ?? '',
    attendanceTo: f.attendance?.to ?? '',
    registration: f.registration ?? '',
    receivedMailingId: f.receivedMailingId ?? '',
  };
}

/** The form as the API's AudienceFiltersDto body (validated by the DTO afterwards). */
export function audienceToFilters(form: AudienceForm): Record<string, unknown> {
  const attendanceGiven = form.attendanceMode !== '';
  return {
    organisationTypes: form.organisationTypes,
    municipalities: [...form.municipalities, ...splitList(form.municipalitiesOther)],
    sectors: splitList(form.sectors),
    tags: splitList(form.tags),
    interests: form.interests,
    languages: form.languages,
    attendance: attendanceGiven
      ? { mode: form.attendanceMode, formats: form.attendanceFormats, programmeLines: form.attendanceLines, from: form.attendanceFrom, to: form.attendanceTo }
      : undefined,
    registration: form.registration || undefined,
    receivedMailingId: form.receivedMailingId || undefined,
  };
}

/** What the DTO cannot see: an attendance period without a mode, a period backwards, registration without an event. */
export function audienceChecks(form: AudienceForm, options: { eventId?: string | null; needsEvent: boolean }): FieldError[] {
  const errors: FieldError[] = [];
  const attendanceDetails = form.attendanceFormats.length || form.attendanceLines.length || form.attendanceFrom || form.attendanceTo;
  if (!form.attendanceMode && attendanceDetails) errors.push({ field: 'attendanceMode', message: 'choose attended or not attended', rule: 'attendanceMode' });
  if (form.attendanceFrom && form.attendanceTo && form.attendanceFrom > form.attendanceTo) errors.push({ field: 'attendanceTo', message: 'the period ends before it starts', rule: 'period' });
  if (options.needsEvent && form.registration && !options.eventId) {
    errors.push({ field: 'registration', message: 'choose the event of the mailing for this filter', rule: 'registrationNeedsEvent' });
  }
  return errors;
}

const ATTENDANCE_FIELDS: Record<string, string> = {
  mode: 'attendanceMode', formats: 'attendanceFormats', programmeLines: 'attendanceLines', from: 'attendanceFrom', to: 'attendanceTo',
};

/** A DTO field path ('filters.attendance.from', 'municipalities.2') as the form field it belongs to. */
export function audienceField(path: string): string {
  const p = path.replace(/^filters\./, '');
  const [head, sub] = p.split('.');
  if (head === 'attendance') return ATTENDANCE_FIELDS[sub] ?? 'attendanceMode';
  return head;
}

/** Everything the partial needs: the choices with what is ticked, the values, and the errors. */
export function audienceView(form: AudienceForm, errors: FormErrors, t: Translate, options: { showRegistration: boolean; registrationHint: string }) {
  const ticks = (values: readonly string[], chosen: string[], label: (v: string) => string, name: string) =>
    values.map((value) => ({ value, label: label(value), checked: chosen.includes(value), id: `f-${name}-${value}` }));
  return {
    values: form,
    organisationTypes: ticks(ORGANISATION_TYPES, form.organisationTypes, (v) => t(`organisations.types.${v}`), 'organisationTypes'),
    municipalities: ticks(KEYPORT_MUNICIPALITIES, form.municipalities, (v) => v, 'municipalities'),
    interests: ticks(PROGRAMME_LINES, form.interests, (v) => t(`events.programmeLines.${v}`), 'interests'),
    languages: ticks(LANGUAGE_CHOICES, form.languages, (v) => t(`mailings.languages.${v}`), 'languages'),
    attendanceModes: ['attended', 'not_attended'].map((value) => ({ value, label: t(`mailings.audience.attendance.${value}`), selected: form.attendanceMode === value })),
    attendanceFormats: ticks(EVENT_FORMATS, form.attendanceFormats, (v) => t(`events.formats.${v}`), 'attendanceFormats'),
    attendanceLines: ticks(PROGRAMME_LINES, form.attendanceLines, (v) => t(`events.programmeLines.${v}`), 'attendanceLines'),
    registrations: ['registered', 'not_registered'].map((value) => ({ value, label: t(`mailings.audience.registration.${value}`), selected: form.registration === value })),
    showRegistration: options.showRegistration,
    registrationHint: options.registrationHint,
    errors,
  };
}

/** The filters in words, one line each, for the mailing page and the segment list. */
export function describeAudience(filters: AudienceFiltersDto | null | undefined, t: Translate, names: { receivedMailing?: string | null } = {}): string[] {
  const f = filters ?? {};
  const lines: string[] = [];
  const join = (values: string[]) => values.join(', ');
  if (f.organisationTypes?.length) lines.push(`${t('mailings.audience.organisationTypes')}: ${join(f.organisationTypes.map((v) => t(`organisations.types.${v}`)))}`);
  if (f.municipalities?.length) lines.push(`${t('mailings.audience.municipalities')}: ${join(f.municipalities)}`);
  if (f.sectors?.length) lines.push(`${t('mailings.audience.sectors')}: ${join(f.sectors)}`);
  if (f.tags?.length) lines.push(`${t('mailings.audience.tags')}: ${join(f.tags)}`);
  if (f.interests?.length) lines.push(`${t('mailings.audience.interests')}: ${join(f.interests.map((v) => t(`events.programmeLines.${v}`)))}`);
  if (f.languages?.length) lines.push(`${t('mailings.audience.languages')}: ${join(f.languages.map((v) => t(`mailings.languages.${v}`)))}`);
  if (f.attendance?.mode) {
    const a = f.attendance;
    const parts = [
      a.formats?.length ? join(a.formats.map((v) => t(`events.formats.${v}`))) : '',
      a.programmeLines?.length ? join(a.programmeLines.map((v) => t(`events.programmeLines.${v}`))) : '',
      a.from || a.to ? t('mailings.audience.period', { from: a.from ?? '…', to: a.to ?? '…' }) : '',
    ].filter(Boolean);
    lines.push(`${t(`mailings.audience.attendance.${a.mode}`)}${parts.length ? `: ${parts.join('; ')}` : ` ${t('mailings.audience.anyEvent')}`}`);
  }
  if (f.registration) lines.push(t(`mailings.audience.registration.${f.registration}`));
  if (f.receivedMailingId) lines.push(t('mailings.audience.receivedMailing', { name: names.receivedMailing ?? f.receivedMailingId }));
  if (!lines.length) lines.push(t('mailings.audience.everyone'));
  return lines;
}

/** The live count as the partial mailings/audience-count shows it. */
export function countView(preview: AudiencePreview) {
  return {
    ...preview,
    hasSample: preview.sample.length > 0,
    excludedReasons: (['no_consent', 'unsubscribed', 'bounced'] as const).map((reason) => ({ reason, count: preview.excluded[reason] })),
  };
}
