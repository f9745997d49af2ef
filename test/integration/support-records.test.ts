import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@keyport/common';
import { ContactsService, OrganisationsService } from '@keyport/crm';
import { SupportChoicesService, SupportRecordsService } from '@keyport/crm/support';
import { Actor, Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser } from '../utils/factories';

describe(SupportRecordsService.name, () => {
  let app: NestFastifyApplication;
  let sut: SupportRecordsService;
  let db: DataSource;
  let manager: Actor;
  let admin: Actor;
  const asActor = (u: { id: string; role: Role; name: string; email: string }): Actor => ({ id: u.id, role: u.role, name: u.name, email: u.email });

  beforeAll(async () => {
    app = await createTestApp();
    sut = app.get(SupportRecordsService);
    db = app.get(DataSource);
    manager = asActor(await newUser(app, Role.AccountManager, { name: 'Mieke Account' }));
    admin = asActor(await newUser(app, Role.Admin));
  });
  afterAll(() => app.close());

  const auditRows = (id: string) =>
    db.query(`SELECT action, actor_id AS "actorId", changes, summary FROM audit_log WHERE entity = 'support_record' AND entity_id = $1 ORDER BY id`, [id]);
  const recordCount = async () => (await db.query(`SELECT count(*)::int AS n FROM support_records`))[0].n as number;

  it('creates a record linking organisations and contacts, audited in the same transaction', async () => {
    const tag = randomUUID().slice(0, 8);
    const a = await newOrganisation(app, { name: `Jansen Techniek ${tag} B.V.`, municipality: 'Weert' });
    const b = await newOrganisation(app, { name: `Smeets Metaal ${tag}`, municipality: 'Roermond' });
    const person = await newContact(app, { organisations: [{ organisationId: a.id }] });

    const record = await sut.create(manager, {
      kind: 'cluster',
      title: 'Cluster Smart Maintenance',
      startedOn: '2025-02-01',
      endedOn: '2025-11-30',
      notes: 'Vier bijeenkomsten',
      organisationIds: [a.id, b.id, a.id],
      contactIds: [person.id],
    });

    expect(record).toMatchObject({
      kind: 'cluster',
      title: 'Cluster Smart Maintenance',
      programmeLine: 'innovation', // from the kind
      startedOn: '2025-02-01',
      endedOn: '2025-11-30',
      notes: 'Vier bijeenkomsten',
      contactCount: 1,
    });
    expect(record.organisations.map((o) => o.name)).toEqual([`Jansen Techniek ${tag} B.V.`, `Smeets Metaal ${tag}`]);
    expect(record.contacts).toEqual([expect.objectContaining({ id: person.id, erased: false })]);
    expect(await sut.get(record.id)).toEqual(record);

    const audit = await auditRows(record.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actorId: manager.id, summary: 'Cluster Smart Maintenance' });
    expect(audit[0].changes.organisationIds.new).toEqual([a.id, b.id].sort());
    expect(audit[0].changes.contactIds.new).toEqual([person.id]);
    expect(audit[0].changes.kind).toEqual({ old: null, new: 'cluster' });
  });

  it('refuses an unknown organisation with a ValidationError and writes nothing', async () => {
    const real = await newOrganisation(app);
    const before = await recordCount();
    const auditBefore = (await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity = 'support_record'`))[0].n;
    const missing = randomUUID();

    const error = await sut
      .create(manager, { kind: 'funding_support', title: 'MIT-subsidie', startedOn: '2025-01-01', organisationIds: [real.id, missing] })
      .catch((e) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual([expect.objectContaining({ field: 'organisationIds', message: expect.stringContaining(missing) })]);
    expect(await recordCount()).toBe(before);
    expect((await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity = 'support_record'`))[0].n).toBe(auditBefore);
  });

  it('refuses an end before the start, no organisation, and an erased person', async () => {
    const org = await newOrganisation(app);
    const ended = await sut.create(manager, { kind: 'cluster', title: 'x', startedOn: '2025-05-01', endedOn: '2025-04-30', organisationIds: [org.id] }).catch((e) => e);
    expect(ended).toBeInstanceOf(ValidationError);
    expect(ended.fields).toEqual([expect.objectContaining({ field: 'endedOn', rule: 'endedBeforeStart' })]);

    const none = await sut.create(manager, { kind: 'cluster', title: 'x', startedOn: '2025-05-01', organisationIds: [] }).catch((e) => e);
    expect(none).toBeInstanceOf(ValidationError);
    expect(none.fields[0].field).toBe('organisationIds');

    const person = await newContact(app);
    await app.get(ContactsService).erase(admin, person.id);
    const erased = await sut.create(manager, { kind: 'cluster', title: 'x', startedOn: '2025-05-01', organisationIds: [org.id], contactIds: [person.id] }).catch((e) => e);
    expect(erased).toBeInstanceOf(ValidationError);
    expect(erased.fields).toEqual([expect.objectContaining({ field: 'contactIds', rule: 'erasedContact' })]);
  });

  it('links a merged organisation as the one it was merged into', async () => {
    const keep = await newOrganisation(app, { municipality: 'Leudal' });
    const gone = await newOrganisation(app, { municipality: 'Leudal' });
    await app.get(OrganisationsService).merge(admin, keep.id, gone.id);

    const record = await sut.create(manager, { kind: 'innovation_trajectory', title: 'Warmtepomp-innovatie', startedOn: '2025-03-01', organisationIds: [gone.id, keep.id] });

    expect(record.organisations.map((o) => o.id)).toEqual([keep.id]);
    expect((await sut.forOrganisation(gone.id)).map((r) => r.id)).toEqual([record.id]);
    // Adding the merged one later changes nothing: it is already there as its survivor.
    const again = await sut.addOrganisation(manager, record.id, gone.id);
    expect(again.organisations.map((o) => o.id)).toEqual([keep.id]);
    expect(await auditRows(record.id)).toHaveLength(1);
  });

  it('updates fields and links with audit entries; keeps at least one organisation; only admins delete', async () => {
    const a = await newOrganisation(app);
    const b = await newOrganisation(app);
    const person = await newContact(app);
    const record = await sut.create(manager, { kind: 'startup_plan_support', title: 'Businessplan', startedOn: '2025-01-10', organisationIds: [a.id] });
    expect(record.programmeLine).toBe('entrepreneurship');

    const updated = await sut.update(manager, record.id, { title: 'Financieringsplan', endedOn: '2025-06-30', programmeLine: 'project_development' });
    expect(updated).toMatchObject({ title: 'Financieringsplan', endedOn: '2025-06-30', programmeLine: 'project_development' });
    await expect(sut.update(manager, record.id, { endedOn: '2024-12-31' })).rejects.toBeInstanceOf(ValidationError);
    await expect(sut.update(manager, record.id, { title: null as unknown as string })).rejects.toBeInstanceOf(ValidationError);
    expect((await sut.update(manager, record.id, { endedOn: null })).endedOn).toBeNull();

    await expect(sut.removeOrganisation(manager, record.id, a.id)).rejects.toBeInstanceOf(ConflictError);
    await sut.addOrganisation(manager, record.id, b.id);
    await sut.addContact(manager, record.id, person.id);
    const after = await sut.removeOrganisation(manager, record.id, a.id);
    expect(after.organisations.map((o) => o.id)).toEqual([b.id]);
    expect(after.contacts.map((c) => c.id)).toEqual([person.id]);
    await expect(sut.removeContact(manager, record.id, randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    expect((await sut.removeContact(manager, record.id, person.id)).contacts).toEqual([]);
    await expect(sut.addOrganisation(manager, record.id, randomUUID())).rejects.toBeInstanceOf(NotFoundError);

    const audit = await auditRows(record.id);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(['create', 'update', 'update', 'update', 'update', 'update', 'update']);
    expect(audit[1].changes).toEqual({
      title: { old: 'Businessplan', new: 'Financieringsplan' },
      endedOn: { old: null, new: '2025-06-30' },
      programmeLine: { old: 'entrepreneurship', new: 'project_development' },
    });
    expect(audit[5].changes).toEqual({ organisationIds: { old: [a.id, b.id].sort(), new: [b.id] } });

    await expect(sut.delete(manager, record.id)).rejects.toBeInstanceOf(ForbiddenError);
    await sut.delete(admin, record.id);
    await expect(sut.get(record.id)).rejects.toBeInstanceOf(NotFoundError);
    const last = (await auditRows(record.id)).at(-1);
    expect(last).toMatchObject({ action: 'delete', actorId: admin.id });
    expect(last.changes.organisationIds).toEqual({ old: [b.id], new: null });
  });

  it('lists with filters: kind, programme line, active in a period, municipality, organisation, search', async () => {
    const tag = randomUUID().slice(0, 8);
    const weert = await newOrganisation(app, { name: `Weerter Bakkerij ${tag}`, municipality: 'Weert' });
    const roermond = await newOrganisation(app, { name: `Roermondse Drukkerij ${tag}`, municipality: 'roermond' });
    const eindhoven = await newOrganisation(app, { name: `Eindhovense Campus ${tag}`, municipality: 'Eindhoven' });
    const make = (title: string, kind: 'cluster' | 'training_trajectory', startedOn: string, endedOn: string | undefined, organisationIds: string[]) =>
      sut.create(manager, { kind, title: `${title} ${tag}`, startedOn, endedOn, organisationIds });
    const old = await make('Oud cluster', 'cluster', '2023-01-01', '2023-12-31', [weert.id]);
    const running = await make('Lopend cluster', 'cluster', '2024-06-01', undefined, [weert.id, roermond.id]);
    const training = await make('Opleiding', 'training_trajectory', '2025-03-01', '2025-04-30', [eindhoven.id]);
    const titles = async (query: Parameters<SupportRecordsService['list']>[0]) => (await sut.list({ q: tag, ...query })).items.map((r) => r.id);

    expect(await titles({})).toEqual([training.id, running.id, old.id]); // newest start first
    expect(await titles({ sort: 'startedOn' })).toEqual([old.id, running.id, training.id]);
    expect(await titles({ kind: 'cluster' })).toEqual([running.id, old.id]);
    expect(await titles({ programmeLine: 'labour_market' })).toEqual([training.id]);
    // Active in 2025: started on or before 31 Dec and not ended before 1 Jan.
    expect(await titles({ from: '2025-01-01', to: '2025-12-31' })).toEqual([training.id, running.id]);
    expect(await titles({ from: '2023-06-01', to: '2023-06-30' })).toEqual([old.id]);
    expect(await titles({ to: '2024-05-31' })).toEqual([old.id]);
    expect(await titles({ from: '2025-05-01' })).toEqual([running.id]);
    expect(await titles({ municipality: 'Roermond' })).toEqual([running.id]);
    expect(await titles({ municipality: 'WEERT' })).toEqual([running.id, old.id]);
    expect(await titles({ municipality: 'outside' })).toEqual([training.id]);
    expect(await titles({ organisationId: roermond.id })).toEqual([running.id]);
    expect(await titles({ organisation: 'drukkerij' })).toEqual([running.id]);
    expect(await titles({ organisation: `Eindhovense Campus ${tag} (Eindhoven)` })).toEqual([training.id]);

    const page = await sut.list({ q: tag, pageSize: 2, page: 2 });
    expect(page).toMatchObject({ total: 3, pages: 2, page: 2 });
    expect(page.items.map((r) => r.id)).toEqual([old.id]);
    expect(page.items[0].organisations).toEqual([expect.objectContaining({ id: weert.id, municipality: 'Weert', inRegion: true })]);

    const all = [];
    for await (const r of sut.all({ q: tag })) all.push(r.id);
    expect(all).toEqual([training.id, running.id, old.id]);
  });

  it("gives an organisation's records for its timeline, newest first", async () => {
    const org = await newOrganisation(app);
    const other = await newOrganisation(app);
    const first = await sut.create(manager, { kind: 'strategy_plan_support', title: 'Strategieplan', startedOn: '2024-02-01', organisationIds: [org.id] });
    const second = await sut.create(manager, { kind: 'cooperation_project', title: 'Interreg-project', startedOn: '2025-09-01', organisationIds: [org.id, other.id] });
    await sut.create(manager, { kind: 'cluster', title: 'Niet van deze', startedOn: '2025-10-01', organisationIds: [other.id] });

    const timeline = await sut.forOrganisation(org.id);
    expect(timeline.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(timeline[0].organisations.map((o) => o.id).sort()).toEqual([org.id, other.id].sort());
    expect(await sut.forOrganisation((await newOrganisation(app)).id)).toEqual([]);
    await expect(sut.forOrganisation(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('resolves organisation labels typed in a form, telling apart organisations of the same name', async () => {
    const choices = app.get(SupportChoicesService);
    const tag = randomUUID().slice(0, 8);
    const weert = await newOrganisation(app, { name: `Hermans ${tag}`, municipality: 'Weert' });
    const leudal = await newOrganisation(app, { name: `Hermans ${tag}`, municipality: 'Leudal' });
    const unique = await newOrganisation(app, { name: `Uniek ${tag}`, municipality: undefined });

    const labels = await choices.labelsFor([weert.id, leudal.id, unique.id]);
    expect(labels.map((l) => l.label)).toEqual([`Hermans ${tag} (Leudal)`, `Hermans ${tag} (Weert)`, `Uniek ${tag}`]);
    const result = await choices.resolveOrganisationLabels([`hermans ${tag} (weert)`, `  Uniek   ${tag} `, `Hermans ${tag}`, 'Bestaat niet']);
    expect(result).toEqual({ ids: [weert.id, unique.id], unknown: ['Bestaat niet'], ambiguous: [`Hermans ${tag}`] });
  });
});
