import { FieldError } from '@keyport/common';
import { KEYPORT_MUNICIPALITIES, ORGANISATION_TYPES, PROGRAMME_LINES, SUPPORT_KINDS } from '@keyport/crm';
import { EDUCATION_LEVELS, EVENT_FORMATS, GROUP_PARTICIPANT_TYPES, PARTICIPANT_TYPES } from '@keyport/events';
import { FilterKey, MANUAL_AGGREGATES, Metric, METRIC_FILTERS, METRICS, OUTSIDE, TargetFilters, TargetView } from '@keyport/targets';
import { FormErrors } from '../../common/validation';
import { list, splitList, text, Translate } from '../../mailings/mailing-pages.util';

/** Programme lines in the order of the plan (as the library sorts targets). */
export const PLAN_LINES = ['innovation', 'entrepreneurship', 'labour_market', 'communication', 'project_development'] as const;

const PARTICIPANT_CHOICES = [...new Set<string>([...PARTICIPANT_TYPES, ...GROUP_PARTICIPANT_TYPES])];

/** The choices of each list filter and how a choice is worded. */
const LIST_FILTERS: Partial<Record<FilterKey, { values: readonly string[]; label: (v: string, t: Translate) => string }>> = {
  formats: { values: EVENT_FORMATS, label: (v, t) => t(`events.formats.${v}`) },
  programmeLines: { values: PROGRAMME_LINES, label: (v, t) => t(`events.programmeLines.${v}`) },
  organisationTypes: { values: ORGANISATION_TYPES, label: (v, t) => t(`organisations.types.${v}`) },
  municipalities: { values: [...KEYPORT_MUNICIPALITIES, OUTSIDE], label: (v, t) => (v === OUTSIDE ? t('plans.outside') : v) },
  participantTypes: { values: PARTICIPANT_CHOICES, label: (v, t) => t(`plans.participantTypes.${v}`) },
  educationLevels: { values: EDUCATION_LEVELS, label: (v, t) => t(`plans.educationLevels.${v}`) },
  supportKinds: { values: SUPPORT_KINDS, label: (v, t) => t(`support.kinds.${v}`) },
};

/** A target as the form holds it: every value as typed. */
export interface TargetForm {
  programmeLine: string;
  title: string;
  titleEn: string;
  target: string;
  metric: string;
  /** The metric whose fields the form showed (a changed metric first shows its own fields). */
  shownMetric: string;
  key: string;
  countingNote: string;
  manualAggregate: string;
  baseline: string;
  lists: Partial<Record<FilterKey, string[]>>;
  tags: string;
  inRegion: string;
  includePersons: boolean;
}

const isMetric = (m: string): m is Metric => (METRICS as readonly string[]).includes(m);
export const filtersFor = (metric: string): FilterKey[] => (isMetric(metric) ? METRIC_FILTERS[metric] : []);

export function emptyTargetForm(programmeLine = ''): TargetForm {
  return {
    programmeLine: (PROGRAMME_LINES as readonly string[]).includes(programmeLine) ? programmeLine : 'innovation',
    title: '', titleEn: '', target: '', metric: 'organisations_attending', shownMetric: 'organisations_attending', key: '', countingNote: '',
    manualAggregate: '', baseline: '', lists: {}, tags: '', inRegion: '', includePersons: false,
  };
}

export function targetFormOf(t: TargetView): TargetForm {
  const f = t.filters ?? {};
  const lists: Partial<Record<FilterKey, string[]>> = {};
  for (const key of Object.keys(LIST_FILTERS) as FilterKey[]) lists[key] = [...(((f as Record<string, unknown>)[key] as string[] | undefined) ?? [])];
  return {
    programmeLine: t.programmeLine, title: t.title, titleEn: t.titleEn ?? '', target: String(t.target), metric: t.metric, shownMetric: t.metric,
    key: t.key ?? '', countingNote: t.countingNote ?? '', manualAggregate: t.manualAggregate ?? '', baseline: t.baseline === null ? '' : String(t.baseline),
    lists, tags: (f.tags ?? []).join(', '), inRegion: f.inRegion === undefined ? '' : String(f.inRegion), includePersons: f.includePersons === true,
  };
}

export function readTargetForm(body: Record<string, unknown>): TargetForm {
  const lists: Partial<Record<FilterKey, string[]>> = {};
  for (const key of Object.keys(LIST_FILTERS) as FilterKey[]) lists[key] = list(body[key]);
  return {
    programmeLine: text(body.programmeLine), title: text(body.title), titleEn: text(body.titleEn), target: text(body.target), metric: text(body.metric),
    shownMetric: text(body.shownMetric), key: text(body.key), countingNote: text(body.countingNote), manualAggregate: text(body.manualAggregate),
    baseline: text(body.baseline), lists, tags: text(body.tags), inRegion: text(body.inRegion), includePersons: text(body.includePersons) === 'true',
  };
}

/** A whole number as typed, or the text itself (so the library names it as not a whole number). */
function number(value: string): unknown {
  if (value === '') return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/** The filters the form gives for its metric (only those that apply to it; empty ones left out). */
export function formFilters(form: TargetForm): TargetFilters {
  const out: Record<string, unknown> = {};
  for (const key of filtersFor(form.metric)) {
    if (LIST_FILTERS[key]) {
      if (form.lists[key]?.length) out[key] = form.lists[key];
    } else if (key === 'tags') {
      const tags = splitList(form.tags);
      if (tags.length) out.tags = tags;
    } else if (key === 'inRegion') {
      if (form.inRegion === 'true' || form.inRegion === 'false') out.inRegion = form.inRegion === 'true';
    } else if (key === 'includePersons') {
      if (form.includePersons) out.includePersons = true;
    }
  }
  return out as TargetFilters;
}

/** The form as the library's target input (checked there: checkTarget). */
export function targetInput(form: TargetForm): Record<string, unknown> {
  const manual = form.metric === 'manual';
  return {
    programmeLine: form.programmeLine,
    title: form.title,
    titleEn: form.titleEn || null,
    target: number(form.target) ?? null,
    metric: form.metric,
    filters: formFilters(form),
    key: form.key || null,
    countingNote: form.countingNote || null,
    manualAggregate: manual ? form.manualAggregate || null : null,
    baseline: manual ? (number(form.baseline) ?? null) : null,
  };
}

/** Rules worded by this feature (plans.errors.*), by "field:rule" first, then by rule. */
const OWN: Record<string, string> = {
  'target:isInt': 'targetNumber',
  'baseline:isInt': 'baseline',
  'manualAggregate:isIn': 'manualAggregate',
  'manualAggregate:notManual': 'notManual',
  'baseline:notManual': 'notManual',
  'key:matches': 'keyPattern',
  'key:keyTaken': 'keyTaken',
  'metric:hasManualFigures': 'hasManualFigures',
  'filters.supportKinds:arrayNotEmpty': 'supportKindsRequired',
  'year:planExists': 'yearTaken',
  'copyFrom:planExists': 'noPlanToCopy',
  'year:isYear': 'year',
  'year:isInt': 'year',
  'year:min': 'year',
  'year:max': 'year',
  'copyFrom:isInt': 'year',
  'copyFrom:min': 'year',
  'copyFrom:max': 'year',
  'recordedOn:matches': 'date',
  'recordedOn:isString': 'date',
  'recordedOn:isDate': 'date',
  'recordedOn:isIso8601': 'date',
  'value:isInt': 'figureValue',
  'value:min': 'figureValue',
  'value:max': 'figureValue',
  'targetId:notManual': 'notManualTarget',
  filterNotApplicable: 'filterNotApplicable',
  unknownFilter: 'filterNotApplicable',
  isBoolean: 'isBoolean',
  isArray: 'isArray',
  arrayMaxSize: 'arrayMaxSize',
};
const SHARED = new Set(['isNotEmpty', 'maxLength', 'isIn', 'isString', 'isBoolean', 'isInt']);

export function planErrorText(e: FieldError | { field: string; rule?: string; message: string }, t: Translate): string {
  const own = OWN[`${e.field}:${e.rule}`] ?? (e.rule ? OWN[e.rule] : undefined);
  if (own) return t(`plans.errors.${own}`);
  if (e.rule && SHARED.has(e.rule)) return t(`validation.${e.rule}`);
  return e.message;
}

/** A library field ('filters.formats', 'filters') as the form field it belongs to. */
export function formField(field: string): string {
  if (field === 'filters') return 'metric';
  if (field === 'targetId') return 'metric';
  return field.replace(/^filters\./, '');
}

/** Field errors (the first per field) in the reader's language, keyed by form field. */
export function planFormErrors(errors: FieldError[], t: Translate, rename: (f: string) => string = formField): FormErrors {
  const out: FormErrors = {};
  for (const e of errors) out[rename(e.field)] ??= { message: planErrorText(e, t) };
  return out;
}

/** Everything the target form shows: the fields, the metric's filters with their choices, and the errors. */
export function targetFormView(form: TargetForm, errors: FormErrors, t: Translate) {
  const metric = form.shownMetric && isMetric(form.shownMetric) ? form.shownMetric : form.metric;
  const filters = filtersFor(metric).map((key) => {
    const choices = LIST_FILTERS[key];
    return {
      key,
      id: `f-${key}`,
      legend: t(`plans.filters.${key}`),
      hint: t(`plans.filterHints.${key}`),
      error: errors[key]?.message,
      isList: Boolean(choices),
      isTags: key === 'tags',
      isInRegion: key === 'inRegion',
      isIncludePersons: key === 'includePersons',
      choices: choices?.values.map((value) => ({ value, id: `f-${key}-${value.replace(/[^\w-]/g, '_')}`, label: choices.label(value, t), checked: form.lists[key]?.includes(value) ?? false })),
      tags: form.tags,
      inRegionChoices: [
        { value: '', label: t('plans.inRegion.any'), selected: form.inRegion === '' },
        { value: 'true', label: t('plans.inRegion.true'), selected: form.inRegion === 'true' },
        { value: 'false', label: t('plans.inRegion.false'), selected: form.inRegion === 'false' },
      ],
      includePersons: form.includePersons,
    };
  });
  return {
    values: form,
    shownMetric: metric,
    isManual: metric === 'manual',
    lines: PLAN_LINES.map((value) => ({ value, label: t(`events.programmeLines.${value}`), selected: form.programmeLine === value })),
    metrics: METRICS.map((value) => ({ value, label: t(`plans.metrics.${value}`), selected: form.metric === value })),
    metricHint: t(`plans.metricHints.${metric}`),
    aggregates: MANUAL_AGGREGATES.map((value) => ({ value, label: t(`plans.aggregates.${value}`), selected: form.manualAggregate === value })),
    filters,
    hasFilters: filters.length > 0,
  };
}

/** The filters in words, one line each ("Vorm: Ontbijtsessie, Masterclass"). */
export function describeFilters(filters: TargetFilters | null | undefined, t: Translate): string[] {
  const f = (filters ?? {}) as Record<string, unknown>;
  const lines: string[] = [];
  for (const key of ['formats', 'programmeLines', 'tags', 'organisationTypes', 'municipalities', 'inRegion', 'participantTypes', 'educationLevels', 'supportKinds', 'includePersons'] as FilterKey[]) {
    const v = f[key];
    if (v === undefined || v === null) continue;
    const legend = t(`plans.filters.${key}`);
    if (key === 'inRegion') lines.push(`${legend}: ${t(`plans.inRegion.${v === true ? 'true' : 'false'}`)}`);
    else if (key === 'includePersons') {
      if (v === true) lines.push(t('plans.includePersonsOn'));
    } else if (key === 'tags') {
      if (Array.isArray(v) && v.length) lines.push(`${legend}: ${v.join(', ')}`);
    } else if (Array.isArray(v) && v.length) {
      const choices = LIST_FILTERS[key];
      lines.push(`${legend}: ${v.map((x: string) => (choices ? choices.label(x, t) : x)).join(', ')}`);
    }
  }
  return lines;
}
