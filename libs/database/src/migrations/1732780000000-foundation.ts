import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1732780000000 implements MigrationInterface {
  name = 'Foundation1732780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'organiser', 'account_manager')),
        password_hash text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        language text NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);

    // Transactional outbox: jobs written in the same transaction as the change that causes them,
    // relayed to the queue afterwards (so a queue outage loses nothing).
    await q.query(`
      CREATE TABLE job_outbox (
        id bigserial PRIMARY KEY,
        name text NOT NULL,
        payload jsonb NOT NULL,
        priority integer NOT NULL DEFAULT 0,
        run_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz
      )`);
    await q.query(`CREATE INDEX job_outbox_pending_idx ON job_outbox (id) WHERE relayed_at IS NULL`);

    // Mail kept locally when no SMTP_URL is configured: staff read it in the app.
    await q.query(`
      CREATE TABLE local_mail (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        sender text NOT NULL,
        recipients text NOT NULL,
        subject text NOT NULL,
        html text,
        text text,
        headers jsonb NOT NULL DEFAULT '{}',
        attachments jsonb NOT NULL DEFAULT '[]',
        raw bytea NOT NULL
      )`);
    await q.query(`CREATE INDEX local_mail_created_idx ON local_mail (created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE local_mail`);
    await q.query(`DROP TABLE job_outbox`);
    await q.query(`DROP TABLE users`);
  }
}
