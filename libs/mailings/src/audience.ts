import { textKey } from '@keyport/crm';
import { AudienceFiltersDto } from './mailing.dto';

export interface AudienceSql {
  /**
   * One row per email address of the audience: contact_id, email, email_key, language, first_name,
   * last_name and skip (null when the address may be mailed, else the reason it is excluded).
   */
  sql: string;
  params: unknown[];
}

/**
 * The audience of a mailing as one SQL query. Every filter given must hold; the values of one filter are
 * alternatives. Organisation filters must hold for one current organisation of the person (employment
 * not ended). One row per email address: of several contacts sharing an address, the one that may be
 * mailed wins, then the newest. An address is excluded (skip reason) when that contact gave no consent,
 * or when any contact with the address unsubscribed or hard-bounced, or a hard bounce was reported for it.
 */
export function audienceSql(filters: AudienceFiltersDto, eventId: string | null): AudienceSql {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [`c.erased_at IS NULL`, `c.merged_into_id IS NULL`, `c.email IS NOT NULL`, `c.email <> ''`];

  if (filters.languages?.length) where.push(`c.language = ANY(${p(filters.languages)}::text[])`);
  if (filters.interests?.length) where.push(`c.interests && ${p(filters.interests)}::text[]`);

  const org: string[] = [];
  if (filters.organisationTypes?.length) org.push(`o.type = ANY(${p(filters.organisationTypes)}::text[])`);
  if (filters.municipalities?.length) org.push(`o.municipality_key = ANY(${p(filters.municipalities.map(textKey))}::text[])`);
  if (filters.sectors?.length) org.push(`lower(o.sector) = ANY(${p(filters.sectors.map((s) => s.toLowerCase()))}::text[])`);
  if (filters.tags?.length) org.push(`o.tags && ${p(filters.tags.map((t) => t.toLowerCase()))}::text[]`);
  if (org.length) {
    where.push(`EXISTS (SELECT 1 FROM contact_organisations co JOIN organisations o ON o.id = co.organisation_id
      WHERE co.contact_id = c.id AND (co.ended_on IS NULL OR co.ended_on > CURRENT_DATE) AND ${org.join(' AND ')})`);
  }

  const attendance = filters.attendance;
  if (attendance) {
    const ev: string[] = [`r.contact_id = c.id`, `r.status = 'attended'`];
    if (attendance.formats?.length) ev.push(`e.format = ANY(${p(attendance.formats)}::text[])`);
    if (attendance.programmeLines?.length) ev.push(`e.programme_lines && ${p(attendance.programmeLines)}::text[]`);
    if (attendance.from) ev.push(`e.starts_at >= (${p(attendance.from.slice(0, 10))}::date AT TIME ZONE 'Europe/Amsterdam')`);
    if (attendance.to) ev.push(`e.starts_at < ((${p(attendance.to.slice(0, 10))}::date + 1) AT TIME ZONE 'Europe/Amsterdam')`);
    const exists = `EXISTS (SELECT 1 FROM registrations r JOIN events e ON e.id = r.event_id WHERE ${ev.join(' AND ')})`;
    where.push(attendance.mode === 'attended' ? exists : `NOT ${exists}`);
  }

  if (filters.registration && eventId) {
    const registered = `EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = ${p(eventId)}
      AND (r.contact_id = c.id OR lower(r.email) = lower(c.email)) AND r.status <> 'cancelled')`;
    where.push(filters.registration === 'registered' ? registered : `NOT ${registered}`);
  }

  if (filters.receivedMailingId) {
    where.push(`EXISTS (SELECT 1 FROM mailing_recipients mr WHERE mr.mailing_id = ${p(filters.receivedMailingId)}
      AND mr.email_key = lower(c.email) AND mr.status = 'sent')`);
  }

  const sql = `
    SELECT DISTINCT ON (email_key) contact_id, email, email_key, language, first_name, last_name, skip
      FROM (
        SELECT c.id AS contact_id, c.email, lower(c.email) AS email_key, c.language, c.first_name, c.last_name, c.created_at,
               CASE
                 WHEN EXISTS (SELECT 1 FROM contacts u WHERE lower(u.email) = lower(c.email) AND u.unsubscribed_at IS NOT NULL) THEN 'unsubscribed'
                 WHEN EXISTS (SELECT 1 FROM contacts b WHERE lower(b.email) = lower(c.email) AND b.bounced_at IS NOT NULL)
                   OR EXISTS (SELECT 1 FROM mail_bounces mb WHERE mb.email_key = lower(c.email) AND mb.kind = 'hard') THEN 'bounced'
                 WHEN NOT c.mailing_consent THEN 'no_consent'
               END AS skip
          FROM contacts c
         WHERE ${where.join('\n           AND ')}
      ) candidates
     ORDER BY email_key, (skip IS NULL) DESC, created_at DESC, contact_id`;
  return { sql, params };
}
