import { FieldError } from '@keyport/common';
import { KEYPORT_MUNICIPALITIES, normaliseTags, ORGANISATION_TYPES, PROGRAMME_LINES, SUPPORT_KINDS, textKey } from '@keyport/crm';
import { EDUCATION_LEVELS, EVENT_FORMATS, GROUP_PARTICIPANT_TYPES, PARTICIPANT_TYPES } from '@keyport/events';
import {
  FILTER_KEYS, FilterKey, KEY_PATTERN, MANUAL_AGGREGATES, ManualAggregate, Metric, METRIC_FILTERS, METRICS, NOTE_MAX, OUTSIDE, TARGET_MAX,
  TargetFilters, TITLE_MAX,
} from './targets.constants';

/** The fields of a target as stored, before or after a change. */
export interface TargetDefinition {
  programmeLine: string;
  key: string | null;
  title: string;
  titleEn: string | null;
  target: number;
  metric: Metric;
  filters: TargetFilters;
  manualAggregate: ManualAggregate | null;
  baseline: number | null;
  countingNote: string | null;
}

const LIST_VALUES: Partial<Record<FilterKey, readonly string[]>> = {
  formats: EVENT_FORMATS,
  programmeLines: PROGRAMME_LINES,
  organisationTypes: ORGANISATION_TYPES,
  participantTypes: [...new Set([...PARTICIPANT_TYPES, ...GROUP_PARTICIPANT_TYPES])],
  educationLevels: EDUCATION_LEVELS,
  supportKinds: SUPPORT_KINDS,
};
const BOOLEAN_FILTERS: FilterKey[] = ['inRegion', 'includePersons'];
const MUNICIPALITY_CHOICES = [...KEYPORT_MUNICIPALITIES, OUTSIDE];

/** A municipality filter value → its canonical name ('Weert', … or 'outside'), or null when unknown. */
export function canonicalMunicipality(value: string): string | null {
  const key = textKey(value);
  return MUNICIPALITY_CHOICES.find((m) => textKey(m) === key) ?? null;
}

/** The key a municipality has in organisations.municipality_key / events.municipality_key ('outside' stays). */
export const municipalityKey = (name: string): string => (name === OUTSIDE ? OUTSIDE : textKey(name));

/**
 * Checks the filters for a metric and returns them normalised (lists without duplicates, tags in lower
 * case, municipalities spelled canonically, empty lists left out). Errors name `filters.<key>`.
 */
export function checkFilters(metric: Metric, input: unknown): { filters: TargetFilters; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const filters: TargetFilters = {};
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { filters, errors: [{ field: 'filters', message: 'filters must be an object', rule: 'isObject' }] };
  }
  const allowed = METRIC_FILTERS[metric] ?? [];
  for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
    const field = `filters.${key}`;
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      errors.push({ field, message: `unknown filter ${key}`, rule: 'unknownFilter' });
      continue;
    }
    const k = key as FilterKey;
    if (raw === undefined || raw === null) continue;
    if (!allowed.includes(k)) {
      errors.push({ field, message: `${key} does not apply to the metric ${metric}`, rule: 'filterNotApplicable' });
      continue;
    }
    if (BOOLEAN_FILTERS.includes(k)) {
      if (typeof raw !== 'boolean') errors.push({ field, message: `${key} must be true or false`, rule: 'isBoolean' });
      else (filters as Record<string, unknown>)[k] = raw;
      continue;
    }
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
      errors.push({ field, message: `${key} must be a list of texts`, rule: 'isArray' });
      continue;
    }
    let values: string[];
    if (k === 'tags') {
      values = normaliseTags(raw) as string[];
      if (values.some((t) => t.length > 50)) errors.push({ field, message: 'a tag is at most 50 characters', rule: 'maxLength' });
    } else if (k === 'municipalities') {
      const canonical = raw.map((v: string) => canonicalMunicipality(v));
      const bad = raw.filter((_: string, i: number) => canonical[i] === null);
      if (bad.length) errors.push({ field, message: `unknown municipality: ${bad.join(', ')} (one of ${MUNICIPALITY_CHOICES.join(', ')})`, rule: 'isIn' });
      values = [...new Set(canonical.filter((v): v is string => v !== null))];
    } else {
      const choices = LIST_VALUES[k] as readonly string[];
      const bad = raw.filter((v: string) => !choices.includes(v));
      if (bad.length) errors.push({ field, message: `${key} must be among ${choices.join(', ')}; not ${bad.join(', ')}`, rule: 'isIn' });
      values = [...new Set(raw as string[])];
    }
    if (values.length > 50) errors.push({ field, message: `${key} has at most 50 values`, rule: 'arrayMaxSize' });
    if (values.length) (filters as Record<string, unknown>)[k] = values;
  }
  if ((metric === 'organisations_supported' || metric === 'support_records') && !filters.supportKinds?.length && !errors.some((e) => e.field === 'filters.supportKinds')) {
    errors.push({ field: 'filters.supportKinds', message: 'name the kinds of support records that count', rule: 'arrayNotEmpty' });
  }
  return { filters, errors };
}

const isWhole = (n: unknown, min: number, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : v);

/**
 * The rules of a whole target, also for callers that skip the DTO pipe. Returns the definition
 * normalised (trimmed texts, checked filters) and every error by field.
 */
export function checkTarget(input: Record<string, unknown>): { value: TargetDefinition; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string, rule: string) => errors.push({ field, message, rule });
  const metric = input.metric as Metric;
  if (!(METRICS as readonly string[]).includes(metric)) fail('metric', `metric must be one of ${METRICS.join(', ')}`, 'isIn');
  if (!(PROGRAMME_LINES as readonly string[]).includes(input.programmeLine as string)) fail('programmeLine', `programmeLine must be one of ${PROGRAMME_LINES.join(', ')}`, 'isIn');
  const title = text(input.title);
  if (typeof title !== 'string' || !title) fail('title', 'title should not be empty', 'isNotEmpty');
  else if (title.length > TITLE_MAX) fail('title', `title must be at most ${TITLE_MAX} characters`, 'maxLength');
  const titleEn = text(input.titleEn) || null;
  if (titleEn !== null && (typeof titleEn !== 'string' || titleEn.length > TITLE_MAX)) fail('titleEn', `titleEn must be a text of at most ${TITLE_MAX} characters`, 'maxLength');
  if (!isWhole(input.target, 1, TARGET_MAX)) fail('target', `target must be a whole number from 1 to ${TARGET_MAX}`, 'isInt');
  const key = text(input.key) || null;
  if (key !== null && (typeof key !== 'string' || !KEY_PATTERN.test(key))) fail('key', 'key must be lower case letters, digits, dots, dashes or underscores (at most 80)', 'matches');
  const note = text(input.countingNote) || null;
  if (note !== null && (typeof note !== 'string' || note.length > NOTE_MAX)) fail('countingNote', `countingNote must be a text of at most ${NOTE_MAX} characters`, 'maxLength');

  let manualAggregate: ManualAggregate | null = null;
  let baseline: number | null = null;
  if (metric === 'manual') {
    if (!(MANUAL_AGGREGATES as readonly string[]).includes(input.manualAggregate as string)) {
      fail('manualAggregate', 'a manual figure needs manualAggregate: latest (a level) or sum (entries added up)', 'isIn');
    } else manualAggregate = input.manualAggregate as ManualAggregate;
    if (input.baseline !== undefined && input.baseline !== null) {
      if (!isWhole(input.baseline, 0, TARGET_MAX)) fail('baseline', `baseline must be a whole number from 0 to ${TARGET_MAX}`, 'isInt');
      else baseline = input.baseline;
    }
  } else {
    if (input.manualAggregate !== undefined && input.manualAggregate !== null) fail('manualAggregate', 'only manual figures have manualAggregate', 'notManual');
    if (input.baseline !== undefined && input.baseline !== null) fail('baseline', 'only manual figures have a baseline', 'notManual');
  }
  const checked = (METRICS as readonly string[]).includes(metric) ? checkFilters(metric, input.filters) : { filters: {}, errors: [] };
  errors.push(...checked.errors);
  return {
    value: {
      programmeLine: input.programmeLine as string,
      key: key as string | null,
      title: title as string,
      titleEn: titleEn as string | null,
      target: input.target as number,
      metric,
      filters: checked.filters,
      manualAggregate,
      baseline,
      countingNote: note as string | null,
    },
    errors,
  };
}
