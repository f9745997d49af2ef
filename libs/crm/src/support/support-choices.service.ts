import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid } from './support-records.service';

export interface OrganisationChoice {
  id: string;
  /** What a person types or picks: the name, with the municipality (and an id prefix if still not unique). */
  label: string;
}

export interface ContactChoice {
  id: string;
  name: string;
  organisationName: string;
}

export interface LabelResolution {
  ids: string[];
  /** Texts that match no organisation. */
  unknown: string[];
  /** Texts that match several organisations by name: pick the labelled one. */
  ambiguous: string[];
}

export const MAX_ORGANISATION_CHOICES = 3000;

/** Active organisations, each with a label that tells it apart from others of the same name. */
const LABELLED = `
  WITH active AS (
    SELECT id, name, name || coalesce(' (' || municipality || ')', '') AS base FROM organisations WHERE merged_into_id IS NULL
  ), labelled AS (
    SELECT id, name, CASE WHEN count(*) OVER (PARTITION BY lower(base)) > 1 THEN base || ' [' || left(id::text, 8) || ']' ELSE base END AS label
      FROM active
  )`;

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Choosing organisations and persons in a form without JavaScript: a text input with a <datalist> of
 * organisation labels (browsers filter it as you type), resolved back to ids here; and the persons who
 * work at the chosen organisations as checkboxes or a menu.
 */
@Injectable()
export class SupportChoicesService {
  constructor(private readonly dataSource: DataSource) {}

  async organisationChoices(limit = MAX_ORGANISATION_CHOICES): Promise<OrganisationChoice[]> {
    return this.dataSource.query(`${LABELLED} SELECT id, label FROM labelled ORDER BY lower(label), id LIMIT $1`, [limit]);
  }

  /** The labels of these organisations (merged ones are left out), in label order. */
  async labelsFor(ids: string[]): Promise<OrganisationChoice[]> {
    const wanted = ids.filter(isUuid);
    if (!wanted.length) return [];
    return this.dataSource.query(`${LABELLED} SELECT id, label FROM labelled WHERE id = ANY($1::uuid[]) ORDER BY lower(label), id`, [wanted]);
  }

  /** Labels (or plain names, or ids) as typed → organisation ids; what cannot be resolved is named. */
  async resolveOrganisationLabels(texts: string[]): Promise<LabelResolution> {
    const given = [...new Set(texts.map(normalise).filter(Boolean))];
    const result: LabelResolution = { ids: [], unknown: [], ambiguous: [] };
    const byName = given.filter((t) => !isUuid(t));
    result.ids.push(...given.filter(isUuid).map((t) => t.toLowerCase()));
    if (!byName.length) return result;
    const rows: { input: string; id: string; exact: boolean }[] = await this.dataSource.query(
      `${LABELLED}
       SELECT t.input, l.id, lower(l.label) = lower(t.input) AS exact
         FROM unnest($1::text[]) AS t(input)
         JOIN labelled l ON lower(l.label) = lower(t.input) OR lower(l.name) = lower(t.input)`,
      [byName],
    );
    for (const text of byName) {
      const matches = rows.filter((r) => r.input === text);
      const exact = matches.filter((r) => r.exact);
      if (exact.length === 1) result.ids.push(exact[0].id);
      else if (matches.length === 1) result.ids.push(matches[0].id);
      else if (matches.length > 1) result.ambiguous.push(text);
      else result.unknown.push(text);
    }
    result.ids = [...new Set(result.ids)];
    return result;
  }

  /** Persons currently working at any of these organisations (not erased), except those in `exclude`. */
  async contactChoices(organisationIds: string[], exclude: string[] = []): Promise<ContactChoice[]> {
    const ids = organisationIds.filter(isUuid);
    if (!ids.length) return [];
    return this.dataSource.query(
      `SELECT id, name, "organisationName" FROM (
         SELECT DISTINCT ON (c.id) c.id, trim(c.first_name || ' ' || c.last_name) AS name, o.name AS "organisationName", c.first_name, c.last_name
           FROM contact_organisations l
           JOIN contacts c ON c.id = l.contact_id
           JOIN organisations o ON o.id = l.organisation_id
          WHERE l.organisation_id = ANY($1::uuid[]) AND (l.ended_on IS NULL OR l.ended_on >= current_date)
            AND c.erased_at IS NULL AND c.merged_into_id IS NULL AND NOT (c.id = ANY($2::uuid[]))
          ORDER BY c.id, o.name
       ) x ORDER BY last_name, first_name, id LIMIT 500`,
      [ids, exclude.filter(isUuid)],
    );
  }
}
