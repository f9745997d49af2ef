import { EntityManager } from 'typeorm';
import { textKey } from '../municipalities';

export interface OrgRef {
  id: string;
  name: string;
  kvkNumber: string | null;
}

export interface PersonRef {
  id: string;
  name: string;
}

export const nameKeyOf = (municipalityKey: string | null, nameKey: string) => `${nameKey}|${municipalityKey ?? ''}`;
export const personKeyOf = (organisationId: string, firstName: string, lastName: string) => `${organisationId}|${textKey(`${firstName} ${lastName}`)}`;

/**
 * The existing records a batch of import lines may duplicate, a few queries per batch (not per line).
 * The same rules as OrganisationsService/ContactsService.findDuplicates: active (not merged, not erased)
 * records; same KvK; same name key in the same municipality; same email (case-insensitive); the same
 * person's name at the same organisation.
 */
export class ImportLookups {
  constructor(private readonly m: EntityManager) {}

  async organisationsByKvk(kvks: string[]): Promise<Map<string, OrgRef>> {
    const map = new Map<string, OrgRef>();
    if (!kvks.length) return map;
    const rows: OrgRef[] = await this.m.query(
      `SELECT id, name, kvk_number AS "kvkNumber" FROM organisations WHERE kvk_number = ANY($1::text[]) AND merged_into_id IS NULL`,
      [[...new Set(kvks)]],
    );
    for (const r of rows) map.set(r.kvkNumber as string, r);
    return map;
  }

  /** By nameKeyOf(municipality key, name key); several when duplicates were saved on purpose. */
  async organisationsByName(keys: { nameKey: string; municipalityKey: string | null }[]): Promise<Map<string, OrgRef[]>> {
    const map = new Map<string, OrgRef[]>();
    if (!keys.length) return map;
    const unique = [...new Map(keys.map((k) => [nameKeyOf(k.municipalityKey, k.nameKey), k])).values()];
    const rows: (OrgRef & { name_key: string; municipality_key: string | null })[] = await this.m.query(
      `SELECT DISTINCT o.id, o.name, o.kvk_number AS "kvkNumber", o.name_key, o.municipality_key
         FROM organisations o
         JOIN unnest($1::text[], $2::text[]) AS k(name_key, municipality_key)
           ON o.name_key = k.name_key AND o.municipality_key IS NOT DISTINCT FROM k.municipality_key
        WHERE o.merged_into_id IS NULL
        ORDER BY o.name, o.id`,
      [unique.map((k) => k.nameKey), unique.map((k) => k.municipalityKey)],
    );
    for (const { name_key, municipality_key, ...org } of rows) {
      const key = nameKeyOf(municipality_key, name_key);
      map.set(key, [...(map.get(key) ?? []), org]);
    }
    return map;
  }

  async contactsByEmail(emails: string[]): Promise<Map<string, PersonRef>> {
    const map = new Map<string, PersonRef>();
    if (!emails.length) return map;
    const rows: (PersonRef & { email: string })[] = await this.m.query(
      `SELECT id, first_name || ' ' || last_name AS name, lower(email) AS email FROM contacts
        WHERE lower(email) = ANY($1::text[]) AND email IS NOT NULL AND merged_into_id IS NULL AND erased_at IS NULL`,
      [[...new Set(emails.map((e) => e.toLowerCase()))]],
    );
    for (const r of rows) map.set(r.email, { id: r.id, name: r.name });
    return map;
  }

  /** People working (or having worked) at these organisations with one of these last names, by personKeyOf. */
  async contactsAt(pairs: { organisationId: string; lastName: string }[]): Promise<Map<string, PersonRef>> {
    const map = new Map<string, PersonRef>();
    if (!pairs.length) return map;
    const rows: { id: string; organisation_id: string; first_name: string; last_name: string }[] = await this.m.query(
      `SELECT DISTINCT c.id, l.organisation_id, c.first_name, c.last_name
         FROM contact_organisations l JOIN contacts c ON c.id = l.contact_id
        WHERE l.organisation_id = ANY($1::uuid[]) AND lower(c.last_name) = ANY($2::text[])
          AND c.merged_into_id IS NULL AND c.erased_at IS NULL`,
      [[...new Set(pairs.map((p) => p.organisationId))], [...new Set(pairs.map((p) => p.lastName.toLowerCase()))]],
    );
    for (const r of rows) {
      const key = personKeyOf(r.organisation_id, r.first_name, r.last_name);
      if (!map.has(key)) map.set(key, { id: r.id, name: `${r.first_name} ${r.last_name}` });
    }
    return map;
  }
}

export interface SeenEntry {
  row: number;
  kvk?: string | null;
}

/**
 * What earlier lines of the same file introduced (KvK numbers, organisation names, emails, people), to
 * find a line that repeats an earlier one. Kept in PostgreSQL during a preview (TableSeenKeys), so a file of
 * any length needs only a batch in memory; in memory for the lines of one batch during the run (earlier
 * batches are in the database by then).
 */
export interface SeenKeys {
  find(keys: string[]): Promise<Map<string, SeenEntry>>;
  add(entries: Map<string, SeenEntry>): Promise<void>;
}

export class MemorySeenKeys implements SeenKeys {
  private readonly map = new Map<string, SeenEntry>();

  async find(keys: string[]): Promise<Map<string, SeenEntry>> {
    return new Map(keys.filter((k) => this.map.has(k)).map((k) => [k, this.map.get(k)!]));
  }

  async add(entries: Map<string, SeenEntry>): Promise<void> {
    for (const [k, v] of entries) if (!this.map.has(k)) this.map.set(k, v);
  }

  get size(): number {
    return this.map.size;
  }
}

/** A temporary table of the preview's transaction (dropped at its end). */
export class TableSeenKeys implements SeenKeys {
  private constructor(private readonly m: EntityManager) {}

  static async create(m: EntityManager): Promise<TableSeenKeys> {
    await m.query(`CREATE TEMPORARY TABLE import_seen_keys (key text PRIMARY KEY, row_number integer NOT NULL, kvk text) ON COMMIT DROP`);
    return new TableSeenKeys(m);
  }

  async find(keys: string[]): Promise<Map<string, SeenEntry>> {
    if (!keys.length) return new Map();
    const rows: { key: string; row_number: number; kvk: string | null }[] = await this.m.query(
      `SELECT key, row_number, kvk FROM import_seen_keys WHERE key = ANY($1::text[])`,
      [[...new Set(keys)]],
    );
    return new Map(rows.map((r) => [r.key, { row: r.row_number, kvk: r.kvk }]));
  }

  async add(entries: Map<string, SeenEntry>): Promise<void> {
    if (!entries.size) return;
    const list = [...entries];
    await this.m.query(
      `INSERT INTO import_seen_keys (key, row_number, kvk) SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) ON CONFLICT (key) DO NOTHING`,
      [list.map(([k]) => k), list.map(([, v]) => v.row), list.map(([, v]) => v.kvk ?? null)],
    );
  }
}
