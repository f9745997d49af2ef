import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CRM: organisations, contacts (persons) and their employment history, company visits with
 * innovation questions and follow-up actions, support records, the audit log and CSV imports.
 * Merged records stay as rows pointing at the survivor (merged_into_id), so nothing that referred to
 * them is lost and figures count them once.
 */
export class Crm1732790000000 implements MigrationInterface {
  name = 'Crm1732790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE organisations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        name_key text NOT NULL,
        type text NOT NULL CHECK (type IN ('company', 'education', 'government', 'other')),
        kvk_number text CHECK (kvk_number ~ '^[0-9]{8}$'),
        municipality text,
        municipality_key text,
        in_region boolean NOT NULL DEFAULT false,
        street text,
        postcode text,
        city text,
        sector text,
        size_class text CHECK (size_class IN ('micro', 'small', 'medium', 'large')),
        website text,
        tags text[] NOT NULL DEFAULT '{}',
        notes text,
        account_manager_id uuid REFERENCES users(id) ON DELETE SET NULL,
        needs_review boolean NOT NULL DEFAULT false,
        merged_into_id uuid REFERENCES organisations(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX organisations_kvk_key ON organisations (kvk_number) WHERE kvk_number IS NOT NULL AND merged_into_id IS NULL`);
    await q.query(`CREATE INDEX organisations_name_key_idx ON organisations (name_key, municipality_key) WHERE merged_into_id IS NULL`);
    await q.query(`CREATE INDEX organisations_name_trgm ON organisations USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX organisations_city_trgm ON organisations USING gin (city gin_trgm_ops)`);
    await q.query(`CREATE INDEX organisations_tags_idx ON organisations USING gin (tags)`);
    await q.query(`CREATE INDEX organisations_manager_idx ON organisations (account_manager_id)`);

    await q.query(`
      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        first_name text NOT NULL,
        last_name text NOT NULL,
        email text,
        phone text,
        job_title text,
        language text NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
        mailing_consent boolean NOT NULL DEFAULT false,
        consent_at timestamptz,
        consent_source text,
        unsubscribed_at timestamptz,
        bounced_at timestamptz,
        notes text,
        erased_at timestamptz,
        merged_into_id uuid REFERENCES contacts(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email)) WHERE email IS NOT NULL AND merged_into_id IS NULL`);
    await q.query(`CREATE INDEX contacts_name_trgm ON contacts USING gin ((first_name || ' ' || last_name) gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE contact_organisations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        contact_id uuid NOT NULL REFERENCES contacts(id),
        organisation_id uuid NOT NULL REFERENCES organisations(id),
        role text,
        started_on date,
        ended_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on)
      )`);
    await q.query(`CREATE INDEX contact_organisations_contact_idx ON contact_organisations (contact_id)`);
    await q.query(`CREATE INDEX contact_organisations_org_idx ON contact_organisations (organisation_id)`);

    await q.query(`
      CREATE TABLE company_visits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations(id),
        visited_on date NOT NULL,
        account_manager_id uuid NOT NULL REFERENCES users(id),
        programme_lines text[] NOT NULL DEFAULT '{}',
        themes text[] NOT NULL DEFAULT '{}',
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX company_visits_org_idx ON company_visits (organisation_id, visited_on DESC)`);
    await q.query(`CREATE INDEX company_visits_manager_idx ON company_visits (account_manager_id, visited_on DESC)`);
    await q.query(`
      CREATE TABLE company_visit_contacts (
        visit_id uuid NOT NULL REFERENCES company_visits(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contacts(id),
        PRIMARY KEY (visit_id, contact_id)
      )`);

    await q.query(`
      CREATE TABLE innovation_questions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations(id),
        visit_id uuid REFERENCES company_visits(id) ON DELETE SET NULL,
        contact_id uuid REFERENCES contacts(id),
        question text NOT NULL,
        raised_on date NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered')),
        answered_by text CHECK (answered_by IN ('sme', 'knowledge_institute', 'keyport')),
        answered_by_name text,
        answer text,
        answered_on date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'open' OR (answered_by IS NOT NULL AND answered_on IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX innovation_questions_org_idx ON innovation_questions (organisation_id)`);
    await q.query(`CREATE INDEX innovation_questions_answered_idx ON innovation_questions (answered_on) WHERE status = 'answered'`);

    await q.query(`
      CREATE TABLE follow_up_actions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations(id),
        visit_id uuid REFERENCES company_visits(id) ON DELETE SET NULL,
        description text NOT NULL,
        assignee_id uuid NOT NULL REFERENCES users(id),
        due_on date,
        done_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX follow_up_actions_open_idx ON follow_up_actions (assignee_id, due_on) WHERE done_at IS NULL`);
    await q.query(`CREATE INDEX follow_up_actions_org_idx ON follow_up_actions (organisation_id)`);

    await q.query(`
      CREATE TABLE support_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('innovation_trajectory', 'cluster', 'cooperation_project', 'funding_support',
          'startup_plan_support', 'strategy_plan_support', 'training_trajectory')),
        title text NOT NULL,
        programme_line text NOT NULL CHECK (programme_line IN ('innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication')),
        started_on date NOT NULL,
        ended_on date,
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ended_on IS NULL OR ended_on >= started_on)
      )`);
    await q.query(`
      CREATE TABLE support_record_organisations (
        support_record_id uuid NOT NULL REFERENCES support_records(id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations(id),
        PRIMARY KEY (support_record_id, organisation_id)
      )`);
    await q.query(`CREATE INDEX support_record_organisations_org_idx ON support_record_organisations (organisation_id)`);
    await q.query(`
      CREATE TABLE support_record_contacts (
        support_record_id uuid NOT NULL REFERENCES support_records(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contacts(id),
        PRIMARY KEY (support_record_id, contact_id)
      )`);

    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid REFERENCES users(id) ON DELETE SET NULL,
        actor_name text,
        action text NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        changes jsonb NOT NULL DEFAULT '{}',
        summary text
      )`);
    await q.query(`CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at DESC)`);

    await q.query(`
      CREATE TABLE imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('organisations', 'contacts')),
        file_name text NOT NULL,
        file bytea NOT NULL,
        status text NOT NULL DEFAULT 'previewed' CHECK (status IN ('previewed', 'queued', 'running', 'done', 'failed')),
        total_rows integer NOT NULL DEFAULT 0,
        processed_rows integer NOT NULL DEFAULT 0,
        created_count integer NOT NULL DEFAULT 0,
        duplicate_count integer NOT NULL DEFAULT 0,
        rejected_count integer NOT NULL DEFAULT 0,
        preview jsonb NOT NULL DEFAULT '[]',
        error text,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'imports',
      'audit_log',
      'support_record_contacts',
      'support_record_organisations',
      'support_records',
      'follow_up_actions',
      'innovation_questions',
      'company_visit_contacts',
      'company_visits',
      'contact_organisations',
      'contacts',
      'organisations',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
