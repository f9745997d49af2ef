import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events, their sessions (parallel tracks) and custom questions, registrations and group attendance.
 *
 * Capacity lives in counters on the event (and session) rows, changed only by the functions below, each
 * one statement from Node: the event row's lock is taken late and held only inside PostgreSQL, never
 * across round trips to the application (the limit measured for one hot event). Confirmation and
 * waiting-list mails go into job_outbox in the same transaction.
 */
export class Events1732810000000 implements MigrationInterface {
  name = 'Events1732810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        description text,
        format text NOT NULL CHECK (format IN ('breakfast_session', 'masterclass', 'workshop', 'theme_meeting', 'knowledge_session',
          'campus_exchange', 'round_table', 'symposium', 'partner_meeting', 'employer_meetup', 'other')),
        programme_lines text[] NOT NULL DEFAULT '{}'
          CHECK (programme_lines <@ ARRAY['innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication']),
        tags text[] NOT NULL DEFAULT '{}',
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        venue text,
        address text,
        municipality text,
        municipality_key text,
        in_region boolean NOT NULL DEFAULT false,
        capacity integer CHECK (capacity IS NULL OR capacity >= 0),
        confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0),
        registration_opens_at timestamptz,
        registration_closes_at timestamptz,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled', 'held')),
        language text NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
        reminder_hours integer NOT NULL DEFAULT 48 CHECK (reminder_hours BETWEEN 0 AND 720),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at),
        CHECK (registration_closes_at IS NULL OR registration_opens_at IS NULL OR registration_closes_at > registration_opens_at)
      )`);
    await q.query(`CREATE INDEX events_upcoming_idx ON events (starts_at) WHERE status = 'published'`);

    await q.query(`
      CREATE TABLE event_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        position integer NOT NULL DEFAULT 0,
        title text NOT NULL,
        starts_at timestamptz,
        ends_at timestamptz,
        capacity integer CHECK (capacity IS NULL OR capacity >= 0),
        confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0)
      )`);
    await q.query(`CREATE INDEX event_sessions_event_idx ON event_sessions (event_id, position)`);

    await q.query(`
      CREATE TABLE event_questions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        position integer NOT NULL DEFAULT 0,
        label text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('text', 'single', 'multiple', 'yes_no')),
        options text[] NOT NULL DEFAULT '{}',
        required boolean NOT NULL DEFAULT false
      )`);
    await q.query(`CREATE INDEX event_questions_event_idx ON event_questions (event_id, position)`);

    await q.query(`
      CREATE TABLE registrations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES events(id),
        session_id uuid REFERENCES event_sessions(id),
        contact_id uuid NOT NULL REFERENCES contacts(id),
        organisation_id uuid REFERENCES organisations(id),
        email text NOT NULL,
        participant_type text NOT NULL DEFAULT 'entrepreneur'
          CHECK (participant_type IN ('entrepreneur', 'employee', 'student', 'education', 'government', 'other')),
        status text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'attended', 'no_show')),
        answers jsonb NOT NULL DEFAULT '{}',
        source text NOT NULL DEFAULT 'public' CHECK (source IN ('public', 'staff', 'walk_in')),
        mailing_consent boolean NOT NULL DEFAULT false,
        checked_in_at timestamptz,
        cancelled_at timestamptz,
        cancelled_by text CHECK (cancelled_by IN ('registrant', 'staff', 'event')),
        promoted_at timestamptz,
        reminder_sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, email)
      )`);
    await q.query(`CREATE INDEX registrations_waitlist_idx ON registrations (event_id, created_at, id) WHERE status = 'waitlisted'`);
    await q.query(`CREATE INDEX registrations_event_status_idx ON registrations (event_id, status)`);
    await q.query(`CREATE INDEX registrations_contact_idx ON registrations (contact_id)`);
    await q.query(`CREATE INDEX registrations_organisation_idx ON registrations (organisation_id)`);

    await q.query(`
      CREATE TABLE group_attendances (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES events(id),
        organisation_id uuid REFERENCES organisations(id),
        label text NOT NULL,
        headcount integer NOT NULL CHECK (headcount > 0 AND headcount <= 10000),
        participant_type text NOT NULL CHECK (participant_type IN ('student', 'pupil')),
        education_level text CHECK (education_level IN ('vmbo', 'mbo', 'hbo', 'wo')),
        recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX group_attendances_event_idx ON group_attendances (event_id)`);
    await q.query(`CREATE INDEX group_attendances_org_idx ON group_attendances (organisation_id)`);

    await q.query(REGISTER_FUNCTION);
    await q.query(CANCEL_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION keyport_cancel_registration(uuid, text)`);
    await q.query(`DROP FUNCTION keyport_register(uuid, uuid, text, text, text, text, boolean, text, text, text, text, text, text, boolean, text, jsonb, text, boolean)`);
    for (const table of ['group_attendances', 'registrations', 'event_questions', 'event_sessions', 'events']) await q.query(`DROP TABLE ${table}`);
  }
}

/**
 * One sign-up, in one statement: the same email for the same event returns the existing registration;
 * otherwise the organisation (by KvK, else name and municipality, else new and flagged for review) and
 * the contact (by email, else new) are found or made, a seat is taken if the event (and session) has
 * one (confirmed) or not (waitlisted), and the mail job is written to the outbox.
 * Errors: 'event_not_found', 'event_closed' (SQLSTATE P0001, message = the code).
 */
const REGISTER_FUNCTION = `
CREATE FUNCTION keyport_register(
  p_event_id uuid, p_session_id uuid, p_email text, p_first_name text, p_last_name text, p_language text,
  p_mailing_consent boolean, p_consent_source text,
  p_org_name text, p_org_name_key text, p_kvk text, p_municipality text, p_municipality_key text, p_in_region boolean,
  p_participant_type text, p_answers jsonb, p_source text, p_ignore_window boolean
) RETURNS TABLE (registration_id uuid, registration_status text, created boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_event events%ROWTYPE;
  v_org uuid;
  v_contact uuid;
  v_reg uuid;
  v_seat boolean := false;
  v_status text;
  v_revive uuid;
BEGIN
  SELECT r.id, r.status INTO v_reg, v_status FROM registrations r WHERE r.event_id = p_event_id AND r.email = p_email;
  IF FOUND AND v_status <> 'cancelled' THEN
    RETURN QUERY SELECT v_reg, v_status, false;
    RETURN;
  END IF;
  -- Someone who cancelled and signs up again gets their registration back, at the end of the queue.
  v_revive := v_reg;

  SELECT * INTO v_event FROM events e WHERE e.id = p_event_id;
  IF NOT FOUND THEN RAISE EXCEPTION 'event_not_found'; END IF;
  IF v_event.status = 'cancelled' OR v_event.status = 'held'
     OR (NOT p_ignore_window AND (v_event.status <> 'published'
         OR (v_event.registration_opens_at IS NOT NULL AND now() < v_event.registration_opens_at)
         OR now() >= coalesce(v_event.registration_closes_at, v_event.starts_at))) THEN
    RAISE EXCEPTION 'event_closed';
  END IF;
  IF p_session_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event_sessions s WHERE s.id = p_session_id AND s.event_id = p_event_id) THEN
    RAISE EXCEPTION 'session_not_found';
  END IF;

  IF p_org_name IS NOT NULL THEN
    IF p_kvk IS NOT NULL THEN
      SELECT o.id INTO v_org FROM organisations o WHERE o.kvk_number = p_kvk AND o.merged_into_id IS NULL;
    END IF;
    IF v_org IS NULL THEN
      -- Two sign-ups from one new organisation at once must not create it twice.
      PERFORM pg_advisory_xact_lock(hashtext('org:' || p_org_name_key || ':' || coalesce(p_municipality_key, '')));
      SELECT o.id INTO v_org FROM organisations o
       WHERE o.name_key = p_org_name_key AND o.municipality_key IS NOT DISTINCT FROM p_municipality_key AND o.merged_into_id IS NULL
       ORDER BY o.created_at LIMIT 1;
    END IF;
    IF v_org IS NULL THEN
      INSERT INTO organisations (name, name_key, type, kvk_number, municipality, municipality_key, in_region, needs_review)
      VALUES (p_org_name, p_org_name_key,
              CASE p_participant_type WHEN 'education' THEN 'education' WHEN 'government' THEN 'government' ELSE 'company' END,
              p_kvk, p_municipality, p_municipality_key, coalesce(p_in_region, false), true)
      ON CONFLICT (kvk_number) WHERE kvk_number IS NOT NULL AND merged_into_id IS NULL DO NOTHING
      RETURNING id INTO v_org;
      IF v_org IS NULL THEN
        SELECT o.id INTO v_org FROM organisations o WHERE o.kvk_number = p_kvk AND o.merged_into_id IS NULL;
      END IF;
    END IF;
  END IF;

  INSERT INTO contacts (first_name, last_name, email, language, mailing_consent, consent_at, consent_source)
  VALUES (p_first_name, p_last_name, p_email, p_language, p_mailing_consent,
          CASE WHEN p_mailing_consent THEN now() END, CASE WHEN p_mailing_consent THEN p_consent_source END)
  ON CONFLICT (lower(email)) WHERE email IS NOT NULL AND merged_into_id IS NULL
  DO UPDATE SET
    -- A box the person ticks now is their own consent (and undoes their earlier unsubscribe);
    -- an unticked box takes nothing away.
    mailing_consent = contacts.mailing_consent OR excluded.mailing_consent,
    consent_at = CASE WHEN excluded.mailing_consent AND NOT (contacts.mailing_consent AND contacts.unsubscribed_at IS NULL) THEN now() ELSE contacts.consent_at END,
    consent_source = CASE WHEN excluded.mailing_consent AND NOT (contacts.mailing_consent AND contacts.unsubscribed_at IS NULL) THEN excluded.consent_source ELSE contacts.consent_source END,
    unsubscribed_at = CASE WHEN excluded.mailing_consent THEN NULL ELSE contacts.unsubscribed_at END,
    updated_at = now()
  RETURNING id INTO v_contact;

  IF v_org IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM contact_organisations l WHERE l.contact_id = v_contact AND l.organisation_id = v_org AND (l.ended_on IS NULL OR l.ended_on >= current_date)
  ) THEN
    INSERT INTO contact_organisations (contact_id, organisation_id) VALUES (v_contact, v_org);
  END IF;

  -- The seat, last: the event row stays locked only from here to the end of this statement.
  UPDATE events e SET confirmed_count = e.confirmed_count + 1
   WHERE e.id = p_event_id AND (e.capacity IS NULL OR e.confirmed_count < e.capacity);
  v_seat := FOUND;
  IF v_seat AND p_session_id IS NOT NULL THEN
    UPDATE event_sessions s SET confirmed_count = s.confirmed_count + 1
     WHERE s.id = p_session_id AND (s.capacity IS NULL OR s.confirmed_count < s.capacity);
    IF NOT FOUND THEN
      UPDATE events e SET confirmed_count = e.confirmed_count - 1 WHERE e.id = p_event_id;
      v_seat := false;
    END IF;
  END IF;

  v_reg := NULL;
  IF v_revive IS NOT NULL THEN
    UPDATE registrations r SET session_id = p_session_id, contact_id = v_contact, organisation_id = v_org, participant_type = p_participant_type,
           status = CASE WHEN v_seat THEN 'confirmed' ELSE 'waitlisted' END, answers = coalesce(p_answers, '{}'), source = p_source,
           mailing_consent = p_mailing_consent, cancelled_at = NULL, cancelled_by = NULL, promoted_at = NULL, reminder_sent_at = NULL,
           checked_in_at = NULL, created_at = clock_timestamp(), updated_at = now()
     WHERE r.id = v_revive AND r.status = 'cancelled'
    RETURNING r.id, r.status INTO v_reg, v_status;
  ELSE
    INSERT INTO registrations (event_id, session_id, contact_id, organisation_id, email, participant_type, status, answers, source, mailing_consent)
    VALUES (p_event_id, p_session_id, v_contact, v_org, p_email, p_participant_type,
            CASE WHEN v_seat THEN 'confirmed' ELSE 'waitlisted' END, coalesce(p_answers, '{}'), p_source, p_mailing_consent)
    ON CONFLICT (event_id, email) DO NOTHING
    RETURNING id, status INTO v_reg, v_status;
  END IF;

  IF v_reg IS NULL THEN
    -- The same email signed up (or came back) at the same moment: give the seat back, return theirs.
    IF v_seat THEN
      UPDATE events e SET confirmed_count = e.confirmed_count - 1 WHERE e.id = p_event_id;
      IF p_session_id IS NOT NULL THEN UPDATE event_sessions s SET confirmed_count = s.confirmed_count - 1 WHERE s.id = p_session_id; END IF;
    END IF;
    SELECT r.id, r.status INTO v_reg, v_status FROM registrations r WHERE r.event_id = p_event_id AND r.email = p_email;
    RETURN QUERY SELECT v_reg, v_status, false;
    RETURN;
  END IF;

  INSERT INTO job_outbox (name, payload, priority)
  VALUES ('registration-mail', jsonb_build_object('registrationId', v_reg, 'kind', CASE WHEN v_seat THEN 'confirmed' ELSE 'waitlisted' END), 1);
  RETURN QUERY SELECT v_reg, v_status, true;
END
$fn$`;

/**
 * Cancels a registration (by the registrant, staff or the event) in one statement. A confirmed seat goes
 * to the first on the waiting list (of the same session), who is mailed; otherwise the seat is freed.
 * Cancelling twice changes nothing. Returns the status before and the promoted registration, if any.
 */
const CANCEL_FUNCTION = `
CREATE FUNCTION keyport_cancel_registration(p_registration_id uuid, p_by text)
RETURNS TABLE (previous_status text, promoted_id uuid)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_reg registrations%ROWTYPE;
  v_next uuid;
BEGIN
  SELECT * INTO v_reg FROM registrations r WHERE r.id = p_registration_id FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'registration_not_found'; END IF;
  IF v_reg.status IN ('cancelled', 'attended', 'no_show') THEN
    RETURN QUERY SELECT v_reg.status, NULL::uuid;
    RETURN;
  END IF;

  UPDATE registrations r SET status = 'cancelled', cancelled_at = now(), cancelled_by = p_by, updated_at = now() WHERE r.id = v_reg.id;
  IF p_by <> 'event' THEN
    INSERT INTO job_outbox (name, payload, priority) VALUES ('registration-mail', jsonb_build_object('registrationId', v_reg.id, 'kind', 'cancelled'), 1);
  END IF;

  IF v_reg.status = 'confirmed' THEN
    -- Lock the event row (the seat counter) before choosing whom to promote.
    PERFORM 1 FROM events e WHERE e.id = v_reg.event_id FOR UPDATE;
    SELECT r.id INTO v_next FROM registrations r
     WHERE r.event_id = v_reg.event_id AND r.status = 'waitlisted' AND r.session_id IS NOT DISTINCT FROM v_reg.session_id
     ORDER BY r.created_at, r.id LIMIT 1 FOR UPDATE;
    IF v_next IS NOT NULL AND p_by <> 'event' THEN
      UPDATE registrations r SET status = 'confirmed', promoted_at = now(), updated_at = now() WHERE r.id = v_next;
      INSERT INTO job_outbox (name, payload, priority) VALUES ('registration-mail', jsonb_build_object('registrationId', v_next, 'kind', 'promoted'), 1);
    ELSE
      v_next := NULL;
      UPDATE events e SET confirmed_count = e.confirmed_count - 1 WHERE e.id = v_reg.event_id;
      IF v_reg.session_id IS NOT NULL THEN
        UPDATE event_sessions s SET confirmed_count = s.confirmed_count - 1 WHERE s.id = v_reg.session_id;
      END IF;
    END IF;
  END IF;
  RETURN QUERY SELECT v_reg.status, v_next;
END
$fn$`;
