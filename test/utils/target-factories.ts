import { CrmModule, KEYPORT_MUNICIPALITIES, parseMunicipality } from '@keyport/crm';
import { DatabaseModule, migrateDatabase } from '@keyport/database';
import { TargetsModule } from '@keyport/targets';
import { Test, TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { databaseUrlFor, pgServerUrl, testDatabaseUrl } from './services';

/**
 * Generated records for the targets tests: organisations, persons, events with registrations and
 * groups, company visits, innovation questions, support records and progress reports, all around one
 * year (with some just outside it), random but from a seed. Written straight into PostgreSQL (so the
 * data can include what the services no longer produce, such as merges that left references behind)
 * and returned as plain objects for the tests' own, in-memory counting.
 */

/** mulberry32: a small seeded generator. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Pick {
  constructor(readonly random: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  one<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  some<T>(list: readonly T[], max = list.length, min = 0): T[] {
    const n = this.int(min, Math.min(max, list.length));
    const copy = [...list];
    const out: T[] = [];
    while (out.length < n) out.push(copy.splice(Math.floor(this.random() * copy.length), 1)[0]);
    return out;
  }
  weighted<T extends string>(weights: Record<T, number>): T {
    const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
    let r = this.random() * total;
    for (const [k, w] of Object.entries<number>(weights)) if ((r -= w) < 0) return k as T;
    return Object.keys(weights)[0] as T;
  }
  /** An instant between two, in whole minutes. */
  instant(from: Date, to: Date): Date {
    const minutes = Math.floor((to.getTime() - from.getTime()) / 60_000);
    return new Date(from.getTime() + this.int(0, minutes) * 60_000);
  }
  date(from: string, to: string): string {
    return this.instant(new Date(`${from}T00:00:00Z`), new Date(`${to}T00:00:00Z`)).toISOString().slice(0, 10);
  }
}

export interface GenOrganisation { id: string; name: string; type: string; municipality: string | null; municipalityKey: string | null; inRegion: boolean; mergedIntoId: string | null }
export interface GenContact { id: string; firstName: string; lastName: string; erased: boolean; mergedIntoId: string | null; organisationId: string | null }
export interface GenEvent { id: string; title: string; format: string; programmeLines: string[]; tags: string[]; startsAt: Date; status: string; municipality: string | null; municipalityKey: string | null; inRegion: boolean }
export interface GenRegistration { id: string; eventId: string; contactId: string; organisationId: string | null; participantType: string; status: string }
export interface GenGroup { id: string; eventId: string; organisationId: string | null; label: string; headcount: number; participantType: string; educationLevel: string | null }
export interface GenVisit { id: string; organisationId: string; visitedOn: string; programmeLines: string[]; themes: string[] }
export interface GenQuestion { id: string; organisationId: string; question: string; status: string; answeredOn: string | null }
export interface GenSupport { id: string; kind: string; title: string; programmeLine: string; startedOn: string; endedOn: string | null; organisationIds: string[] }
export interface GenReport { id: string; year: number; quarter: number; issuedAt: Date }

export interface Dataset {
  year: number;
  userId: string;
  organisations: GenOrganisation[];
  contacts: GenContact[];
  events: GenEvent[];
  registrations: GenRegistration[];
  groups: GenGroup[];
  visits: GenVisit[];
  questions: GenQuestion[];
  supports: GenSupport[];
  reports: GenReport[];
}

export const TEST_TAGS = ['innovation', 'leven lang leren', 'informatiesessie', 'thematisch', 'iot', 'sensoring'];
const FORMATS = ['breakfast_session', 'masterclass', 'workshop', 'theme_meeting', 'knowledge_session', 'campus_exchange', 'round_table', 'symposium', 'partner_meeting', 'employer_meetup', 'other'];
const LINES = ['innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication'];
const ORG_TYPES = ['company', 'education', 'government', 'other'];
const PLACES = [...KEYPORT_MUNICIPALITIES, 'Venlo', 'Eindhoven', null];
const PARTICIPANTS = ['entrepreneur', 'employee', 'student', 'education', 'government', 'other'];
const KINDS = ['innovation_trajectory', 'cluster', 'cooperation_project', 'funding_support', 'startup_plan_support', 'strategy_plan_support', 'training_trajectory'];

/** A staff user written straight into the table (the tests need an id, not a login). */
export async function insertUser(db: DataSource, role: 'admin' | 'organiser' | 'account_manager', name = `Targets ${role}`) {
  const email = `${role}-${randomUUID().slice(0, 8)}@targets.test`;
  const [row] = await db.query(`INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, 'x') RETURNING id`, [email, name, role]);
  return { id: row.id as string, role, name, email } as { id: string; role: never; name: string; email: string };
}

/** Rows into a table in one statement: jsonb_to_recordset with the given column types. */
export async function insertRows(db: DataSource, table: string, columns: Record<string, string>, rows: Record<string, unknown>[]): Promise<void> {
  if (!rows.length) return;
  const names = Object.keys(columns);
  const definition = names.map((c) => `${c} ${columns[c]}`).join(', ');
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000).map((r) => Object.fromEntries(names.map((c) => [c, r[c] instanceof Date ? (r[c] as Date).toISOString() : r[c] ?? null])));
    await db.query(`INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${definition})`, [JSON.stringify(chunk)]);
  }
}

export async function insertEvents(db: DataSource, events: GenEvent[], userId: string | null = null): Promise<void> {
  await insertRows(
    db,
    'events',
    { id: 'uuid', slug: 'text', title: 'text', format: 'text', programme_lines: 'text[]', tags: 'text[]', starts_at: 'timestamptz', ends_at: 'timestamptz', status: 'text', municipality: 'text', municipality_key: 'text', in_region: 'boolean', capacity: 'integer', created_by: 'uuid' },
    events.map((e) => ({
      id: e.id, slug: `targets-${e.id}`, title: e.title, format: e.format, programme_lines: e.programmeLines, tags: e.tags, starts_at: e.startsAt,
      ends_at: new Date(e.startsAt.getTime() + 2 * 3600_000), status: e.status, municipality: e.municipality, municipality_key: e.municipalityKey, in_region: e.inRegion,
      capacity: null, created_by: userId,
    })),
  );
}

export async function insertRegistrations(db: DataSource, registrations: GenRegistration[], events: Map<string, GenEvent>): Promise<void> {
  await insertRows(
    db,
    'registrations',
    { id: 'uuid', event_id: 'uuid', contact_id: 'uuid', organisation_id: 'uuid', email: 'text', participant_type: 'text', status: 'text', checked_in_at: 'timestamptz', source: 'text' },
    registrations.map((r) => ({
      id: r.id, event_id: r.eventId, contact_id: r.contactId, organisation_id: r.organisationId, email: `${r.id}@targets.test`, participant_type: r.participantType,
      status: r.status, checked_in_at: r.status === 'attended' ? events.get(r.eventId)?.startsAt ?? new Date() : null, source: 'staff',
    })),
  );
}

export function newGenEvent(overrides: Partial<GenEvent> & { startsAt: Date }): GenEvent {
  const place = parseMunicipality(overrides.municipality ?? null);
  return {
    id: randomUUID(), title: 'Event', format: 'other', programmeLines: ['innovation'], tags: [], status: 'held',
    ...overrides,
    municipality: place?.name ?? null, municipalityKey: place?.key ?? null, inRegion: place?.inRegion ?? false,
  };
}

/** Generates and writes one dataset around `year`. */
export async function generateDataset(db: DataSource, year: number, seed: number): Promise<Dataset> {
  const pick = new Pick(seededRandom(seed));
  const user = await insertUser(db, 'account_manager', 'Targets Accountmanager');
  const around = { from: new Date(Date.UTC(year - 1, 11, 20)), to: new Date(Date.UTC(year + 1, 0, 10)) };
  const day = (d: Date) => d.toISOString().slice(0, 10);

  const organisations: GenOrganisation[] = Array.from({ length: 70 }, (_, i) => {
    const place = parseMunicipality(pick.one(PLACES));
    return { id: randomUUID(), name: `Org ${String(i).padStart(3, '0')} ${seed}`, type: pick.weighted({ company: 6, education: 2, government: 1, other: 1 }), municipality: place?.name ?? null, municipalityKey: place?.key ?? null, inRegion: place?.inRegion ?? false, mergedIntoId: null };
  });
  const contacts: GenContact[] = Array.from({ length: 160 }, (_, i) => ({
    id: randomUUID(), firstName: `Voornaam${i}`, lastName: `Achternaam ${seed}`, erased: false, mergedIntoId: null, organisationId: pick.chance(0.85) ? pick.one(organisations).id : null,
  }));

  const events: GenEvent[] = Array.from({ length: 80 }, (_, i) =>
    newGenEvent({
      title: `Bijeenkomst ${i}`, format: pick.one(FORMATS), programmeLines: pick.some(LINES, 2, 1), tags: pick.some(TEST_TAGS, 3),
      startsAt: pick.instant(around.from, around.to), status: pick.weighted({ held: 6, published: 2, cancelled: 1 }), municipality: pick.one(PLACES),
    }),
  );
  // Right at the edges of the year and its quarters, in Amsterdam time.
  const edges = [`${year - 1}-12-31T23:30:00Z`, `${year - 1}-12-31T22:59:00Z`, `${year}-03-31T22:30:00Z`, `${year}-03-31T21:30:00Z`, `${year}-06-30T21:59:00Z`, `${year}-06-30T22:00:00Z`, `${year}-12-31T22:59:00Z`, `${year}-12-31T23:00:00Z`];
  for (const at of edges) {
    events.push(newGenEvent({ title: `Rand ${at}`, format: pick.one(FORMATS), programmeLines: ['innovation', 'labour_market'], tags: pick.some(TEST_TAGS, 3, 1), startsAt: new Date(at), status: 'held', municipality: pick.one(PLACES) }));
  }

  const registrations: GenRegistration[] = [];
  for (const e of events) {
    for (const c of pick.some(contacts, 14)) {
      registrations.push({
        id: randomUUID(), eventId: e.id, contactId: c.id, organisationId: pick.chance(0.9) ? c.organisationId : pick.one(organisations).id,
        participantType: pick.one(PARTICIPANTS), status: pick.weighted({ attended: 5, no_show: 2, confirmed: 1, cancelled: 1, waitlisted: 1 }),
      });
    }
  }
  const schools = organisations.filter((o) => o.type === 'education');
  const groups: GenGroup[] = [];
  for (const e of events) {
    for (let n = pick.int(0, 2); n > 0; n--) {
      const participantType = pick.one(['student', 'pupil']);
      groups.push({
        id: randomUUID(), eventId: e.id, organisationId: pick.chance(0.8) ? pick.one(schools.length ? schools : organisations).id : null, label: `Groep ${groups.length}`,
        headcount: pick.int(1, 60), participantType, educationLevel: pick.chance(0.2) ? null : participantType === 'pupil' ? 'vmbo' : pick.one(['mbo', 'hbo', 'wo']),
      });
    }
  }
  const visits: GenVisit[] = Array.from({ length: 140 }, () => ({
    id: randomUUID(), organisationId: pick.one(organisations).id, visitedOn: day(pick.instant(around.from, around.to)), programmeLines: pick.some(LINES, 2), themes: pick.some(TEST_TAGS, 2),
  }));
  visits.push({ id: randomUUID(), organisationId: pick.one(organisations).id, visitedOn: `${year}-03-31`, programmeLines: [], themes: [] });
  visits.push({ id: randomUUID(), organisationId: pick.one(organisations).id, visitedOn: `${year}-04-01`, programmeLines: [], themes: [] });
  const questions: GenQuestion[] = Array.from({ length: 90 }, (_, i) => {
    const answered = pick.chance(0.7);
    return { id: randomUUID(), organisationId: pick.one(organisations).id, question: `Vraag ${i}`, status: answered ? 'answered' : 'open', answeredOn: answered ? day(pick.instant(around.from, around.to)) : null };
  });
  const supports: GenSupport[] = Array.from({ length: 50 }, (_, i) => {
    const startedOn = pick.date(`${year - 2}-01-01`, `${year + 1}-02-01`);
    const endedOn = pick.chance(0.4) ? null : pick.date(startedOn, `${year + 2}-01-01`);
    return { id: randomUUID(), kind: pick.one(KINDS), title: `Traject ${i}`, programmeLine: pick.one(LINES), startedOn, endedOn, organisationIds: pick.some(organisations, 4, 1).map((o) => o.id) };
  });
  const reports: GenReport[] = [
    { id: randomUUID(), year: year - 1, quarter: 4, issuedAt: new Date(`${year}-01-10T09:00:00Z`) },
    { id: randomUUID(), year, quarter: 1, issuedAt: new Date(`${year}-03-31T22:30:00Z`) },
    { id: randomUUID(), year, quarter: 2, issuedAt: new Date(`${year}-07-06T10:00:00Z`) },
    { id: randomUUID(), year, quarter: 3, issuedAt: new Date(`${year}-10-04T10:00:00Z`) },
  ];

  await insertRows(
    db, 'organisations',
    { id: 'uuid', name: 'text', name_key: 'text', type: 'text', municipality: 'text', municipality_key: 'text', in_region: 'boolean' },
    organisations.map((o) => ({ id: o.id, name: o.name, name_key: o.name.toLowerCase(), type: o.type, municipality: o.municipality, municipality_key: o.municipalityKey, in_region: o.inRegion })),
  );
  await insertRows(db, 'contacts', { id: 'uuid', first_name: 'text', last_name: 'text', email: 'text' }, contacts.map((c) => ({ id: c.id, first_name: c.firstName, last_name: c.lastName, email: `${c.id}@targets.test` })));
  await insertEvents(db, events, user.id);
  await insertRegistrations(db, registrations, new Map(events.map((e) => [e.id, e])));
  await insertRows(
    db, 'group_attendances',
    { id: 'uuid', event_id: 'uuid', organisation_id: 'uuid', label: 'text', headcount: 'integer', participant_type: 'text', education_level: 'text' },
    groups.map((g) => ({ id: g.id, event_id: g.eventId, organisation_id: g.organisationId, label: g.label, headcount: g.headcount, participant_type: g.participantType, education_level: g.educationLevel })),
  );
  await insertRows(
    db, 'company_visits',
    { id: 'uuid', organisation_id: 'uuid', visited_on: 'date', account_manager_id: 'uuid', programme_lines: 'text[]', themes: 'text[]' },
    visits.map((v) => ({ id: v.id, organisation_id: v.organisationId, visited_on: v.visitedOn, account_manager_id: user.id, programme_lines: v.programmeLines, themes: v.themes })),
  );
  await insertRows(
    db, 'innovation_questions',
    { id: 'uuid', organisation_id: 'uuid', question: 'text', raised_on: 'date', status: 'text', answered_by: 'text', answered_on: 'date' },
    questions.map((q) => ({ id: q.id, organisation_id: q.organisationId, question: q.question, raised_on: `${year - 1}-06-01`, status: q.status, answered_by: q.answeredOn ? 'keyport' : null, answered_on: q.answeredOn })),
  );
  await insertRows(
    db, 'support_records',
    { id: 'uuid', kind: 'text', title: 'text', programme_line: 'text', started_on: 'date', ended_on: 'date' },
    supports.map((s) => ({ id: s.id, kind: s.kind, title: s.title, programme_line: s.programmeLine, started_on: s.startedOn, ended_on: s.endedOn })),
  );
  await insertRows(db, 'support_record_organisations', { support_record_id: 'uuid', organisation_id: 'uuid' }, supports.flatMap((s) => s.organisationIds.map((o) => ({ support_record_id: s.id, organisation_id: o }))));
  await insertRows(
    db, 'progress_reports',
    { id: 'uuid', year: 'integer', quarter: 'smallint', snapshot: 'jsonb', issued_at: 'timestamptz', issued_by_name: 'text' },
    reports.map((r) => ({ id: r.id, year: r.year, quarter: r.quarter, snapshot: { targets: [], eventsHeld: [] }, issued_at: r.issuedAt, issued_by_name: 'Test' })),
  );

  // Merged duplicates whose references were left behind (as older data may have them), and erased persons.
  const survivors = organisations.slice(0, 10);
  for (const [i, gone] of organisations.slice(60, 70).entries()) {
    gone.mergedIntoId = survivors[i].id;
    await db.query(`UPDATE organisations SET merged_into_id = $2 WHERE id = $1`, [gone.id, gone.mergedIntoId]);
  }
  for (const [i, gone] of contacts.slice(140, 152).entries()) {
    gone.mergedIntoId = contacts[i].id;
    await db.query(`UPDATE contacts SET merged_into_id = $2, email = NULL WHERE id = $1`, [gone.id, gone.mergedIntoId]);
  }
  for (const c of contacts.slice(20, 30)) {
    c.erased = true;
    await db.query(`UPDATE contacts SET first_name = '[verwijderd]', last_name = '', email = NULL, erased_at = now() WHERE id = $1`, [c.id]);
  }

  return { year, userId: user.id, organisations, contacts, events, registrations, groups, visits, questions, supports, reports };
}

/**
 * The targets library with what it needs (PostgreSQL, the CRM), without HTTP: the app does not serve
 * targets yet. Close it with `.close()`.
 */
export async function createTargetsContext(url = testDatabaseUrl()): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [DatabaseModule.forRoot({ url, poolSize: 5, applicationName: 'keyport-targets-test' }), CrmModule, TargetsModule],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}

/** A year no other test uses, so records of other tests cannot count. */
export function unusedYear(): number {
  return 3000 + Math.floor(Math.random() * 6000);
}

/**
 * A database of its own, migrated, for tests that compare every figure with an independent count: in the
 * shared test database, records of other test files (an open-ended support record of another year, say)
 * would count too. `drop()` removes it.
 */
export async function privateTargetsDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `keyport_targets_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const onServer = async (sql: string) => {
    const client = new Client({ connectionString: pgServerUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await onServer(`CREATE DATABASE "${name}"`);
  const url = databaseUrlFor(name);
  await migrateDatabase({ url });
  return { url, drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
