/**
 * How a target is counted. Each metric is one aggregate SQL statement over the records (see
 * metric-sql.ts); the filters that apply to it are listed in METRIC_FILTERS.
 */
export const METRICS = [
  'organisations_attending',
  'persons_attending',
  'group_headcount',
  'events_held',
  'organisations_visited',
  'questions_answered',
  'organisations_supported',
  'support_records',
  'manual',
  'progress_reports',
] as const;
export type Metric = (typeof METRICS)[number];

export const FILTER_KEYS = [
  'formats',
  'programmeLines',
  'tags',
  'organisationTypes',
  'municipalities',
  'inRegion',
  'participantTypes',
  'educationLevels',
  'supportKinds',
  'includePersons',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * Filters of a target. Within one filter any value matches (OR); different filters must all match (AND).
 * - formats, programmeLines, tags: of the event (for visits: programmeLines and tags = the visit's
 *   programme lines and themes; for support: programmeLines = the record's programme line).
 * - organisationTypes, municipalities, inRegion: of the organisation counted or, for persons and groups,
 *   the organisation they came for (a merged organisation is judged as its survivor). For events held,
 *   municipalities and inRegion are the event's own. 'outside' stands for outside the region or unknown.
 * - participantTypes: of the registration (entrepreneur, employee, student, …) and, for group
 *   headcounts, of the group (student, pupil). educationLevels: of the group.
 * - supportKinds: which support records count (required for the two support metrics).
 * - includePersons (group headcount only): add the distinct persons checked in to the groups' headcounts.
 */
export interface TargetFilters {
  formats?: string[];
  programmeLines?: string[];
  tags?: string[];
  organisationTypes?: string[];
  municipalities?: string[];
  inRegion?: boolean;
  participantTypes?: string[];
  educationLevels?: string[];
  supportKinds?: string[];
  includePersons?: boolean;
}

const ORGANISATION_FILTERS: FilterKey[] = ['organisationTypes', 'municipalities', 'inRegion'];
const EVENT_FILTERS: FilterKey[] = ['formats', 'programmeLines', 'tags'];

export const METRIC_FILTERS: Record<Metric, FilterKey[]> = {
  organisations_attending: [...EVENT_FILTERS, ...ORGANISATION_FILTERS, 'participantTypes'],
  persons_attending: [...EVENT_FILTERS, ...ORGANISATION_FILTERS, 'participantTypes'],
  group_headcount: [...EVENT_FILTERS, ...ORGANISATION_FILTERS, 'participantTypes', 'educationLevels', 'includePersons'],
  events_held: [...EVENT_FILTERS, 'municipalities', 'inRegion'],
  organisations_visited: ['programmeLines', 'tags', ...ORGANISATION_FILTERS],
  questions_answered: [...ORGANISATION_FILTERS],
  organisations_supported: ['supportKinds', 'programmeLines', ...ORGANISATION_FILTERS],
  support_records: ['supportKinds', 'programmeLines', ...ORGANISATION_FILTERS],
  manual: [],
  progress_reports: [],
};

/** Metrics that count check-ins: registered and no-show figures are shown beside them. */
export const ATTENDANCE_METRICS: Metric[] = ['organisations_attending', 'persons_attending', 'group_headcount'];

/**
 * A manual figure's value in a period: 'latest' = the most recent entry in the period (a level, such as
 * followers or subscribers; the baseline is shown beside); 'sum' = all entries in the period added up (an
 * outcome counted as it happens, such as awards given or job seekers placed).
 */
export const MANUAL_AGGREGATES = ['latest', 'sum'] as const;
export type ManualAggregate = (typeof MANUAL_AGGREGATES)[number];

/** What a drill-down row is. */
export type ItemKind = 'organisation' | 'person' | 'group' | 'event' | 'question' | 'support_record' | 'manual_figure' | 'progress_report';

/** Municipality breakdown key for outside the region or unknown. */
export const OUTSIDE = 'outside';

export const TARGET_MAX = 10_000_000;
export const TITLE_MAX = 500;
export const NOTE_MAX = 2_000;
export const KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,79}$/;
export const YEAR_MIN = 2000;
export const YEAR_MAX = 9999;

/** Audit log entity names. */
export const AUDIT = { plan: 'year_plan', target: 'target', figure: 'manual_figure', report: 'progress_report' } as const;
