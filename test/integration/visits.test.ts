import { ValidationError } from '@keyport/common';
import { OrganisationsService } from '@keyport/crm';
import { CompanyVisitsService, FollowUpsService, InnovationQuestionsService, todayInAmsterdam } from '@keyport/crm/visits';
import { Actor, Role, UsersService } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser } from '../utils/factories';

/** A calendar date `days` from today in Amsterdam (negative: in the past). */
function day(days: number): string {
  const [y, m, d] = todayInAmsterdam().split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

describe('company visits, innovation questions and follow-ups on PostgreSQL', () => {
  let app: NestFastifyApplication;
  let sut: CompanyVisitsService;
  let questions: InnovationQuestionsService;
  let followUps: FollowUpsService;
  let db: DataSource;
  let manager: Actor;
  let admin: Actor;

  const actorOf = async (role: Role, name?: string): Promise<Actor> => {
    const u = await newUser(app, role, name ? { name } : {});
    return { id: u.id, role: u.role, name: u.name, email: u.email };
  };
  const count = async (sql: string, params: unknown[]): Promise<number> => (await db.query(sql, params))[0].n;

  beforeAll(async () => {
    app = await createTestApp();
    sut = app.get(CompanyVisitsService);
    questions = app.get(InnovationQuestionsService);
    followUps = app.get(FollowUpsService);
    db = app.get(DataSource);
    manager = await actorOf(Role.AccountManager, 'Mieke Accountmanager');
    admin = await actorOf(Role.Admin);
  });
  afterAll(() => app.close());

  describe(CompanyVisitsService.name, () => {
    it('logs a visit with a question and a follow-up in one transaction, each with its audit entry', async () => {
      const org = await newOrganisation(app, { municipality: 'Roermond' });
      const contact = await newContact(app, { firstName: 'Anouk', lastName: `Jansen ${Date.now()}`, organisations: [{ organisationId: org.id }] });
      const colleague = await actorOf(Role.Organiser);

      const visit = await sut.create(manager, {
        organisationId: org.id,
        visitedOn: day(-1),
        contactIds: [contact.id, contact.id],
        programmeLines: ['innovation', 'labour_market'],
        themes: ['sensoring', 'smart industry'],
        notes: 'Rondleiding door de fabriek <b>niet vet</b>',
        questions: [{ question: 'Kan predictive maintenance onze stilstand verminderen?', contactId: contact.id }],
        followUps: [
          { description: 'Fontys lector sensortechniek introduceren', dueOn: day(14) },
          { description: 'Subsidiemogelijkheden nagaan', assigneeId: colleague.id },
        ],
      });

      expect(visit).toMatchObject({
        organisationId: org.id,
        organisationName: org.name,
        municipality: 'Roermond',
        visitedOn: day(-1),
        accountManagerId: manager.id,
        accountManagerName: 'Mieke Accountmanager',
        programmeLines: ['innovation', 'labour_market'],
        themes: ['sensoring', 'smart industry'],
        notes: 'Rondleiding door de fabriek <b>niet vet</b>',
        contacts: [{ id: contact.id, name: `Anouk ${contact.lastName}` }],
        questionCount: 1,
        openFollowUpCount: 2,
      });
      expect(visit.questions).toEqual([expect.objectContaining({ status: 'open', raisedOn: day(-1), contactId: contact.id, visitId: visit.id })]);
      expect(visit.followUps.map((f) => [f.description, f.assigneeId, f.dueOn])).toEqual([
        ['Fontys lector sensortechniek introduceren', manager.id, day(14)],
        ['Subsidiemogelijkheden nagaan', colleague.id, null],
      ]);
      // The date is stored as the calendar date given, not shifted by a time zone.
      expect((await db.query(`SELECT visited_on::text AS d FROM company_visits WHERE id = $1`, [visit.id]))[0].d).toBe(day(-1));

      const audit = await db.query(
        `SELECT entity, action, actor_id AS "actorId" FROM audit_log WHERE entity_id = ANY($1) ORDER BY id`,
        [[visit.id, visit.questions[0].id, ...visit.followUps.map((f) => f.id)]],
      );
      expect(audit).toEqual([
        { entity: 'company_visit', action: 'create', actorId: manager.id },
        { entity: 'innovation_question', action: 'create', actorId: manager.id },
        { entity: 'follow_up_action', action: 'create', actorId: manager.id },
        { entity: 'follow_up_action', action: 'create', actorId: manager.id },
      ]);
    });

    it('writes nothing, not even the visit, when one follow-up is refused (a deactivated assignee)', async () => {
      const org = await newOrganisation(app);
      const leaver = await newUser(app, Role.AccountManager);
      await app.get(UsersService).update(admin, leaver.id, { active: false });

      const error = await sut
        .create(manager, {
          organisationId: org.id,
          visitedOn: day(0),
          questions: [{ question: 'Welke subsidie past bij ons project?' }],
          followUps: [{ description: 'Eerste actie' }, { description: 'Tweede actie', assigneeId: leaver.id }],
        })
        .catch((e) => e);

      expect(error).toBeInstanceOf(ValidationError);
      expect(error.fields).toEqual([expect.objectContaining({ field: 'followUps.1.assigneeId', rule: 'unknownUser' })]);
      for (const table of ['company_visits', 'innovation_questions', 'follow_up_actions']) {
        expect(await count(`SELECT count(*)::int AS n FROM ${table} WHERE organisation_id = $1`, [org.id])).toBe(0);
      }
      expect(await count(`SELECT count(*)::int AS n FROM audit_log WHERE changes->'organisationId'->>'new' = $1`, [org.id])).toBe(0);
    });

    it('refuses a visit in the future, for an unknown or merged organisation, or with an unknown account manager or contact', async () => {
      const org = await newOrganisation(app);
      const future = await sut.create(manager, { organisationId: org.id, visitedOn: day(1) }).catch((e) => e);
      expect(future).toBeInstanceOf(ValidationError);
      expect(future.fields).toEqual([expect.objectContaining({ field: 'visitedOn', rule: 'notInFuture' })]);

      const unknown = await sut.create(manager, { organisationId: '00000000-0000-4000-8000-000000000000', visitedOn: day(0) }).catch((e) => e);
      expect(unknown.fields).toEqual([expect.objectContaining({ field: 'organisationId', rule: 'unknownOrganisation' })]);

      const keep = await newOrganisation(app);
      await app.get(OrganisationsService).merge(admin, keep.id, org.id);
      const merged = await sut.create(manager, { organisationId: org.id, visitedOn: day(0) }).catch((e) => e);
      expect(merged.fields).toEqual([expect.objectContaining({ field: 'organisationId', rule: 'mergedOrganisation' })]);

      const strangers = await sut
        .create(manager, { organisationId: keep.id, visitedOn: day(0), accountManagerId: '00000000-0000-4000-8000-000000000001', contactIds: ['00000000-0000-4000-8000-000000000002'] })
        .catch((e) => e);
      expect(strangers.fields.map((f: { field: string }) => f.field)).toEqual(['accountManagerId', 'contactIds.0']);
      expect(await count(`SELECT count(*)::int AS n FROM company_visits WHERE organisation_id = $1`, [keep.id])).toBe(0);
    });

    it('changes a visit: contacts replaced, a move to another organisation takes its questions and follow-ups along, all audited', async () => {
      const org = await newOrganisation(app);
      const other = await newOrganisation(app);
      const [a, b] = [await newContact(app), await newContact(app)];
      const visit = await sut.create(manager, {
        organisationId: org.id,
        visitedOn: day(-3),
        contactIds: [a.id],
        questions: [{ question: 'Vraag' }],
        followUps: [{ description: 'Actie' }],
      });
      const changed = await sut.update(manager, visit.id, { organisationId: other.id, contactIds: [b.id], notes: 'Bijgewerkt', programmeLines: ['entrepreneurship'] });
      expect(changed).toMatchObject({ organisationId: other.id, contacts: [{ id: b.id }], notes: 'Bijgewerkt', programmeLines: ['entrepreneurship'] });
      expect(changed.questions[0].organisationId).toBe(other.id);
      expect(changed.followUps[0].organisationId).toBe(other.id);
      const [update] = await db.query(`SELECT changes FROM audit_log WHERE entity = 'company_visit' AND entity_id = $1 AND action = 'update'`, [visit.id]);
      expect(update.changes).toMatchObject({
        organisationId: { old: org.id, new: other.id },
        contactIds: { old: [a.id], new: [b.id] },
        notes: { old: null, new: 'Bijgewerkt' },
      });
      expect(await count(`SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = 'update'`, [changed.questions[0].id])).toBe(1);
    });

    it('shows a staff member their recent visits, newest first', async () => {
      const me = await actorOf(Role.Organiser);
      const org = await newOrganisation(app);
      for (const d of [-30, -2, -10]) await sut.create(me, { organisationId: org.id, visitedOn: day(d) });
      await sut.create(manager, { organisationId: org.id, visitedOn: day(0) });
      expect((await sut.recentVisitsFor(me.id)).map((v) => v.visitedOn)).toEqual([day(-2), day(-10), day(-30)]);
      expect(await sut.recentVisitsFor(me.id, 1)).toHaveLength(1);
    });
  });

  describe(InnovationQuestionsService.name, () => {
    it('answers a question, refuses an answer before it was raised or in the future, and reopens it; every step audited', async () => {
      const org = await newOrganisation(app);
      const question = await questions.create(manager, { organisationId: org.id, question: 'Hoe automatiseren we het inpakken?', raisedOn: '2018-03-01' });
      expect(question).toMatchObject({ status: 'open', raisedOn: '2018-03-01', answeredBy: null });

      const early = await questions.answer(manager, question.id, { answeredBy: 'knowledge_institute', answeredOn: '2018-02-28' }).catch((e) => e);
      expect(early.fields).toEqual([expect.objectContaining({ field: 'answeredOn', rule: 'beforeRaised' })]);
      const later = await questions.answer(manager, question.id, { answeredBy: 'knowledge_institute', answeredOn: day(1) }).catch((e) => e);
      expect(later.fields).toEqual([expect.objectContaining({ field: 'answeredOn', rule: 'notInFuture' })]);

      const answered = await questions.answer(manager, question.id, {
        answeredBy: 'knowledge_institute',
        answeredByName: 'Fontys Hogeschool Engineering',
        answer: 'Een cobot-pilot met studenten.',
        answeredOn: '2018-04-02',
      });
      expect(answered).toMatchObject({ status: 'answered', answeredBy: 'knowledge_institute', answeredByName: 'Fontys Hogeschool Engineering', answeredOn: '2018-04-02' });

      const reopened = await questions.reopen(manager, question.id);
      expect(reopened).toMatchObject({ status: 'open', answeredBy: null, answeredByName: null, answer: null, answeredOn: null });
      const today = await questions.answer(manager, question.id, { answeredBy: 'keyport' });
      expect(today).toMatchObject({ status: 'answered', answeredOn: todayInAmsterdam() });

      const audit = await db.query(`SELECT action, summary, changes FROM audit_log WHERE entity = 'innovation_question' AND entity_id = $1 ORDER BY id`, [question.id]);
      expect(audit.map((a: { action: string; summary: string | null }) => [a.action, a.summary])).toEqual([
        ['create', org.name],
        ['update', 'answered'],
        ['update', 'reopened'],
        ['update', 'answered'],
      ]);
      expect(audit[2].changes.answer).toEqual({ old: 'Een cobot-pilot met studenten.', new: null });
    });

    it('takes the visit date as the date a question was raised, and refuses a visit of another organisation', async () => {
      const org = await newOrganisation(app);
      const visit = await sut.create(manager, { organisationId: org.id, visitedOn: '2018-05-17' });
      const q = await questions.create(manager, { organisationId: org.id, visitId: visit.id, question: 'Vraag bij bezoek' });
      expect(q).toMatchObject({ visitId: visit.id, raisedOn: '2018-05-17', visitedOn: '2018-05-17', accountManagerName: manager.name });
      const elsewhere = await newOrganisation(app);
      const wrong = await questions.create(manager, { organisationId: elsewhere.id, visitId: visit.id, question: 'Verkeerd' }).catch((e) => e);
      expect(wrong.fields).toEqual([expect.objectContaining({ field: 'visitId', rule: 'visitOfOtherOrganisation' })]);
    });
  });

  describe(FollowUpsService.name, () => {
    it("lists a staff member's open follow-ups overdue first, then by due date, undated last; done ones drop out", async () => {
      const me = await actorOf(Role.AccountManager);
      const org = await newOrganisation(app);
      const make = (description: string, dueOn?: string) => followUps.create(me, { organisationId: org.id, description, dueOn });
      await make('zonder datum');
      await make('over tien dagen', day(10));
      await make('vijf dagen te laat', day(-5));
      await make('vandaag', day(0));
      const yesterday = await make('een dag te laat', day(-1));
      const done = await make('al gedaan, was te laat', day(-20));
      await followUps.markDone(me, done.id);
      await followUps.create(manager, { organisationId: org.id, description: 'van een ander', dueOn: day(-30) });

      const mine = await followUps.openFollowUpsFor(me.id);
      expect(mine.map((f) => [f.description, f.overdue])).toEqual([
        ['vijf dagen te laat', true],
        ['een dag te laat', true],
        ['vandaag', false],
        ['over tien dagen', false],
        ['zonder datum', false],
      ]);

      const closed = await followUps.markDone(me, yesterday.id);
      expect(closed).toMatchObject({ done: true, overdue: false });
      expect(closed.doneAt).toBeInstanceOf(Date);
      expect((await followUps.openFollowUpsFor(me.id)).map((f) => f.description)).not.toContain('een dag te laat');
      const again = await followUps.markUndone(me, yesterday.id);
      expect(again).toMatchObject({ done: false, doneAt: null, overdue: true });
      expect((await followUps.openFollowUpsFor(me.id))[1].id).toBe(yesterday.id);

      const history = await db.query(`SELECT summary FROM audit_log WHERE entity = 'follow_up_action' AND entity_id = $1 ORDER BY id`, [yesterday.id]);
      expect(history.map((h: { summary: string }) => h.summary)).toEqual([org.name, 'done', 'reopened']);
    });

    it('refuses an inactive or unknown assignee and clears a due date with null', async () => {
      const org = await newOrganisation(app);
      const bad = await followUps.create(manager, { organisationId: org.id, description: 'x', assigneeId: '00000000-0000-4000-8000-000000000003' }).catch((e) => e);
      expect(bad.fields).toEqual([expect.objectContaining({ field: 'assigneeId', rule: 'unknownUser' })]);
      const action = await followUps.create(manager, { organisationId: org.id, description: 'Bellen', dueOn: day(3) });
      expect(action.assigneeId).toBe(manager.id);
      expect(await followUps.update(manager, action.id, { dueOn: null, description: 'Mailen' })).toMatchObject({ dueOn: null, description: 'Mailen' });
    });
  });

  describe('lists', () => {
    const tag = `filtertest${Date.now().toString(36)}`;
    let b: Actor;
    let roermond: string;
    let weert: string;
    let eindhoven: string;

    beforeAll(async () => {
      b = await actorOf(Role.Organiser);
      roermond = (await newOrganisation(app, { name: `A ${tag} Roermond`, municipality: 'Roermond' })).id;
      weert = (await newOrganisation(app, { name: `B ${tag} Weert`, municipality: 'weert' })).id;
      eindhoven = (await newOrganisation(app, { name: `C ${tag} Eindhoven`, municipality: 'Eindhoven' })).id;
      const v1 = await sut.create(manager, { organisationId: roermond, visitedOn: '2018-03-01', programmeLines: ['innovation'], themes: ['robotica'] });
      await sut.create(b, { organisationId: weert, visitedOn: '2018-06-15', programmeLines: ['labour_market'] });
      const v3 = await sut.create(b, { organisationId: eindhoven, visitedOn: '2018-09-30', programmeLines: ['innovation', 'communication'] });
      const q1 = await questions.create(manager, { organisationId: roermond, visitId: v1.id, question: `Vraag ${tag} een` });
      await questions.create(manager, { organisationId: eindhoven, visitId: v3.id, question: `Vraag ${tag} twee` });
      await questions.create(b, { organisationId: weert, question: `Vraag ${tag} drie`, raisedOn: '2018-07-01' });
      await questions.answer(manager, q1.id, { answeredBy: 'sme', answeredByName: 'Buurbedrijf', answeredOn: '2018-03-20' });
      await followUps.create(manager, { organisationId: roermond, visitId: v1.id, description: `Actie ${tag} te laat`, dueOn: '2018-04-01' });
      await followUps.create(b, { organisationId: weert, description: `Actie ${tag} later`, dueOn: day(30) });
      const done = await followUps.create(b, { organisationId: eindhoven, visitId: v3.id, description: `Actie ${tag} klaar`, dueOn: '2018-10-15' });
      await followUps.markDone(b, done.id);
    });

    const names = (page: { items: { organisationName: string }[] }) => page.items.map((i) => i.organisationName.split(' ')[0]);

    it('filters visits by search text, organisation, account manager, municipality, programme line, theme and date range', async () => {
      const q = { q: tag };
      expect(names(await sut.list(manager, q))).toEqual(['C', 'B', 'A']);
      expect(names(await sut.list(manager, { ...q, sort: 'organisation' }))).toEqual(['A', 'B', 'C']);
      expect(names(await sut.list(manager, { ...q, organisationId: weert }))).toEqual(['B']);
      expect(names(await sut.list(manager, { ...q, accountManagerId: b.id }))).toEqual(['C', 'B']);
      expect(names(await sut.list(manager, { ...q, municipality: 'roermond' }))).toEqual(['A']);
      expect(names(await sut.list(manager, { ...q, municipality: 'outside' }))).toEqual(['C']);
      expect(names(await sut.list(manager, { ...q, programmeLine: 'innovation' }))).toEqual(['C', 'A']);
      expect(names(await sut.list(manager, { ...q, theme: 'Robotica' }))).toEqual(['A']);
      expect(names(await sut.list(manager, { ...q, from: '2018-03-01', to: '2018-06-15' }))).toEqual(['B', 'A']);
      expect(names(await sut.list(manager, { ...q, from: '2018-06-16' }))).toEqual(['C']);
      expect(names(await sut.list(manager, { q: 'robotica' }))).toContain('A');
      const paged = await sut.list(manager, { ...q, pageSize: 2, page: 2 });
      expect({ total: paged.total, pages: paged.pages, names: names(paged) }).toEqual({ total: 3, pages: 2, names: ['A'] });
      const all = [];
      for await (const v of sut.all(manager, q)) all.push(v.organisationId);
      expect(all).toEqual([eindhoven, weert, roermond]);
    });

    it('filters questions by status, answerer, account manager, municipality, programme line and the date raised', async () => {
      const q = { q: tag };
      expect((await questions.list(manager, q)).total).toBe(3);
      expect(names(await questions.list(manager, { ...q, status: 'answered' }))).toEqual(['A']);
      expect(names(await questions.list(manager, { ...q, status: 'open', sort: 'organisation' }))).toEqual(['B', 'C']);
      expect(names(await questions.list(manager, { ...q, answeredBy: 'sme' }))).toEqual(['A']);
      expect(names(await questions.list(manager, { ...q, programmeLine: 'innovation', sort: 'organisation' }))).toEqual(['A', 'C']);
      expect(names(await questions.list(manager, { ...q, municipality: 'Weert' }))).toEqual(['B']);
      expect(names(await questions.list(manager, { ...q, from: '2018-07-01', to: '2018-07-01' }))).toEqual(['B']);
      expect(names(await questions.list(manager, { ...q, accountManagerId: b.id }))).toEqual(['C']);
      expect(names(await questions.list(manager, { q: 'Buurbedrijf' }))).toContain('A');
    });

    it('filters follow-ups by status (open, overdue, done), assignee, municipality and due date range', async () => {
      const q = { q: tag };
      expect(names(await followUps.list(manager, q))).toEqual(['A', 'C', 'B']);
      expect(names(await followUps.list(manager, { ...q, status: 'open' }))).toEqual(['A', 'B']);
      expect(names(await followUps.list(manager, { ...q, status: 'overdue' }))).toEqual(['A']);
      expect(names(await followUps.list(manager, { ...q, status: 'done' }))).toEqual(['C']);
      expect(names(await followUps.list(manager, { ...q, status: 'all', assigneeId: b.id }))).toEqual(['C', 'B']);
      expect(names(await followUps.list(manager, { ...q, municipality: 'outside' }))).toEqual(['C']);
      expect(names(await followUps.list(manager, { ...q, from: '2018-01-01', to: '2018-12-31' }))).toEqual(['A', 'C']);
      expect(names(await followUps.list(manager, { ...q, programmeLine: 'communication' }))).toEqual(['C']);
    });
  });
});
