import { addSummary } from './summary';
import { loadConfig } from '@keyport/config';
import { KEYPORT_MUNICIPALITIES, textKey } from '@keyport/crm';
import { DatabaseModule, migrateDatabase } from '@keyport/database';
import { resolvePeriod, tallySql, TargetFigure, TargetsModule, TargetsService } from '@keyport/targets';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Column, streamExport, toCsv } from '../apps/api/src/common/export';

/**
 * Issue 6's figures: on a fresh database (migrated, so the 2018 plan is there) filled set-based with
 * generated 2018 records (BENCH_ORGS organisations, BENCH_PERSONS persons, BENCH_EVENTS events,
 * BENCH_REGISTRATIONS registrations, plus groups, company visits, innovation questions, support records,
 * manual figures and progress reports), the server time of the full dashboard (TargetsService.listForYear)
 * for the year and for a quarter, BENCH_RUNS times after a cold first run (median, p95), each target's own
 * time (slowest first, with the plan of the slowest: BENCH_EXPLAIN of them), and the drill-down export of
 * the target with the longest list (drillDown + CSV). In process, no HTTP. BENCH_KEEP=1 keeps the database.
 */

const YEAR = 2018;
const QUARTER = 2;
const TZ = 'Europe/Amsterdam';
/** The seven funders first (in the region), then three outside it. */
const MUNICIPALITIES = [...KEYPORT_MUNICIPALITIES, 'Venlo', 'Eindhoven', 'Sittard-Geleen'];
const IN_REGION = KEYPORT_MUNICIPALITIES.length;
const FIRST = ['Anouk', 'Bram', 'Sanne', 'Tom', 'Lotte', 'Joep', 'Eva', 'Luuk', 'Noor', 'Stijn'];
const FAMILY = ['Jansen', 'Peeters', 'Smeets', 'Hendriks', 'Willems', 'Janssen', 'Vos', 'Bakker', 'Kuipers', 'Geurts', 'Coenen', 'Dirks'];
const WORDS = ['Techniek', 'Metaal', 'Bouw', 'Installatie', 'Logistiek', 'Zorg', 'Advies', 'Voeding', 'Kunststof', 'Print', 'Software', 'Agro', 'Energie', 'Design', 'Transport', 'Machinebouw'];
/** Event formats, weighted (20 slots): every format the 2018 plan filters on gets a good share. */
const FORMATS = [
  'breakfast_session', 'masterclass', 'masterclass', 'workshop', 'workshop', 'workshop', 'theme_meeting', 'theme_meeting', 'knowledge_session', 'knowledge_session',
  'campus_exchange', 'campus_exchange', 'round_table', 'symposium', 'symposium', 'partner_meeting', 'employer_meetup', 'employer_meetup', 'other', 'other',
];
const LINES_OF_FORMAT: Record<string, string[]> = {
  breakfast_session: ['communication'], masterclass: ['entrepreneurship'], workshop: ['entrepreneurship', 'innovation'], theme_meeting: ['entrepreneurship'],
  knowledge_session: ['entrepreneurship', 'innovation'], campus_exchange: ['innovation'], round_table: ['innovation', 'communication'], symposium: ['innovation'],
  partner_meeting: ['communication', 'project_development'], employer_meetup: ['labour_market'], other: [],
};
const THEMES = ['smart industry', 'biobased', 'internet of things', 'robotics', 'circulair', 'zorgtechnologie'];
const SUPPORT_KINDS = ['innovation_trajectory', 'cluster', 'cooperation_project', 'funding_support', 'startup_plan_support', 'strategy_plan_support', 'training_trajectory'];
const SUPPORT_LINE: Record<string, string> = {
  innovation_trajectory: 'innovation', cluster: 'innovation', cooperation_project: 'project_development', funding_support: 'innovation',
  startup_plan_support: 'entrepreneurship', strategy_plan_support: 'entrepreneurship', training_trajectory: 'labour_market',
};

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const arr = (list: string[]) => `ARRAY[${list.map(lit).join(', ')}]::text[]`;
const caseOf = (expr: string, map: Record<string, string>, otherwise = 'NULL') => `CASE ${expr} ${Object.entries(map).map(([k, v]) => `WHEN ${lit(k)} THEN ${v}`).join(' ')} ELSE ${otherwise} END`;
/** Deterministic ids, so every table can refer to another by number without a lookup. */
const uid = (prefix: string, n: string) => `md5('${prefix}' || (${n}))::uuid`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const ms = (n: number) => `${n.toFixed(n < 100 ? 1 : 0)} ms`;
const int = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number of at least 1`);
  return v;
};
const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/** The targets library on the app's database settings, without HTTP. */
@Module({})
class TargetsBenchModule {
  static forRoot(config: ReturnType<typeof loadConfig>): DynamicModule {
    return {
      module: TargetsBenchModule,
      imports: [DatabaseModule.forRoot({ ...config.db, applicationName: 'bench-targets' }), TargetsModule],
    };
  }
}

interface Sizes {
  orgs: number;
  persons: number;
  events: number;
  registrations: number;
}

/** Fills the database, one INSERT … SELECT generate_series per table; returns seconds per step. */
async function generate(db: Client, n: Sizes): Promise<{ step: string; seconds: number }[]> {
  const { orgs: O, persons: P, events: E, registrations: R } = n;
  const perEvent = Math.ceil(R / E);
  if (perEvent > P) throw new Error(`BENCH_REGISTRATIONS / BENCH_EVENTS (${perEvent}) must not exceed BENCH_PERSONS (${P}): one registration per person per event`);
  // The k-th registration of event e is person (e·A + k·STEP) mod P: distinct within an event when STEP and P are coprime.
  const STEP = [1499, 1511, 1523, 1531].find((s) => gcd(s, P) === 1)!;
  const names = arr(MUNICIPALITIES);
  const keys = arr(MUNICIPALITIES.map(textKey));
  const steps: { step: string; seconds: number }[] = [];
  const step = async (name: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    await db.query(sql, params);
    steps.push({ step: name, seconds: (performance.now() - t0) / 1000 });
  };

  await step('users', `INSERT INTO users (id, email, name, role, password_hash) VALUES (${uid('u', '1')}, 'bench@example.nl', 'Bench Accountmanager', 'account_manager', 'x')`);

  // Organisations: 85% companies (with a KvK number), 7% education, 5% government, 3% other; 95% with a
  // municipality, 70% of those one of the seven; every 200th merged into the one before it.
  const orgType = `CASE WHEN g % 100 < 85 THEN 'company' WHEN g % 100 < 92 THEN 'education' WHEN g % 100 < 97 THEN 'government' ELSE 'other' END`;
  await step(
    'organisations',
    `INSERT INTO organisations (id, name, name_key, type, kvk_number, municipality, municipality_key, in_region, street, postcode, city, sector, size_class, tags, merged_into_id, created_at, updated_at)
     SELECT ${uid('o', 'g')}, f.family || ' ' || w.word || ' ' || g || ' B.V.', lower(f.family || ' ' || w.word || ' ' || g), ${orgType},
            CASE WHEN g % 100 < 85 THEN (10000000 + g)::text END,
            CASE WHEN g % 20 <> 0 THEN (${names})[1 + (g * 7) % 10] END, CASE WHEN g % 20 <> 0 THEN (${keys})[1 + (g * 7) % 10] END,
            g % 20 <> 0 AND (g * 7) % 10 < ${IN_REGION},
            'Industrieweg ' || (1 + g % 200), '60' || lpad((g % 100)::text, 2, '0') || ' AB', CASE WHEN g % 20 <> 0 THEN (${names})[1 + (g * 7) % 10] END,
            w.word, (ARRAY['micro', 'small', 'medium', 'large'])[1 + g % 4], ARRAY[lower(w.word)],
            CASE WHEN g % 200 = 0 THEN ${uid('o', 'g - 1')} END, timestamptz '2017-01-01', timestamptz '2017-01-01'
       FROM generate_series(1, $1::int) g
       CROSS JOIN LATERAL (SELECT (${arr(FAMILY)})[1 + (g * 7) % ${FAMILY.length}] AS family) f
       CROSS JOIN LATERAL (SELECT (${arr(WORDS)})[1 + (g * 3) % ${WORDS.length}] AS word) w`,
    [O],
  );

  // Persons: every 250th erased (anonymised, still counted by id), every 300th merged into the one before.
  await step(
    'contacts',
    `INSERT INTO contacts (id, first_name, last_name, email, phone, job_title, language, mailing_consent, consent_at, consent_source, erased_at, merged_into_id, interests, created_at, updated_at)
     SELECT ${uid('c', 'g')},
            CASE WHEN g % 250 = 0 THEN '[verwijderd]' ELSE (${arr(FIRST)})[1 + g % ${FIRST.length}] END,
            CASE WHEN g % 250 = 0 THEN '' ELSE (${arr(FAMILY)})[1 + (g * 5) % ${FAMILY.length}] || ' ' || g END,
            CASE WHEN g % 250 <> 0 THEN 'person.' || g || '@bench.example.nl' END,
            CASE WHEN g % 250 <> 0 THEN '0475 ' || (100000 + g % 900000) END, (ARRAY['Directeur', 'Eigenaar', 'Medewerker', 'Docent', 'Adviseur'])[1 + g % 5],
            CASE WHEN g % 5 = 0 THEN 'en' ELSE 'nl' END, g % 3 = 0, CASE WHEN g % 3 = 0 THEN timestamptz '2017-06-01' END, CASE WHEN g % 3 = 0 THEN 'bench' END,
            CASE WHEN g % 250 = 0 THEN timestamptz '2019-02-01' END,
            CASE WHEN g % 300 = 0 AND g % 250 <> 0 THEN ${uid('c', 'g - 1')} END,
            CASE WHEN g % 4 = 0 THEN ARRAY['innovation'] ELSE '{}' END, timestamptz '2017-01-01', timestamptz '2017-01-01'
       FROM generate_series(1, $1::int) g`,
    [P],
  );

  // Where they work: person g at organisation 1 + (g·7919) mod O; every 10th also worked elsewhere until 2017.
  await step(
    'contact_organisations',
    `INSERT INTO contact_organisations (contact_id, organisation_id, role, started_on, ended_on)
     SELECT ${uid('c', 'g')}, ${uid('o', `1 + (g::bigint * 7919) % $2`)}, 'Medewerker', DATE '2015-01-01', NULL FROM generate_series(1, $1::int) g
     UNION ALL
     SELECT ${uid('c', 'g')}, ${uid('o', `1 + (g::bigint * 104723) % $2`)}, 'Stagiair', DATE '2012-01-01', DATE '2016-12-31' FROM generate_series(1, $1::int) g WHERE g % 10 = 0`,
    [P, O],
  );

  // Events, all in 2018 (Amsterdam): formats weighted, programme lines by format, tags so the plan's
  // filters match (innovation a third, "leven lang leren" a seventh, partner meetings informatiesessie or
  // thematisch), plus a theme; 2% cancelled, the rest held.
  await step(
    'events',
    `INSERT INTO events (id, slug, title, description, format, programme_lines, tags, starts_at, ends_at, venue, address, municipality, municipality_key, in_region, status, language, created_at, updated_at)
     SELECT ${uid('e', 'g')}, 'bench-event-' || g, initcap(replace(x.format, '_', ' ')) || ' ' || x.theme || ' #' || g, 'Gegenereerd voor de benchmark',
            x.format, ${caseOf('x.format', Object.fromEntries(Object.entries(LINES_OF_FORMAT).map(([k, v]) => [k, arr(v)])), "'{}'")},
            array_remove(ARRAY[
              CASE WHEN g % 3 = 0 OR x.format = 'campus_exchange' THEN 'innovation' END,
              CASE WHEN g % 7 = 0 THEN 'leven lang leren' END,
              CASE WHEN x.format = 'partner_meeting' THEN CASE WHEN g % 2 = 0 THEN 'informatiesessie' ELSE 'thematisch' END END,
              x.theme], NULL),
            x.starts_at, x.starts_at + interval '2 hours', 'Zaal ' || (1 + g % 40), 'Markt ' || (1 + g % 90),
            (${names})[1 + (g * 3) % 10], (${keys})[1 + (g * 3) % 10], (g * 3) % 10 < ${IN_REGION},
            CASE WHEN g % 50 = 0 THEN 'cancelled' ELSE 'held' END, 'nl', x.starts_at - interval '60 days', x.starts_at
       FROM generate_series(1, $1::int) g
       CROSS JOIN LATERAL (
         SELECT (${arr(FORMATS)})[1 + g % ${FORMATS.length}] AS format, (${arr(THEMES)})[1 + (g / ${FORMATS.length}) % ${THEMES.length}] AS theme,
                ((DATE '${YEAR}-01-01' + (g * 7) % 365) + time '09:00' + (g % 4) * interval '3 hours') AT TIME ZONE '${TZ}' AS starts_at
       ) x`,
    [E],
  );

  // Registrations: event 1 + i mod E, the k-th of it person (e·104729 + k·STEP) mod P (so (event, email)
  // is unique); 90% for the person's organisation; at employer meet-ups mostly students. Mostly attended,
  // then no-show and cancelled; a few still confirmed or waitlisted; at cancelled events all cancelled.
  await step(
    'registrations',
    `INSERT INTO registrations (event_id, contact_id, organisation_id, email, participant_type, status, source, mailing_consent, checked_in_at, cancelled_at, cancelled_by, created_at, updated_at)
     SELECT ev.id, ${uid('c', 'r.p')}, CASE WHEN r.p % 10 <> 0 THEN ${uid('o', '1 + (r.p * 7919) % $4')} END,
            'person.' || r.p || '@bench.example.nl',
            CASE WHEN ev.format = 'employer_meetup' AND r.h % 5 <> 0 THEN 'student'
                 ELSE (ARRAY['entrepreneur', 'entrepreneur', 'entrepreneur', 'entrepreneur', 'entrepreneur', 'employee', 'employee', 'employee', 'education', 'government'])[1 + r.p % 10] END,
            s.status, CASE WHEN r.h % 20 = 0 THEN 'staff' ELSE 'public' END, r.h % 3 = 0,
            CASE WHEN s.status = 'attended' THEN ev.starts_at + interval '5 minutes' END,
            CASE WHEN s.status = 'cancelled' THEN ev.starts_at - interval '2 days' END,
            CASE WHEN s.status = 'cancelled' THEN CASE WHEN ev.status = 'cancelled' THEN 'event' ELSE 'registrant' END END,
            ev.starts_at - interval '20 days', ev.starts_at
       FROM generate_series(0, $1::int - 1) i
       CROSS JOIN LATERAL (SELECT 1 + i % $2 AS e, i / $2 AS k) ek
       CROSS JOIN LATERAL (SELECT 1 + (ek.e::bigint * 104729 + ek.k::bigint * ${STEP}) % $3 AS p, (i::bigint * 31 + ek.e * 7) % 100 AS h) r
       JOIN events ev ON ev.id = ${uid('e', 'ek.e')}
       CROSS JOIN LATERAL (SELECT CASE WHEN ev.status = 'cancelled' THEN 'cancelled' WHEN r.h < 62 THEN 'attended' WHEN r.h < 77 THEN 'no_show'
                                       WHEN r.h < 90 THEN 'cancelled' WHEN r.h < 97 THEN 'confirmed' ELSE 'waitlisted' END AS status) s`,
    [R, E, P, O],
  );

  // Groups at employer meet-ups: a vmbo class of pupils, an mbo and an hbo group of students, from an
  // education organisation (one in ten without one).
  await step(
    'group_attendances',
    `INSERT INTO group_attendances (event_id, organisation_id, label, headcount, participant_type, education_level, created_at)
     SELECT e.id, CASE WHEN (abs(hashtext(e.id::text)) + i) % 10 <> 0 THEN ${uid('o', `100 * (abs(hashtext(e.id::text || i)) % greatest(1, $1::int / 100)) + 85 + i`)} END,
            (ARRAY['Klas 3 vmbo', 'Groep mbo techniek', 'Groep hbo werktuigbouw'])[i], 10 + abs(hashtext(e.slug || i)) % 50,
            CASE WHEN i = 1 THEN 'pupil' ELSE 'student' END, (ARRAY['vmbo', 'mbo', 'hbo'])[i], e.starts_at
       FROM events e CROSS JOIN generate_series(1, 3) i
      WHERE e.format = 'employer_meetup' AND e.status = 'held' AND ($1::int >= 100 OR 85 + i <= $1::int)`,
    [O],
  );

  // Company visits (O/10; one in ten in 2017), each with programme lines and a theme.
  const visits = Math.max(100, Math.round(O / 10));
  await step(
    'company_visits',
    `INSERT INTO company_visits (id, organisation_id, visited_on, account_manager_id, programme_lines, themes, notes)
     SELECT ${uid('v', 'g')}, ${uid('o', '1 + (g::bigint * 7907) % $2')},
            CASE WHEN g % 10 = 0 THEN DATE '${YEAR - 1}-06-01' + g % 200 ELSE DATE '${YEAR}-01-01' + (g * 11) % 365 END,
            ${uid('u', '1')}, CASE g % 4 WHEN 0 THEN ARRAY['innovation'] WHEN 1 THEN ARRAY['entrepreneurship'] WHEN 2 THEN ARRAY['innovation', 'labour_market'] ELSE ARRAY['communication'] END,
            ARRAY[(${arr(THEMES)})[1 + g % ${THEMES.length}]], 'Kennismaking'
       FROM generate_series(1, $1::int) g`,
    [visits, O],
  );

  // Innovation questions (O/50), four in five answered; half of them raised at a visit.
  const questions = Math.max(50, Math.round(O / 50));
  await step(
    'innovation_questions',
    `INSERT INTO innovation_questions (organisation_id, visit_id, question, raised_on, status, answered_by, answered_by_name, answer, answered_on)
     SELECT ${uid('o', '1 + (g::bigint * 7901) % $2')}, CASE WHEN g % 2 = 0 AND g <= $3 THEN ${uid('v', 'g')} END,
            'Hoe automatiseren wij ' || lower((${arr(WORDS)})[1 + g % ${WORDS.length}]) || '? (' || g || ')', DATE '${YEAR}-01-01' + (g * 13) % 300,
            CASE WHEN g % 5 <> 0 THEN 'answered' ELSE 'open' END,
            CASE WHEN g % 5 <> 0 THEN (ARRAY['sme', 'knowledge_institute', 'keyport'])[1 + g % 3] END,
            CASE WHEN g % 5 <> 0 THEN 'Fontys' END, CASE WHEN g % 5 <> 0 THEN 'Beantwoord' END,
            CASE WHEN g % 5 <> 0 THEN DATE '${YEAR}-01-01' + (g * 13) % 300 + g % 60 END
       FROM generate_series(1, $1::int) g`,
    [questions, O, visits],
  );

  // Support records (O/100) of every kind, from mid-2017 on, half of them ended; one to four organisations each.
  const supports = Math.max(50, Math.round(O / 100));
  await step(
    'support_records',
    `INSERT INTO support_records (id, kind, title, programme_line, started_on, ended_on, notes)
     SELECT ${uid('s', 'g')}, x.kind, initcap(replace(x.kind, '_', ' ')) || ' ' || g, ${caseOf('x.kind', Object.fromEntries(Object.entries(SUPPORT_LINE).map(([k, v]) => [k, lit(v)])))},
            DATE '${YEAR - 1}-06-01' + (g * 17) % 540, CASE WHEN g % 2 = 0 THEN DATE '${YEAR - 1}-06-01' + (g * 17) % 540 + 90 + g % 200 END, NULL
       FROM generate_series(1, $1::int) g CROSS JOIN LATERAL (SELECT (${arr(SUPPORT_KINDS)})[1 + g % ${SUPPORT_KINDS.length}] AS kind) x`,
    [supports],
  );
  await step(
    'support_record_organisations',
    `INSERT INTO support_record_organisations (support_record_id, organisation_id)
     SELECT DISTINCT ${uid('s', 'g')}, ${uid('o', '1 + (g::bigint * 7717 + j * 13) % $2')} FROM generate_series(1, $1::int) g CROSS JOIN LATERAL generate_series(1, 1 + g % 4) j`,
    [supports, O],
  );

  // Manual figures: a monthly entry for every manual target of the plan, and three progress reports issued.
  await step(
    'manual_figures, progress_reports',
    `WITH m AS (
       INSERT INTO manual_figures (target_id, recorded_on, value, note)
       SELECT t.id, (DATE '${YEAR}-01-28' + (mo - 1) * interval '1 month')::date,
              CASE WHEN t.manual_aggregate = 'latest' THEN t.baseline + (t.target_value - t.baseline) * mo / 13 ELSE 1 + mo % 3 END, 'Bench ' || mo
         FROM targets t JOIN year_plans p ON p.id = t.plan_id CROSS JOIN generate_series(1, 12) mo
        WHERE p.year = ${YEAR} AND t.metric = 'manual' RETURNING 1)
     INSERT INTO progress_reports (year, quarter, highlights, snapshot, issued_at, issued_by_name)
     SELECT ${YEAR}, q, 'Bench', '{}'::jsonb, (DATE '${YEAR}-01-01' + (3 * q) * interval '1 month' + interval '10 days') AT TIME ZONE '${TZ}', 'Bench'
       FROM generate_series(1, 3) q`,
  );

  const t0 = performance.now();
  await db.query('VACUUM ANALYZE');
  steps.push({ step: 'VACUUM ANALYZE', seconds: (performance.now() - t0) / 1000 });
  return steps;
}

async function tableSizes(db: Client): Promise<{ table: string; rows: string; size: string }[]> {
  const tables = ['organisations', 'contacts', 'contact_organisations', 'events', 'registrations', 'group_attendances', 'company_visits', 'innovation_questions', 'support_records', 'support_record_organisations', 'manual_figures', 'progress_reports'];
  const out = [];
  for (const table of tables) {
    const [r] = (await db.query(`SELECT count(*)::bigint AS n, pg_size_pretty(pg_total_relation_size($1::regclass)) AS size FROM ${table}`, [table])).rows;
    out.push({ table, rows: Number(r.n).toLocaleString('en'), size: r.size });
  }
  const [reg] = (await db.query(`SELECT string_agg(status || ' ' || n, ', ' ORDER BY n DESC) AS s FROM (SELECT status, count(*) AS n FROM registrations GROUP BY status) x`)).rows;
  out.push({ table: '  registrations by status', rows: reg.s, size: '' });
  return out;
}

/** Times fn: the first (cold) call, then `runs` more. */
async function timed<T>(runs: number, fn: () => Promise<T>): Promise<{ cold: number; times: number[]; result: T }> {
  let t0 = performance.now();
  let result = await fn();
  const cold = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { cold, times, result };
}

const summary = (t: { cold: number; times: number[] }) =>
  t.times.length ? `median ${ms(percentile(t.times, 50))}, p95 ${ms(percentile(t.times, 95))} (min ${ms(t.times[0])}, max ${ms(t.times[t.times.length - 1])}); cold ${ms(t.cold)}` : `cold ${ms(t.cold)}`;

export async function runTargetsBench(): Promise<void> {
  const sizes: Sizes = { orgs: int('BENCH_ORGS', 100_000), persons: int('BENCH_PERSONS', 300_000), events: int('BENCH_EVENTS', 5_000), registrations: int('BENCH_REGISTRATIONS', 1_000_000) };
  const runs = int('BENCH_RUNS', 20);
  const explain = Number(process.env.BENCH_EXPLAIN ?? 1);
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = '/postgres';
  const database = `bench_targets_${Date.now()}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  const db = new Client({ connectionString: url.toString(), application_name: 'bench-targets-load' });
  let app: INestApplicationContext | undefined;
  try {
    await migrateDatabase({ url: url.toString() });
    await db.connect();
    console.log(
      `targets: ${sizes.orgs.toLocaleString('en')} organisations, ${sizes.persons.toLocaleString('en')} persons, ${sizes.events.toLocaleString('en')} events, ` +
        `${sizes.registrations.toLocaleString('en')} registrations, all in ${YEAR}; PostgreSQL ${server.host}, database ${database}`,
    );
    const t0 = performance.now();
    const steps = await generate(db, sizes);
    const generationSeconds = (performance.now() - t0) / 1000;
    console.log(`  generated in ${generationSeconds.toFixed(1)} s (${steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s`).join(', ')})`);
    console.table(await tableSizes(db));

    const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: url.toString(), APP_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent', DB_POOL_SIZE: process.env.DB_POOL_SIZE });
    app = await NestFactory.createApplicationContext(TargetsBenchModule.forRoot(config), { logger: false });
    const targets = app.get(TargetsService);
    const dataSource = app.get(DataSource);

    // The full dashboard, for the year and for a quarter.
    const year = await timed(runs, () => targets.listForYear(YEAR));
    const quarter = await timed(runs, () => targets.listForYear(YEAR, { year: YEAR, quarter: QUARTER }));
    const figures: TargetFigure[] = year.result;
    const counted = figures.filter((f) => f.metric !== 'manual' && f.metric !== 'progress_reports');
    const reached = figures.filter((f) => (f.value ?? 0) > 0).length;

    // Each target on its own (one statement, nothing beside it): where the dashboard's time goes.
    const perTarget: { figure: TargetFigure; ms: number }[] = [];
    for (const figure of figures) {
      const t = await timed(2, () => targets.figureOf(figure.id, { year: YEAR }));
      perTarget.push({ figure, ms: percentile(t.times, 50) });
    }
    perTarget.sort((a, b) => b.ms - a.ms);
    const sequentialMs = perTarget.reduce((s, t) => s + t.ms, 0);

    // The drill-down export of the target with the longest list.
    const largest = [...counted].sort((a, b) => b.items - a.items)[0];
    const drill = await timed(Math.min(runs, 5), () => targets.drillDown(largest.id));
    const rows = drill.result;
    const columns: Column<(typeof rows)[number]>[] = [
      { header: 'kind', value: (r) => r.kind },
      { header: 'id', value: (r) => r.id },
      { header: 'name', value: (r) => r.name },
      { header: 'municipality', value: (r) => r.municipality },
      { header: 'at', value: (r) => r.at },
      { header: 'count', value: (r) => r.count },
      { header: 'records', value: (r) => r.recordIds.join(' ') },
    ];
    let t1 = performance.now();
    const csv = toCsv(columns, rows);
    const csvMs = performance.now() - t1;
    let streamedBytes = 0;
    const reply = {
      header: () => reply,
      type: () => reply,
      send: async (body: AsyncIterable<string | Buffer>) => {
        for await (const chunk of body) streamedBytes += Buffer.byteLength(chunk);
      },
    };
    t1 = performance.now();
    await streamExport(reply as never, 'csv', 'drill-down', columns, (async function* () {
      yield* rows;
    })());
    const streamMs = performance.now() - t1;
    const rssMb = Math.round(process.memoryUsage().rss / 1048576);

    console.log(
      `  ${figures.length} targets in the ${YEAR} plan (${counted.length} counted from the records, ${figures.length - counted.length} manual or reports); ` +
        `${reached} with a figure above 0; pool ${config.db.poolSize} connections`,
    );
    console.table([
      { figure: `data generation (INSERT … SELECT generate_series, then VACUUM ANALYZE)`, value: `${generationSeconds.toFixed(1)} s` },
      { figure: `full dashboard ${YEAR} (listForYear, ${figures.length} targets), ${runs} runs`, value: summary(year) },
      { figure: `full dashboard Q${QUARTER} ${YEAR}, ${runs} runs`, value: summary(quarter) },
      { figure: `the ${figures.length} targets one after another (figureOf each, median of 2)`, value: `${ms(sequentialMs)} in all` },
      {
        figure: `drill-down of the longest list: ${largest.key} (${largest.metric}), ${Math.min(runs, 5)} runs`,
        value: `${rows.length.toLocaleString('en')} rows (figure ${largest.value?.toLocaleString('en')}, items ${largest.items.toLocaleString('en')}${rows.length === largest.items ? '' : ' — MISMATCH'}); ${summary(drill)}`,
      },
      { figure: '  then toCsv in memory (apps/api/src/common/export.ts)', value: `${ms(csvMs)}, ${(Buffer.byteLength(csv) / 1048576).toFixed(1)} MB` },
      { figure: '  or streamExport (csv) into a counting sink', value: `${ms(streamMs)}, ${(streamedBytes / 1048576).toFixed(1)} MB; rss after ${rssMb} MB` },
    ]);
    addSummary('targets', `full dashboard ${YEAR} (${figures.length} targets), server time`, summary(year));
    addSummary('targets', `full dashboard Q${QUARTER} ${YEAR}`, summary(quarter));
    addSummary('targets', `drill-down of the longest list (${rows.length.toLocaleString('en')} rows)`, `${summary(drill)}; CSV stream ${ms(streamMs)}`);
    console.log('  slowest targets on their own (year):');
    console.table(
      perTarget.slice(0, 8).map(({ figure, ms: t }) => ({
        target: figure.key,
        metric: figure.metric,
        filters: JSON.stringify(figure.filters),
        value: figure.value,
        items: figure.items,
        'median ms': Math.round(t),
      })),
    );
    for (const { figure } of perTarget.slice(0, Math.max(0, explain))) {
      const statement = tallySql(figure, resolvePeriod({ year: YEAR }));
      const plan: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`, statement.params);
      console.log(`  EXPLAIN (ANALYZE, BUFFERS) of the tally of ${figure.key}:`);
      for (const line of plan) console.log(`    ${line['QUERY PLAN']}`);
    }
  } finally {
    await app?.close();
    await db.end().catch(() => undefined);
    if (process.env.BENCH_KEEP === '1') console.log(`  kept database ${database} (BENCH_KEEP=1)`);
    else await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}
