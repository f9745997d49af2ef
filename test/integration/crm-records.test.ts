import { AuditService, Contact, ContactsService, ERASED_NAME, OrganisationsService, PossibleContactDuplicateError, PossibleDuplicateError } from '@keyport/crm';
import { ConflictError, ForbiddenError } from '@keyport/common';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser } from '../utils/factories';

describe('CRM records on PostgreSQL: duplicates, merge, audit, GDPR', () => {
  let app: NestFastifyApplication;
  let orgs: OrganisationsService;
  let contacts: ContactsService;
  let db: DataSource;

  beforeAll(async () => {
    app = await createTestApp();
    orgs = app.get(OrganisationsService);
    contacts = app.get(ContactsService);
    db = app.get(DataSource);
  });
  afterAll(() => app.close());

  const actorOf = async (role: Role) => {
    const u = await newUser(app, role);
    return { id: u.id, role: u.role, name: u.name, email: u.email };
  };

  describe('duplicates', () => {
    it('refuses a second organisation with the same KvK number (409), even when typed with spaces', async () => {
      const kvk = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
      await newOrganisation(app, { kvkNumber: kvk });
      const error = await newOrganisation(app, { kvkNumber: kvk, name: 'Totaal Anders BV' }).catch((e) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.fields[0].field).toBe('kvkNumber');
    });

    it('finds the same name in the same municipality, ignoring case, accents and legal form; allowDuplicate saves anyway', async () => {
      const name = `Café De Smidse ${Date.now()}`;
      const first = await newOrganisation(app, { name, municipality: 'Roermond' });
      const found = await orgs.findDuplicates({ name: `${name.replace('Café', 'cafe').toUpperCase()} B.V.`, municipality: 'roermond' });
      expect(found.map((d) => d.id)).toEqual([first.id]);
      expect(found[0].reasons).toEqual(['name']);
      await expect(newOrganisation(app, { name: `${name} BV`, municipality: 'ROERMOND' })).rejects.toBeInstanceOf(PossibleDuplicateError);
      // The same name elsewhere is another organisation.
      await expect(newOrganisation(app, { name, municipality: 'Weert' })).resolves.toBeDefined();
      const second = await newOrganisation(app, { name: `${name} BV`, municipality: 'Roermond', allowDuplicate: true });
      expect(second.id).not.toBe(first.id);
    });

    it('refuses a contact with an email in use (409), in any case, and warns for the same name at the same organisation', async () => {
      const org = await newOrganisation(app);
      const c = await newContact(app, { email: `Sam.Peeters.${Date.now()}@Example.nl`, firstName: 'Sam', lastName: 'Peeters', organisations: [{ organisationId: org.id }] });
      expect(c.email).toBe(c.email!.toLowerCase());
      await expect(newContact(app, { email: c.email!.toUpperCase() })).rejects.toBeInstanceOf(ConflictError);
      await expect(newContact(app, { firstName: 'sam', lastName: 'PEETERS', email: undefined, organisations: [{ organisationId: org.id }] })).rejects.toBeInstanceOf(PossibleContactDuplicateError);
    });

    it('keeps unknown municipalities, grouped as outside the region', async () => {
      const org = await newOrganisation(app, { municipality: '  venlo ' });
      const view = await orgs.get(org.id);
      expect(view).toMatchObject({ municipality: 'venlo', inRegion: false });
      const weert = await orgs.get((await newOrganisation(app, { municipality: 'WEERT' })).id);
      expect(weert).toMatchObject({ municipality: 'Weert', inRegion: true });
      const outside = await orgs.list({ municipality: 'outside', pageSize: 200 });
      expect(outside.items.every((o) => !o.inRegion)).toBe(true);
      expect(outside.items.map((o) => o.id)).toContain(org.id);
    });
  });

  describe('merge', () => {
    it('moves every visit, question, follow-up, support record and person of the duplicate, and writes the audit log', async () => {
      const admin = await actorOf(Role.Admin);
      const keep = await newOrganisation(app, { name: `Keep ${Date.now()}`, tags: ['a'] });
      const gone = await newOrganisation(app, { name: `Gone ${Date.now()}`, tags: ['b'], kvkNumber: String(20_000_000 + Math.floor(Math.random() * 9_999_999)), sector: 'Bouw' });
      const person = await newContact(app, { organisations: [{ organisationId: gone.id, role: 'Eigenaar' }] });
      const [visit] = await db.query(`INSERT INTO company_visits (organisation_id, visited_on, account_manager_id) VALUES ($1, '2026-03-02', $2) RETURNING id`, [gone.id, admin.id]);
      await db.query(`INSERT INTO company_visit_contacts (visit_id, contact_id) VALUES ($1, $2)`, [visit.id, person.id]);
      await db.query(`INSERT INTO innovation_questions (organisation_id, visit_id, question, raised_on) VALUES ($1, $2, 'Sensoren?', '2026-03-02')`, [gone.id, visit.id]);
      await db.query(`INSERT INTO follow_up_actions (organisation_id, description, assignee_id) VALUES ($1, 'Bellen', $2)`, [gone.id, admin.id]);
      const [support] = await db.query(`INSERT INTO support_records (kind, title, programme_line, started_on) VALUES ('cluster', 'Cluster', 'innovation', '2026-01-01') RETURNING id`);
      // Both are in the same cluster: the survivor must end up in it once.
      await db.query(`INSERT INTO support_record_organisations VALUES ($1, $2), ($1, $3)`, [support.id, gone.id, keep.id]);

      const count = async (id: string) =>
        (await db.query(
          `SELECT (SELECT count(*) FROM company_visits WHERE organisation_id = $1)::int AS visits,
                  (SELECT count(*) FROM innovation_questions WHERE organisation_id = $1)::int AS questions,
                  (SELECT count(*) FROM follow_up_actions WHERE organisation_id = $1)::int AS follow_ups,
                  (SELECT count(*) FROM support_record_organisations WHERE organisation_id = $1)::int AS support,
                  (SELECT count(*) FROM contact_organisations WHERE organisation_id = $1)::int AS people`,
          [id],
        ))[0];

      await orgs.merge(admin, keep.id, gone.id);

      expect(await count(keep.id)).toEqual({ visits: 1, questions: 1, follow_ups: 1, support: 1, people: 1 });
      expect(await count(gone.id)).toEqual({ visits: 0, questions: 0, follow_ups: 0, support: 0, people: 0 });
      const merged = await orgs.get(keep.id);
      expect(merged).toMatchObject({ kvkNumber: gone.kvkNumber, sector: 'Bouw' });
      expect(merged.tags.sort()).toEqual(['a', 'b']);
      expect((await orgs.get(gone.id)).mergedIntoId).toBe(keep.id);
      expect((await orgs.list({ q: gone.name })).total).toBe(0);
      const history = await app.get(AuditService).forEntity('organisation', keep.id);
      expect(history.items[0]).toMatchObject({ action: 'merge', actorId: admin.id, changes: expect.objectContaining({ merged: { old: null, new: gone.id } }) });
      expect((await app.get(AuditService).forEntity('organisation', gone.id)).items[0]).toMatchObject({ action: 'merge' });
      // The duplicate's KvK number is free for the survivor only; a third record still may not take it.
      await expect(newOrganisation(app, { kvkNumber: gone.kvkNumber! })).rejects.toBeInstanceOf(ConflictError);
    });

    it('merges two contacts, keeping an unsubscribe of either, and only admins may merge', async () => {
      const admin = await actorOf(Role.Admin);
      const manager = await actorOf(Role.AccountManager);
      const a = await newContact(app, { mailingConsent: true, consentSource: 'form' });
      const b = await newContact(app, { mailingConsent: true, consentSource: 'form' });
      await db.query(`UPDATE contacts SET unsubscribed_at = now() WHERE id = $1`, [b.id]);
      await expect(contacts.merge(manager, a.id, b.id)).rejects.toBeInstanceOf(ForbiddenError);
      const kept = await contacts.merge(admin, a.id, b.id);
      expect(kept.unsubscribedAt).not.toBeNull();
      expect((await contacts.get(b.id)).mergedIntoId).toBe(a.id);
    });

    it('merges two contacts: interests of both, a bounce with its reason', async () => {
      const admin = await actorOf(Role.Admin);
      const a = await newContact(app, { interests: ['labour_market', 'innovation'] });
      const b = await newContact(app, { interests: ['communication', 'innovation'] });
      await db.query(`UPDATE contacts SET bounced_at = now(), bounce_reason = '550 mailbox unavailable' WHERE id = $1`, [b.id]);
      const kept = await contacts.merge(admin, a.id, b.id);
      expect(kept.interests).toEqual(['innovation', 'labour_market', 'communication']);
      expect(await contacts.get(a.id)).toMatchObject({ interests: ['innovation', 'labour_market', 'communication'], bouncedAt: expect.any(Date), bounceReason: '550 mailbox unavailable' });
      const [row] = await db.query(`SELECT interests FROM contacts WHERE id = $1`, [a.id]);
      expect(row.interests).toEqual(['innovation', 'labour_market', 'communication']);
      const history = (await app.get(AuditService).forEntity('contact', a.id)).items;
      expect(history[0].changes).toMatchObject({ interests: { old: ['innovation', 'labour_market'], new: ['innovation', 'labour_market', 'communication'] } });
      const listed = await contacts.list({ q: a.lastName, interest: 'communication' });
      expect(listed.items.map((c) => [c.id, c.interests, c.bounceReason])).toEqual([[a.id, ['innovation', 'labour_market', 'communication'], '550 mailbox unavailable']]);
    });
  });

  describe('audit', () => {
    it('records who changed what with old and new values', async () => {
      const manager = await actorOf(Role.AccountManager);
      const org = await orgs.create(manager, { name: `Audit ${Date.now()}`, type: 'company', municipality: 'Leudal' });
      expect(org.accountManagerId).toBe(manager.id);
      await orgs.update(manager, org.id, { sector: 'Zorg', municipality: 'maasgouw' });
      const [update, create] = (await app.get(AuditService).forEntity('organisation', org.id)).items;
      expect(create).toMatchObject({ action: 'create', actorName: manager.name });
      expect(update).toMatchObject({ action: 'update', actorId: manager.id, changes: { sector: { old: null, new: 'Zorg' }, municipality: { old: 'Leudal', new: 'Maasgouw' } } });
    });
  });

  describe('GDPR', () => {
    it('exports everything about a person', async () => {
      const admin = await actorOf(Role.Admin);
      const org = await newOrganisation(app);
      const c = await newContact(app, { organisations: [{ organisationId: org.id, role: 'Inkoper' }] });
      const data = await contacts.exportPersonalData(admin, c.id);
      expect(data.contact).toMatchObject({ id: c.id, email: c.email, organisations: [expect.objectContaining({ organisationId: org.id, role: 'Inkoper' })] });
      expect(data).toHaveProperty('companyVisits');
      expect(data.contact).toMatchObject({ interests: [], bounceReason: null, unsubscribedAt: null });
      await contacts.update(admin, c.id, { interests: ['entrepreneurship'] });
      expect((await contacts.exportPersonalData(admin, c.id)).contact).toMatchObject({ interests: ['entrepreneurship'] });
      expect(data).toHaveProperty('history');
    });

    it('erases a person: personal data gone from the record and its history, figures unchanged', async () => {
      const admin = await actorOf(Role.Admin);
      const org = await newOrganisation(app);
      const c: Contact = await newContact(app, { phone: '0475 123456', jobTitle: 'Directeur', notes: 'privé', mailingConsent: true, consentSource: 'formulier', interests: ['innovation'], organisations: [{ organisationId: org.id }] });
      await db.query(`UPDATE contacts SET bounced_at = now(), bounce_reason = $2 WHERE id = $1`, [c.id, `550 <${c.email}> unknown`]);
      await contacts.update(admin, c.id, { jobTitle: 'Eigenaar' });
      const [visit] = await db.query(`INSERT INTO company_visits (organisation_id, visited_on, account_manager_id) VALUES ($1, '2026-05-01', $2) RETURNING id`, [org.id, admin.id]);
      await db.query(`INSERT INTO company_visit_contacts (visit_id, contact_id) VALUES ($1, $2)`, [visit.id, c.id]);
      const figures = () =>
        db.query(
          `SELECT (SELECT count(DISTINCT contact_id) FROM company_visit_contacts)::int AS persons_met,
                  (SELECT count(*) FROM contact_organisations WHERE organisation_id = $1)::int AS people_at_org,
                  (SELECT count(*) FROM contacts)::int AS contacts`,
          [org.id],
        );
      const { newEvent } = await import('../utils/event-factories');
      const { RegistrationsService } = await import('@keyport/events');
      const event = await newEvent(app, { capacity: 10, questions: [{ label: 'Dieet', kind: 'text' }] });
      const reg = await app.get(RegistrationsService).register({ id: event.id }, { firstName: 'X', lastName: 'Y', email: c.email!, answers: { [event.questions[0].id]: 'geen noten' } }, { source: 'public' });
      const before = await figures();

      await contacts.erase(admin, c.id);

      expect(await figures()).toEqual(before);
      const [registration] = await db.query(`SELECT email, answers, status, contact_id FROM registrations WHERE id = $1`, [reg.id]);
      expect(registration).toEqual({ email: `erased-${reg.id}@invalid`, answers: {}, status: 'confirmed', contact_id: c.id });
      const erased = await contacts.get(c.id);
      expect(erased).toMatchObject({ firstName: ERASED_NAME, lastName: '', email: null, phone: null, jobTitle: null, notes: null, mailingConsent: false, interests: [], bounceReason: null });
      expect(erased.erasedAt).not.toBeNull();
      const history = JSON.stringify((await app.get(AuditService).forEntity('contact', c.id)).items);
      for (const personal of [c.email!, c.lastName, '0475 123456', 'Directeur', 'privé']) expect(history).not.toContain(personal);
      // The address is free again, and the erased person cannot be edited back.
      await expect(newContact(app, { email: c.email! })).resolves.toBeDefined();
      await expect(contacts.update(admin, c.id, { firstName: 'Terug' })).rejects.toBeInstanceOf(ConflictError);
    });
  });
});
