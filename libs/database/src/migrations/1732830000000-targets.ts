import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Year plans and their targets, manual figures and quarterly progress reports, with the 2018 plan of
 * Keyport 2020 (../shared/seed, summarised in DOMAIN.md) as its first plan.
 *
 * A target is a number, a metric and filters (jsonb, checked by the targets library); its figure is
 * counted from the records when asked, never stored. Manual targets take dated entries instead
 * (manual_figures): 'latest' = the most recent entry in the period is the figure (a level such as
 * followers, shown beside its baseline), 'sum' = the entries in the period are added up (outcomes such as
 * awards). Issued progress reports keep a snapshot of what was reported.
 */
export class Targets1732830000000 implements MigrationInterface {
  name = 'Targets1732830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE year_plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        year integer NOT NULL UNIQUE CHECK (year BETWEEN 2000 AND 9999),
        title text CHECK (length(title) <= 200),
        copied_from_year integer CHECK (copied_from_year <> year),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE targets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plan_id uuid NOT NULL REFERENCES year_plans(id) ON DELETE CASCADE,
        programme_line text NOT NULL CHECK (programme_line IN ('innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication')),
        position integer NOT NULL CHECK (position >= 0),
        key text CHECK (key ~ '^[a-z0-9][a-z0-9._-]{0,79}$'),
        title_nl text NOT NULL CHECK (length(title_nl) BETWEEN 1 AND 500),
        title_en text CHECK (length(title_en) BETWEEN 1 AND 500),
        target_value integer NOT NULL CHECK (target_value BETWEEN 1 AND 10000000),
        metric text NOT NULL CHECK (metric IN ('organisations_attending', 'persons_attending', 'group_headcount', 'events_held', 'organisations_visited',
          'questions_answered', 'organisations_supported', 'support_records', 'manual', 'progress_reports')),
        filters jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(filters) = 'object'),
        manual_aggregate text CHECK (manual_aggregate IN ('latest', 'sum')),
        baseline integer CHECK (baseline BETWEEN 0 AND 10000000),
        counting_note text CHECK (length(counting_note) <= 2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((metric = 'manual') = (manual_aggregate IS NOT NULL)),
        CHECK (baseline IS NULL OR metric = 'manual'),
        -- manual_figures refer to (id, metric): a target with entries cannot stop being manual.
        UNIQUE (id, metric),
        UNIQUE (plan_id, programme_line, position),
        UNIQUE (plan_id, key)
      )`);

    await q.query(`
      CREATE TABLE manual_figures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        target_id uuid NOT NULL,
        metric text NOT NULL DEFAULT 'manual' CHECK (metric = 'manual'),
        recorded_on date NOT NULL,
        value integer NOT NULL CHECK (value BETWEEN 0 AND 10000000),
        note text CHECK (length(note) <= 2000),
        recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        FOREIGN KEY (target_id, metric) REFERENCES targets (id, metric) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX manual_figures_target_idx ON manual_figures (target_id, recorded_on DESC, created_at DESC)`);

    await q.query(`
      CREATE TABLE progress_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
        quarter smallint NOT NULL CHECK (quarter BETWEEN 1 AND 4),
        highlights text NOT NULL DEFAULT '' CHECK (length(highlights) <= 20000),
        snapshot jsonb CHECK (snapshot IS NULL OR jsonb_typeof(snapshot) = 'object'),
        issued_at timestamptz,
        issued_by uuid REFERENCES users(id) ON DELETE SET NULL,
        issued_by_name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (year, quarter),
        -- An issued report carries what it reported; a draft has no snapshot and no issuer yet.
        CHECK ((issued_at IS NULL) = (snapshot IS NULL)),
        CHECK (issued_at IS NOT NULL OR (issued_by IS NULL AND issued_by_name IS NULL))
      )`);
    await q.query(`CREATE INDEX progress_reports_issued_idx ON progress_reports (issued_at) WHERE issued_at IS NOT NULL`);

    // What the tallies select by: events by start, visits and support records by date, groups by event.
    await q.query(`CREATE INDEX targets_events_starts_idx ON events (starts_at)`);
    await q.query(`CREATE INDEX targets_company_visits_date_idx ON company_visits (visited_on)`);
    await q.query(`CREATE INDEX targets_support_records_kind_idx ON support_records (kind, started_on)`);
    // The few merged records: figures map them to their survivor through these, not through every row.
    await q.query(`CREATE INDEX targets_contacts_merged_idx ON contacts (id) INCLUDE (merged_into_id) WHERE merged_into_id IS NOT NULL`);
    await q.query(`CREATE INDEX targets_organisations_merged_idx ON organisations (id) INCLUDE (merged_into_id) WHERE merged_into_id IS NOT NULL`);
    await q.query(`CREATE INDEX targets_registrations_attended_idx ON registrations (event_id) INCLUDE (organisation_id, contact_id) WHERE status = 'attended'`);

    const [plan] = await q.query(`INSERT INTO year_plans (year, title) VALUES (2018, 'Jaarplan 2018') RETURNING id`);
    const position = new Map<string, number>();
    for (const t of PLAN_2018) {
      const p = position.get(t.line) ?? 0;
      position.set(t.line, p + 1);
      await q.query(
        `INSERT INTO targets (plan_id, programme_line, position, key, title_nl, title_en, target_value, metric, filters, manual_aggregate, baseline, counting_note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [plan.id, t.line, p, t.key, t.nl, t.en, t.target, t.metric, JSON.stringify(t.filters ?? {}), t.aggregate ?? null, t.baseline ?? null, t.note],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['targets_organisations_merged_idx', 'targets_contacts_merged_idx', 'targets_registrations_attended_idx', 'targets_support_records_kind_idx', 'targets_company_visits_date_idx', 'targets_events_starts_idx']) {
      await q.query(`DROP INDEX ${index}`);
    }
    for (const table of ['progress_reports', 'manual_figures', 'targets', 'year_plans']) await q.query(`DROP TABLE ${table}`);
  }
}

interface SeedTarget {
  line: 'innovation' | 'entrepreneurship' | 'labour_market' | 'project_development' | 'communication';
  key: string;
  nl: string;
  en: string;
  target: number;
  metric: string;
  filters?: Record<string, unknown>;
  aggregate?: 'latest' | 'sum';
  baseline?: number;
  note: string;
}

const COMPANY = { organisationTypes: ['company'] };
const LLL = 'leven lang leren';

/**
 * Every target of the 2018 plan with its number and counting rule, in the plan's order. Combined rows of
 * the summary are split (each social channel a manual figure with its baseline; successes and awards two
 * targets). The last two communication targets are in the source plan, not in DOMAIN.md's summary.
 */
export const PLAN_2018: SeedTarget[] = [
  // Innovatie
  { line: 'innovation', key: 'innovation.companies_innovative_meetings', target: 200, metric: 'organisations_attending', filters: { tags: ['innovation'], ...COMPANY },
    nl: '200 bedrijven nemen deel aan bijeenkomsten met innovatieve thema’s (bijvoorbeeld smart robotics, Internet of Things, sensoring)',
    en: '200 companies attend meetings with innovative themes (e.g. smart robotics, Internet of Things, sensoring)',
    note: 'Distinct companies with a checked-in registration at events tagged "innovation".' },
  { line: 'innovation', key: 'innovation.companies_innovation_trajectories', target: 50, metric: 'organisations_supported', filters: { supportKinds: ['innovation_trajectory'], ...COMPANY },
    nl: '50 regionale bedrijven participeren in (cross-sectorale) innovatietrajecten en/of -initiatieven',
    en: '50 regional companies take part in (cross-sector) innovation trajectories or initiatives',
    note: 'Distinct companies linked to an innovation trajectory (support record) active in the period.' },
  { line: 'innovation', key: 'innovation.questions_answered', target: 50, metric: 'questions_answered',
    nl: '50 innovatievragen van regionale MKB worden beantwoord door MKB en/of kennis- en onderzoeksinstellingen',
    en: '50 innovation questions of regional SMEs answered by SMEs or knowledge and research institutes',
    note: 'Innovation questions (logged with a visit or on their own) marked answered, by the day they were answered.' },
  { line: 'innovation', key: 'innovation.companies_clusters', target: 50, metric: 'organisations_supported', filters: { supportKinds: ['cluster'], ...COMPANY },
    nl: '50 bedrijven participeren in clusters of connected learning groepen bestaande uit MKB en/of kennis- en onderzoeksinstellingen',
    en: '50 companies take part in clusters or connected-learning groups of SMEs and knowledge institutes',
    note: 'Distinct companies linked to a cluster (support record) active in the period.' },
  { line: 'innovation', key: 'innovation.companies_campus_facilities', target: 50, metric: 'organisations_attending', filters: { formats: ['campus_exchange'], ...COMPANY },
    nl: '50 bedrijven maken kennis met onderzoeksfaciliteiten en kennisaanbod op de Brainport Network campussen',
    en: '50 companies get to know the research facilities and knowledge on the Brainport Network campuses',
    note: 'Distinct companies with a checked-in registration at campus knowledge-exchange events.' },
  { line: 'innovation', key: 'innovation.companies_cooperation_projects', target: 10, metric: 'organisations_supported', filters: { supportKinds: ['cooperation_project'], ...COMPANY },
    nl: '10 bedrijven participeren in (inter- en/of EU-)regionale samenwerkingsprojecten/clusters',
    en: '10 companies take part in (inter)regional or EU cooperation projects or clusters',
    note: 'Distinct companies linked to a cooperation project (support record) active in the period.' },
  { line: 'innovation', key: 'innovation.companies_funding', target: 25, metric: 'organisations_supported', filters: { supportKinds: ['funding_support'], ...COMPANY },
    nl: '25 bedrijven maken gebruik van (Europese) middelen of andere vormen van financiering t.b.v. de ontwikkeling en/of marktimplementatie van innovaties',
    en: '25 companies use (European) funding or other financing to develop or bring innovations to market',
    note: 'Distinct companies with a funding support record active in the period.' },
  // Ondernemerschap
  { line: 'entrepreneurship', key: 'entrepreneurship.workshop_masterclass_participants', target: 50, metric: 'persons_attending', filters: { formats: ['workshop', 'masterclass'] },
    nl: '50 deelnemers aan workshops en masterclasses op het gebied van verbeteren van ondernemersvaardigheden',
    en: '50 participants in workshops and masterclasses on entrepreneurial skills',
    note: 'Distinct persons checked in at workshops and masterclasses.' },
  { line: 'entrepreneurship', key: 'entrepreneurship.theme_meeting_entrepreneurs', target: 100, metric: 'persons_attending', filters: { formats: ['theme_meeting'] },
    nl: '100 ondernemers nemen deel aan themabijeenkomsten bij onderwijsinstellingen, kennis- en onderzoeksinstellingen',
    en: '100 entrepreneurs attend theme meetings at education, knowledge and research institutes',
    note: 'Distinct persons checked in at theme meetings.' },
  { line: 'entrepreneurship', key: 'entrepreneurship.startups_plan_support', target: 10, metric: 'organisations_supported', filters: { supportKinds: ['startup_plan_support'], ...COMPANY },
    nl: '10 startende en/of snelgroeiende bedrijven worden ondersteund bij het opstellen van strategie-, business- en/of financieringsplannen',
    en: '10 starting or fast-growing companies supported with strategy, business or financing plans',
    note: 'Distinct companies with a start-up plan support record active in the period.' },
  { line: 'entrepreneurship', key: 'entrepreneurship.companies_strategy_plans', target: 25, metric: 'organisations_supported', filters: { supportKinds: ['strategy_plan_support'], ...COMPANY },
    nl: '25 bestaande bedrijven worden ondersteund bij het opstellen en implementeren van strategieplannen',
    en: '25 existing companies supported in drawing up and implementing strategy plans',
    note: 'Distinct companies with a strategy plan support record active in the period.' },
  { line: 'entrepreneurship', key: 'entrepreneurship.knowledge_session_entrepreneurs', target: 50, metric: 'persons_attending', filters: { formats: ['knowledge_session'] },
    nl: '50 ondernemers nemen deel aan kennissessies gericht op het verbeteren van ondernemerskwaliteiten',
    en: '50 entrepreneurs attend knowledge sessions on entrepreneurial qualities',
    note: 'Distinct persons checked in at knowledge sessions.' },
  { line: 'entrepreneurship', key: 'entrepreneurship.campus_exchange_entrepreneurs', target: 50, metric: 'persons_attending', filters: { formats: ['campus_exchange'] },
    nl: '50 ondernemers nemen deel aan kennisuitwisselingsbijeenkomsten op de Brainport Network campussen',
    en: '50 entrepreneurs attend knowledge exchanges on the Brainport Network campuses',
    note: 'Distinct persons checked in at campus knowledge-exchange events.' },
  // Arbeidsmarktoptimalisatie
  { line: 'labour_market', key: 'labour_market.job_seekers_trained_employed', target: 100, metric: 'manual', aggregate: 'sum',
    nl: '100 werkzoekenden zijn geschoold (certificaat) en hebben voor minimaal 1 jaar een baan in knelpuntfuncties',
    en: '100 job seekers trained (certificate) and employed for at least one year in hard-to-fill jobs',
    note: 'Manual: one entry per confirmed outcome (certificate and a year in the job), with the evidence in the note; entries are added up.' },
  { line: 'labour_market', key: 'labour_market.organisations_lifelong_learning', target: 50, metric: 'organisations_attending', filters: { tags: [LLL] },
    nl: '50 organisaties nemen deel aan activiteiten gericht op toepassing van Leven Lang Leren binnen de organisatie',
    en: '50 organisations take part in Lifelong Learning activities',
    note: 'Distinct organisations with a checked-in registration at events tagged "leven lang leren".' },
  { line: 'labour_market', key: 'labour_market.employees_lifelong_learning', target: 100, metric: 'persons_attending', filters: { tags: [LLL] },
    nl: '100 medewerkers (zittend personeel) nemen deel aan Leven Lang Leren activiteiten',
    en: '100 employees take part in Lifelong Learning activities',
    note: 'Distinct persons checked in at events tagged "leven lang leren".' },
  { line: 'labour_market', key: 'labour_market.employees_training_trajectories', target: 100, metric: 'manual', aggregate: 'sum',
    nl: '100 (zittende) werknemers hebben deelgenomen aan scholings- en opleidingstrajecten',
    en: '100 employees took part in training or education trajectories',
    note: 'Manual: entries of employees who took part (often reported by the training provider), added up.' },
  { line: 'labour_market', key: 'labour_market.students_meet_employers', target: 500, metric: 'group_headcount',
    filters: { formats: ['employer_meetup'], participantTypes: ['student'], includePersons: true },
    nl: '500 studenten van MBO, HBO en/of WO hebben kennis gemaakt met regionale werkgevers',
    en: '500 MBO, HBO or WO students meet regional employers',
    note: 'Headcounts of student groups at employer meet-ups plus the distinct students checked in there.' },
  { line: 'labour_market', key: 'labour_market.vmbo_pupils_meet_employers', target: 2000, metric: 'group_headcount', filters: { formats: ['employer_meetup'], participantTypes: ['pupil'] },
    nl: '2000 vmbo leerlingen hebben kennis gemaakt met regionale werkgevers',
    en: '2000 VMBO pupils meet regional employers',
    note: 'Headcounts of VMBO pupil groups at employer meet-ups.' },
  { line: 'labour_market', key: 'labour_market.student_profiles_known', target: 250, metric: 'manual', aggregate: 'sum',
    nl: 'Opleidings- en kennisprofiel van 250 MBO, HBO en/of WO studenten is bekend bij regionale werkgevers',
    en: 'The education and knowledge profile of 250 MBO, HBO or WO students is known to regional employers',
    note: 'Manual: entries of student profiles shared with employers, added up.' },
  // Communicatie
  { line: 'communication', key: 'communication.entrepreneurs_visited', target: 100, metric: 'organisations_visited',
    nl: '100 individuele ondernemers zijn bezocht en zijn bekend met activiteiten Keyport 2020',
    en: '100 individual entrepreneurs visited and familiar with the activities of Keyport 2020',
    note: 'Distinct organisations with a logged company visit in the period.' },
  { line: 'communication', key: 'communication.breakfast_sessions', target: 7, metric: 'events_held', filters: { formats: ['breakfast_session'] },
    nl: '7 informatie- en kennismakingssessies met ondernemers en overheid (ontbijtsessies)',
    en: '7 information sessions with entrepreneurs and government (breakfast sessions)',
    note: 'Breakfast sessions held (status held), by their start.' },
  { line: 'communication', key: 'communication.partner_information_sessions', target: 3, metric: 'events_held', filters: { formats: ['partner_meeting'], tags: ['informatiesessie'] },
    nl: '3 separate informatie- en kennismakingssessies met strategische partners, onderwijs en overheid',
    en: '3 information sessions with strategic partners, education and government',
    note: 'Partner meetings tagged "informatiesessie" held.' },
  { line: 'communication', key: 'communication.partner_thematic_meetings', target: 2, metric: 'events_held', filters: { formats: ['partner_meeting'], tags: ['thematisch'] },
    nl: 'Inrichten van 2 thematische bijeenkomsten voor strategische partners t.b.v. versterking regioprofilering',
    en: '2 thematic meetings for strategic partners to strengthen the regional profile',
    note: 'Partner meetings tagged "thematisch" held.' },
  { line: 'communication', key: 'communication.round_tables', target: 3, metric: 'events_held', filters: { formats: ['round_table'] },
    nl: '3 thematische rondetafel-bijeenkomsten (bijvoorbeeld Biobased en Circulair, financieringstafel)',
    en: '3 thematic round tables (e.g. Biobased & Circular, financing table)',
    note: 'Round tables held.' },
  { line: 'communication', key: 'communication.progress_reports', target: 4, metric: 'progress_reports',
    nl: '4 keer per jaar wordt de inhoudelijke voortgang jaarplan 2018 gecommuniceerd met stakeholders',
    en: 'Progress on the 2018 plan communicated to stakeholders 4 times a year',
    note: 'Quarterly progress reports issued, by the day they were issued.' },
  { line: 'communication', key: 'communication.successes_highlighted', target: 12, metric: 'manual', aggregate: 'sum',
    nl: '12 behaalde successen worden belicht in de communicatie richting stakeholders',
    en: '12 successes highlighted in the communication to stakeholders',
    note: 'Manual: one entry per success highlighted (where, in the note), added up.' },
  { line: 'communication', key: 'communication.made_in_keyport_awards', target: 10, metric: 'manual', aggregate: 'sum',
    nl: 'Uitreiken van 10 ‘Made in Keyport awards’',
    en: '10 "Made in Keyport" awards presented',
    note: 'Manual: entries of awards presented, added up.' },
  { line: 'communication', key: 'communication.website_visits', target: 18020, metric: 'manual', aggregate: 'latest', baseline: 16900,
    nl: 'Bezoeken website verhogen met 6%: van 16.900 naar 18.020',
    en: 'Website visits up 6%: from 16,900 to 18,020',
    note: 'Manual level: the latest measurement of the period (visits over the last twelve months); baseline 16,900.' },
  { line: 'communication', key: 'communication.newsletter_subscribers', target: 1500, metric: 'manual', aggregate: 'latest', baseline: 1409,
    nl: 'Keynote-abonnees uitbreiden met 6,5%: van 1.409 naar 1.500',
    en: 'Keynote newsletter subscribers up 6.5%: from 1,409 to 1,500',
    note: 'Manual level: the latest subscriber count of the period; baseline 1,409.' },
  { line: 'communication', key: 'communication.twitter_followers', target: 700, metric: 'manual', aggregate: 'latest', baseline: 620,
    nl: 'Twitter-volgers uitbreiden met 13%: van 620 naar 700',
    en: 'Twitter followers up 13%: from 620 to 700',
    note: 'Manual level: the latest follower count of the period; baseline 620.' },
  { line: 'communication', key: 'communication.linkedin_members', target: 370, metric: 'manual', aggregate: 'latest', baseline: 320,
    nl: 'LinkedIn-groepsleden uitbreiden met 15,5%: van 320 naar 370',
    en: 'LinkedIn group members up 15.5%: from 320 to 370',
    note: 'Manual level: the latest member count of the period; baseline 320.' },
  { line: 'communication', key: 'communication.opportunities_signalled', target: 2, metric: 'manual', aggregate: 'sum',
    nl: 'Minimaal 2 kansen zijn gesignaleerd en uitgewerkt die een positieve bijdrage leveren aan het versterken van de concurrentiepositie van ondernemers',
    en: 'At least 2 opportunities identified and worked out that strengthen the competitive position of entrepreneurs',
    note: 'Manual: one entry per opportunity worked out, added up. (From the source plan.)' },
  { line: 'communication', key: 'communication.municipal_teams_visited', target: 7, metric: 'manual', aggregate: 'sum',
    nl: 'In elke Keyport 2020 gemeente is het team communicatie bezocht en bekend gemaakt met de activiteiten en relatie Keyport 2020',
    en: 'The communication team of each of the 7 Keyport municipalities visited and informed about Keyport 2020',
    note: 'Manual: one entry per municipality visited, added up. (From the source plan.)' },
  // Projectontwikkeling
  { line: 'project_development', key: 'project_development.execution_projects', target: 8, metric: 'manual', aggregate: 'sum',
    nl: '8 uitvoeringsprojecten in samenwerking met triple helix partners en gekoppeld aan de programmalijnen worden in 2018 goedgekeurd en opgestart (of gecontinueerd)',
    en: '8 execution projects with triple-helix partners, linked to the programme lines, approved and started (or continued) in 2018',
    note: 'Manual: one entry per project approved and started, added up.' },
  { line: 'project_development', key: 'project_development.biobased_smart_industry_projects', target: 3, metric: 'manual', aggregate: 'sum',
    nl: '3 projecten met raakvlak Biobased/Circulair of Smart Industry zijn geïnitieerd en in voorbereiding/uitvoering',
    en: '3 Biobased/Circular or Smart Industry projects initiated and in preparation or execution',
    note: 'Manual: one entry per project, added up.' },
  { line: 'project_development', key: 'project_development.regional_companies_in_projects', target: 3, metric: 'support_records',
    filters: { supportKinds: ['cooperation_project'], ...COMPANY, inRegion: true },
    nl: 'Deelname van regionale bedrijven aan 3 (inter)regionale en/of internationale projecten (in afstemming met de Euregio rijn-maas-noord)',
    en: 'Regional companies take part in 3 (inter)regional or international projects (with the Euregio Rhine-Meuse-North)',
    note: 'Cooperation projects (support records) active in the period with at least one company from the region.' },
  { line: 'project_development', key: 'project_development.education_partners_in_projects', target: 2, metric: 'support_records',
    filters: { supportKinds: ['cooperation_project'], organisationTypes: ['education'] },
    nl: 'Deelname van onderwijspartners aan 2 (inter)regionale en/of internationale projecten',
    en: 'Education partners take part in 2 (inter)regional or international projects',
    note: 'Cooperation projects (support records) active in the period with at least one education partner.' },
];
