import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitation mailings: reusable templates and segments, mailings with one row per recipient, bounces.
 *
 * Exactly once rests on mailing_recipients: UNIQUE (mailing_id, email_key) means one row per address per
 * mailing however often "send" is clicked; a row is claimed ('sending', with a lease) with FOR UPDATE
 * SKIP LOCKED by one worker at a time and marked 'sent' only after the SMTP server accepted the message.
 */
export class Mailings1732820000000 implements MigrationInterface {
  name = 'Mailings1732820000000';

  async up(q: QueryRunner): Promise<void> {
    // The programme lines a person wants to hear about (segment filter "interest").
    await q.query(`ALTER TABLE contacts ADD COLUMN interests text[] NOT NULL DEFAULT '{}'
      CHECK (interests <@ ARRAY['innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication'])`);
    await q.query(`ALTER TABLE contacts ADD COLUMN bounce_reason text`);
    await q.query(`CREATE INDEX contacts_email_key_idx ON contacts (lower(email)) WHERE email IS NOT NULL`);

    await q.query(`
      CREATE TABLE mail_templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text,
        subject_nl text NOT NULL, html_nl text NOT NULL, text_nl text NOT NULL,
        subject_en text NOT NULL, html_en text NOT NULL, text_en text NOT NULL,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        filters jsonb NOT NULL DEFAULT '{}',
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE mailings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        template_id uuid NOT NULL REFERENCES mail_templates(id),
        -- The template as it was when sending started: later edits do not change a mailing in flight.
        content jsonb,
        event_id uuid REFERENCES events(id),
        segment_id uuid REFERENCES segments(id) ON DELETE SET NULL,
        filters jsonb NOT NULL DEFAULT '{}',
        parent_id uuid REFERENCES mailings(id),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
        scheduled_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        -- Bumped by every start and resume: the pump jobs' ids derive from it.
        generation integer NOT NULL DEFAULT 0,
        -- Last sign of life of a pump: the sweep wakes a sending mailing only when no pump has run for a while.
        pumped_at timestamptz,
        sender_name text,
        sender_email text,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mailings_status_idx ON mailings (status) WHERE status IN ('scheduled', 'sending')`);

    await q.query(`
      CREATE TABLE mailing_recipients (
        id bigserial PRIMARY KEY,
        mailing_id uuid NOT NULL REFERENCES mailings(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contacts(id),
        email text NOT NULL,
        email_key text NOT NULL,
        language text NOT NULL CHECK (language IN ('nl', 'en')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
        reason text,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        last_attempt_at timestamptz,
        sent_at timestamptz,
        smtp_response text,
        message_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (mailing_id, email_key)
      )`);
    await q.query(`CREATE INDEX mailing_recipients_due_idx ON mailing_recipients (mailing_id, next_attempt_at, id) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX mailing_recipients_status_idx ON mailing_recipients (mailing_id, status)`);
    await q.query(`CREATE INDEX mailing_recipients_contact_idx ON mailing_recipients (contact_id)`);
    await q.query(`CREATE INDEX mailing_recipients_lease_idx ON mailing_recipients (lease_until) WHERE status = 'sending'`);

    await q.query(`
      CREATE TABLE mail_bounces (
        id bigserial PRIMARY KEY,
        email_key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint')),
        reason text,
        mailing_id uuid REFERENCES mailings(id) ON DELETE SET NULL,
        source text NOT NULL CHECK (source IN ('smtp', 'webhook', 'csv', 'staff')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mail_bounces_email_idx ON mail_bounces (email_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['mail_bounces', 'mailing_recipients', 'mailings', 'segments', 'mail_templates']) await q.query(`DROP TABLE ${table}`);
    await q.query(`DROP INDEX contacts_email_key_idx`);
    await q.query(`ALTER TABLE contacts DROP COLUMN bounce_reason`);
    await q.query(`ALTER TABLE contacts DROP COLUMN interests`);
  }
}
