import { DISPLAY_TIME_ZONE } from '@keyport/common';
import { ERASED_NAME } from '@keyport/crm';
import { Period } from './period';
import { municipalityKey } from './target-rules';
import { ManualAggregate, Metric, OUTSIDE, TargetFilters } from './targets.constants';

/**
 * The SQL of each metric. Every metric is written as `base`: one row per record that may count, with
 *   kind, unit_id    what is counted once (an organisation, a person, an event, a group, …)
 *   record_id        the record behind the row (registration, visit, support record, …)
 *   label, detail    for the drill-down
 *   municipality     a Keyport municipality key, or 'outside' (outside the region or unknown)
 *   at               when it counts (an attendance at the event's start; a date at Amsterdam midnight)
 *   weight           1, or a group's headcount, or a manual figure's value
 *   counted          whether the row counts (a registration counts when checked in: status 'attended')
 *   no_show, is_reg  for the registered / no-show figures beside attendance metrics
 * `per_unit` groups the rows by unit, so a distinct organisation counts once however many of its people
 * came. Organisations and persons are always taken as their survivor (coalesce(merged_into_id, id)), and
 * persons by id, so a merge counts once and an erased (anonymised) person still counts.
 * Every statement built here is one aggregate query; nothing is counted in JavaScript.
 */
export interface MetricTarget {
  id: string;
  metric: Metric;
  filters: TargetFilters;
  manualAggregate: ManualAggregate | null;
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const TZ = `'${DISPLAY_TIME_ZONE}'`;
const ORG_MUNICIPALITY = (o: string) => `CASE WHEN ${o}.in_region AND ${o}.municipality_key IS NOT NULL THEN ${o}.municipality_key ELSE '${OUTSIDE}' END`;
const dayStart = (date: string) => `(${date}::timestamp AT TIME ZONE ${TZ})`;

interface Bounds {
  startDate: string;
  endDate: string;
  startTs: string;
  endTs: string;
}

function bounds(p: Params, period: Period): Bounds {
  const start = `${p.add(period.start)}::date`;
  const end = `${p.add(period.end)}::date`;
  return { startDate: start, endDate: end, startTs: dayStart(start), endTs: dayStart(end) };
}

/** Conditions on an organisation (alias o, possibly NULL when the record has none). */
function organisationWhere(p: Params, f: TargetFilters, o = 'o'): string[] {
  const where: string[] = [];
  if (f.organisationTypes?.length) where.push(`${o}.type = ANY(${p.add(f.organisationTypes)}::text[])`);
  if (f.municipalities?.length) where.push(`${ORG_MUNICIPALITY(o)} = ANY(${p.add(f.municipalities.map(municipalityKey))}::text[])`);
  if (f.inRegion !== undefined) where.push(`coalesce(${o}.in_region, false) = ${p.add(f.inRegion)}`);
  return where;
}

function eventWhere(p: Params, f: TargetFilters, e = 'e'): string[] {
  const where: string[] = [];
  if (f.formats?.length) where.push(`${e}.format = ANY(${p.add(f.formats)}::text[])`);
  if (f.programmeLines?.length) where.push(`${e}.programme_lines && ${p.add(f.programmeLines)}::text[]`);
  if (f.tags?.length) where.push(`${e}.tags && ${p.add(f.tags)}::text[]`);
  return where;
}

const and = (conditions: string[]) => (conditions.length ? conditions.join(' AND ') : 'true');

/** A survivor organisation `o` for a column holding an organisation id (left join: the column may be NULL). */
const survivorOrganisation = (column: string, alias: string) =>
  `LEFT JOIN organisations ${alias}_0 ON ${alias}_0.id = ${column} LEFT JOIN organisations ${alias} ON ${alias}.id = coalesce(${alias}_0.merged_into_id, ${alias}_0.id)`;

/**
 * `lean`: only what a figure needs (unit, counted, time, weight), for the tally and the monthly series:
 * no names, details or municipality, so a person is one join on contacts (for the survivor) and the
 * organisation is joined only when a filter asks for it. The dashboard runs on these.
 */
function attendanceRows(p: Params, f: TargetFilters, b: Bounds, unit: 'organisation' | 'person', lean = false): string {
  const where = [
    `r.status IN ('confirmed', 'attended', 'no_show')`,
    `e.starts_at >= ${b.startTs}`,
    `e.starts_at < ${b.endTs}`,
    ...eventWhere(p, f),
    ...organisationWhere(p, f),
  ];
  if (f.participantTypes?.length) where.push(`r.participant_type = ANY(${p.add(f.participantTypes)}::text[])`);
  const common = `e.starts_at AS at, 1::bigint AS weight, r.status = 'attended' AS counted, r.status = 'no_show' AS no_show, true AS is_reg`;
  const organisationFiltered = organisationWhere(new Params(), f).length > 0;
  if (unit === 'organisation' && lean && !organisationFiltered) {
    // Only merged organisations need a lookup (their survivor); everyone else counts as themselves.
    return `
      SELECT 'organisation'::text AS kind, coalesce(om.merged_into_id, r.organisation_id)::text AS unit_id, r.id::text AS record_id, NULL::text AS label,
             NULL::text AS municipality, ${common}, NULL::jsonb AS detail
        FROM registrations r JOIN events e ON e.id = r.event_id
        LEFT JOIN organisations om ON om.id = r.organisation_id AND om.merged_into_id IS NOT NULL
       WHERE r.organisation_id IS NOT NULL AND ${and(where)}`;
  }
  if (unit === 'organisation') {
    where.push('o.id IS NOT NULL');
    return `
      SELECT 'organisation'::text AS kind, o.id::text AS unit_id, r.id::text AS record_id, o.name AS label, ${ORG_MUNICIPALITY('o')} AS municipality, ${common},
             jsonb_build_object('type', o.type, 'municipality', o.municipality) AS detail
        FROM registrations r JOIN events e ON e.id = r.event_id ${survivorOrganisation('r.organisation_id', 'o')}
       WHERE ${and(where)}`;
  }
  if (lean) {
    // Only merged persons need a lookup (their survivor); everyone else counts as themselves, by id.
    return `
      SELECT 'person'::text AS kind, coalesce(cm.merged_into_id, r.contact_id)::text AS unit_id, r.id::text AS record_id, NULL::text AS label,
             NULL::text AS municipality, ${common}, NULL::jsonb AS detail
        FROM registrations r JOIN events e ON e.id = r.event_id
        LEFT JOIN contacts cm ON cm.id = r.contact_id AND cm.merged_into_id IS NOT NULL
        ${organisationFiltered ? survivorOrganisation('r.organisation_id', 'o') : ''}
       WHERE ${and(where)}`;
  }
  return `
      SELECT 'person'::text AS kind, c.id::text AS unit_id, r.id::text AS record_id,
             CASE WHEN c.erased_at IS NULL THEN trim(c.first_name || ' ' || c.last_name) ELSE ${p.add(ERASED_NAME)} END AS label,
             ${ORG_MUNICIPALITY('o')} AS municipality, ${common},
             jsonb_build_object('erased', c.erased_at IS NOT NULL, 'organisationId', o.id, 'organisationName', o.name, 'participantType', r.participant_type) AS detail
        FROM registrations r JOIN events e ON e.id = r.event_id
        JOIN contacts c_0 ON c_0.id = r.contact_id JOIN contacts c ON c.id = coalesce(c_0.merged_into_id, c_0.id)
        ${survivorOrganisation('r.organisation_id', 'o')}
       WHERE ${and(where)}`;
}

function groupRows(p: Params, f: TargetFilters, b: Bounds): string {
  const where = [`e.starts_at >= ${b.startTs}`, `e.starts_at < ${b.endTs}`, ...eventWhere(p, f), ...organisationWhere(p, f)];
  if (f.participantTypes?.length) where.push(`g.participant_type = ANY(${p.add(f.participantTypes)}::text[])`);
  if (f.educationLevels?.length) where.push(`g.education_level = ANY(${p.add(f.educationLevels)}::text[])`);
  return `
      SELECT 'group'::text AS kind, g.id::text AS unit_id, g.id::text AS record_id, g.label, ${ORG_MUNICIPALITY('o')} AS municipality,
             e.starts_at AS at, g.headcount::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             jsonb_build_object('eventId', e.id, 'eventTitle', e.title, 'organisationId', o.id, 'organisationName', o.name,
                                'participantType', g.participant_type, 'educationLevel', g.education_level) AS detail
        FROM group_attendances g JOIN events e ON e.id = g.event_id ${survivorOrganisation('g.organisation_id', 'o')}
       WHERE ${and(where)}`;
}

function eventsHeldRows(p: Params, f: TargetFilters, b: Bounds): string {
  const where = [`e.status = 'held'`, `e.starts_at >= ${b.startTs}`, `e.starts_at < ${b.endTs}`, ...eventWhere(p, f)];
  const municipality = ORG_MUNICIPALITY('e');
  if (f.municipalities?.length) where.push(`${municipality} = ANY(${p.add(f.municipalities.map(municipalityKey))}::text[])`);
  if (f.inRegion !== undefined) where.push(`e.in_region = ${p.add(f.inRegion)}`);
  return `
      SELECT 'event'::text AS kind, e.id::text AS unit_id, e.id::text AS record_id, e.title AS label, ${municipality} AS municipality,
             e.starts_at AS at, 1::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             jsonb_build_object('format', e.format, 'startsAt', e.starts_at, 'municipality', e.municipality) AS detail
        FROM events e
       WHERE ${and(where)}`;
}

function visitRows(p: Params, f: TargetFilters, b: Bounds): string {
  const where = [`v.visited_on >= ${b.startDate}`, `v.visited_on < ${b.endDate}`, ...organisationWhere(p, f)];
  if (f.programmeLines?.length) where.push(`v.programme_lines && ${p.add(f.programmeLines)}::text[]`);
  if (f.tags?.length) where.push(`v.themes && ${p.add(f.tags)}::text[]`);
  return `
      SELECT 'organisation'::text AS kind, o.id::text AS unit_id, v.id::text AS record_id, o.name AS label, ${ORG_MUNICIPALITY('o')} AS municipality,
             ${dayStart('v.visited_on')} AS at, 1::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             jsonb_build_object('type', o.type, 'municipality', o.municipality) AS detail
        FROM company_visits v JOIN organisations o_0 ON o_0.id = v.organisation_id JOIN organisations o ON o.id = coalesce(o_0.merged_into_id, o_0.id)
       WHERE ${and(where)}`;
}

function questionRows(p: Params, f: TargetFilters, b: Bounds): string {
  const where = [`q.status = 'answered'`, `q.answered_on >= ${b.startDate}`, `q.answered_on < ${b.endDate}`, ...organisationWhere(p, f)];
  return `
      SELECT 'question'::text AS kind, q.id::text AS unit_id, q.id::text AS record_id, left(q.question, 200) AS label, ${ORG_MUNICIPALITY('o')} AS municipality,
             ${dayStart('q.answered_on')} AS at, 1::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             jsonb_build_object('organisationId', o.id, 'organisationName', o.name, 'answeredOn', to_char(q.answered_on, 'YYYY-MM-DD'),
                                'answeredBy', q.answered_by, 'visitId', q.visit_id) AS detail
        FROM innovation_questions q ${survivorOrganisation('q.organisation_id', 'o')}
       WHERE ${and(where)}`;
}

/** Support records active in the period (started before its end, not ended before its start). */
function supportRows(p: Params, f: TargetFilters, b: Bounds, unit: 'organisation' | 'support_record'): string {
  const where = [`s.started_on < ${b.endDate}`, `(s.ended_on IS NULL OR s.ended_on >= ${b.startDate})`, ...organisationWhere(p, f)];
  if (f.supportKinds?.length) where.push(`s.kind = ANY(${p.add(f.supportKinds)}::text[])`);
  if (f.programmeLines?.length) where.push(`s.programme_line = ANY(${p.add(f.programmeLines)}::text[])`);
  const byOrganisation = unit === 'organisation';
  return `
      SELECT '${unit}'::text AS kind, ${byOrganisation ? 'o.id' : 's.id'}::text AS unit_id, s.id::text AS record_id,
             ${byOrganisation ? 'o.name' : 's.title'} AS label, ${ORG_MUNICIPALITY('o')} AS municipality,
             ${dayStart(`greatest(s.started_on, ${b.startDate})`)} AS at, 1::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             ${byOrganisation
               ? `jsonb_build_object('type', o.type, 'municipality', o.municipality)`
               : `jsonb_build_object('kind', s.kind, 'startedOn', to_char(s.started_on, 'YYYY-MM-DD'), 'endedOn', to_char(s.ended_on, 'YYYY-MM-DD'))`} AS detail
        FROM support_records s JOIN support_record_organisations so ON so.support_record_id = s.id
        JOIN organisations o_0 ON o_0.id = so.organisation_id JOIN organisations o ON o.id = coalesce(o_0.merged_into_id, o_0.id)
       WHERE ${and(where)}`;
}

function manualRows(p: Params, t: MetricTarget, b: Bounds): string {
  const rows = `
      SELECT 'manual_figure'::text AS kind, mf.id::text AS unit_id, mf.id::text AS record_id, coalesce(mf.note, to_char(mf.recorded_on, 'YYYY-MM-DD')) AS label,
             '${OUTSIDE}'::text AS municipality, ${dayStart('mf.recorded_on')} AS at, mf.value::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             jsonb_build_object('recordedOn', to_char(mf.recorded_on, 'YYYY-MM-DD'), 'note', mf.note, 'value', mf.value) AS detail
        FROM manual_figures mf
       WHERE mf.target_id = ${p.add(t.id)}::uuid AND mf.recorded_on >= ${b.startDate} AND mf.recorded_on < ${b.endDate}`;
  // A level: only the most recent entry of the period counts.
  return t.manualAggregate === 'latest' ? `${rows} ORDER BY mf.recorded_on DESC, mf.created_at DESC, mf.id DESC LIMIT 1` : rows;
}

function reportRows(b: Bounds): string {
  return `
      SELECT 'progress_report'::text AS kind, pr.id::text AS unit_id, pr.id::text AS record_id, 'Q' || pr.quarter || ' ' || pr.year AS label,
             '${OUTSIDE}'::text AS municipality, pr.issued_at AS at, 1::bigint AS weight, true AS counted, false AS no_show, false AS is_reg,
             jsonb_build_object('year', pr.year, 'quarter', pr.quarter, 'issuedAt', pr.issued_at, 'issuedBy', pr.issued_by_name) AS detail
        FROM progress_reports pr
       WHERE pr.issued_at >= ${b.startTs} AND pr.issued_at < ${b.endTs}`;
}

function baseRows(p: Params, t: MetricTarget, b: Bounds, lean: boolean): string {
  const f = t.filters ?? {};
  switch (t.metric) {
    case 'organisations_attending':
      return attendanceRows(p, f, b, 'organisation', lean);
    case 'persons_attending':
      return attendanceRows(p, f, b, 'person', lean);
    case 'group_headcount':
      return f.includePersons ? `${groupRows(p, f, b)} UNION ALL ${attendanceRows(p, f, b, 'person', lean)}` : groupRows(p, f, b);
    case 'events_held':
      return eventsHeldRows(p, f, b);
    case 'organisations_visited':
      return visitRows(p, f, b);
    case 'questions_answered':
      return questionRows(p, f, b);
    case 'organisations_supported':
      return supportRows(p, f, b, 'organisation');
    case 'support_records':
      return supportRows(p, f, b, 'support_record');
    case 'manual':
      return `SELECT * FROM (${manualRows(p, t, b)}) latest`;
    case 'progress_reports':
      return reportRows(b);
  }
}

/** `WITH base AS (…), per_unit AS (…)`: one row per unit, with what the statement after it needs. */
function withUnits(p: Params, t: MetricTarget, period: Period, extra: { municipality?: boolean; details?: boolean } = {}): { cte: string; b: Bounds } {
  const b = bounds(p, period);
  const order = 'counted DESC, at DESC';
  const columns = [
    'kind',
    'unit_id',
    'bool_or(counted) AS counted',
    'bool_or(no_show) AS no_show',
    'bool_or(is_reg) AS is_reg',
    'max(weight) AS weight',
    'min(at) FILTER (WHERE counted) AS first_at',
  ];
  // One municipality per unit (the most recent counted row's; in the region before outside), so the
  // municipalities of a breakdown add up to the figure.
  if (extra.municipality || extra.details) columns.push(`(array_agg(municipality ORDER BY ${order}, municipality = '${OUTSIDE}', municipality))[1] AS municipality`);
  if (extra.details) {
    columns.push(
      `(array_agg(label ORDER BY ${order}))[1] AS label`,
      `(array_agg(detail ORDER BY ${order}))[1] AS detail`,
      `array_agg(DISTINCT record_id) FILTER (WHERE counted) AS record_ids`,
    );
  }
  const lean = !extra.municipality && !extra.details;
  const cte = `WITH base AS (${baseRows(p, t, b, lean)}),
    per_unit AS (SELECT ${columns.join(', ')} FROM base GROUP BY kind, unit_id)`;
  return { cte, b };
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * The figure: the sum of weights of counted units (distinct units count 1), how many units, and for
 * attendance the distinct units registered (confirmed, attended or no-show) and those registered that
 * did not come (no-show and never checked in).
 */
export function tallySql(t: MetricTarget, period: Period): Statement {
  const p = new Params();
  const { cte } = withUnits(p, t, period);
  const value = t.metric === 'manual' && t.manualAggregate === 'latest' ? 'sum(weight) FILTER (WHERE counted)' : 'coalesce(sum(weight) FILTER (WHERE counted), 0)';
  return {
    sql: `${cte}
      SELECT ${value}::bigint AS value, count(*) FILTER (WHERE counted)::int AS items,
             count(*) FILTER (WHERE is_reg)::int AS registered, count(*) FILTER (WHERE is_reg AND counted)::int AS attended,
             count(*) FILTER (WHERE is_reg AND NOT counted AND no_show)::int AS "noShow"
        FROM per_unit`,
    params: p.values,
  };
}

export function breakdownSql(t: MetricTarget, period: Period): Statement {
  const p = new Params();
  const { cte } = withUnits(p, t, period, { municipality: true });
  return {
    sql: `${cte}
      SELECT municipality, sum(weight)::bigint AS value, count(*)::int AS items FROM per_unit WHERE counted GROUP BY municipality`,
    params: p.values,
  };
}

export function drillDownSql(t: MetricTarget, period: Period): Statement {
  const p = new Params();
  const { cte } = withUnits(p, t, period, { details: true });
  return {
    sql: `${cte}
      SELECT kind, unit_id AS id, label, municipality, first_at AS at, weight::bigint AS weight, record_ids AS "recordIds", detail
        FROM per_unit WHERE counted ORDER BY lower(label), unit_id`,
    params: p.values,
  };
}

/**
 * The figure month by month, cumulative from the start of the period: a unit counts from the month of
 * its first counted record. A 'latest' manual figure shows the most recent entry up to each month's end.
 */
export function monthlySql(t: MetricTarget, period: Period): Statement {
  const p = new Params();
  if (t.metric === 'manual' && t.manualAggregate === 'latest') {
    const b = bounds(p, period);
    return {
      sql: `WITH months AS (SELECT generate_series(date_trunc('month', ${b.startDate}::timestamp), (${b.endDate} - 1)::timestamp, interval '1 month')::date AS m)
        SELECT to_char(m, 'YYYY-MM') AS month, NULL::bigint AS added,
               (SELECT mf.value FROM manual_figures mf
                 WHERE mf.target_id = ${p.add(t.id)}::uuid AND mf.recorded_on >= ${b.startDate} AND mf.recorded_on < least((m + interval '1 month')::date, ${b.endDate})
                 ORDER BY mf.recorded_on DESC, mf.created_at DESC, mf.id DESC LIMIT 1)::bigint AS value
          FROM months ORDER BY m`,
      params: p.values,
    };
  }
  const { cte, b } = withUnits(p, t, period);
  return {
    sql: `${cte},
      added AS (SELECT date_trunc('month', first_at AT TIME ZONE ${TZ})::date AS m, sum(weight) AS v FROM per_unit WHERE counted GROUP BY 1),
      months AS (SELECT generate_series(date_trunc('month', ${b.startDate}::timestamp), (${b.endDate} - 1)::timestamp, interval '1 month')::date AS m)
      SELECT to_char(months.m, 'YYYY-MM') AS month, coalesce(added.v, 0)::bigint AS added,
             sum(coalesce(added.v, 0)) OVER (ORDER BY months.m)::bigint AS value
        FROM months LEFT JOIN added ON added.m = months.m ORDER BY months.m`,
    params: p.values,
  };
}
