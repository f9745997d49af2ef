import { loadConfig } from '@keyport/config';
import { OrganisationsService } from '@keyport/crm';
import {
  ClassifiedRow, CsvRow, IMPORT_BATCH_SIZE, ImportClassifier, ImportLookups, ImportRunner, ImportsService, ImportView, classifyStream, readCsv, TableSeenKeys,
} from '@keyport/crm/import';
import { Actor, Role } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newContact, newOrganisation } from '../utils/crm-factories';
import { newUser } from '../utils/factories';
import { describeWithRedis, testDatabaseUrl, testRedisUrl } from '../utils/services';

let kvkSeq = 0;
/** An 8-digit KvK number no other test uses. */
const kvk = () => String(20_000_000 + ((Date.now() % 1_000_000) * 50 + ++kvkSeq) % 79_999_999).padStart(8, '0');
const tag = () => randomUUID().slice(0, 8);

async function actorOf(app: INestApplicationContext, role: Role): Promise<Actor> {
  const u = await newUser(app, role);
  return { id: u.id, role: u.role, name: u.name, email: u.email };
}

async function counts(ds: DataSource): Promise<{ organisations: number; contacts: number; links: number; audit: number }> {
  const [r] = await ds.query(`SELECT (SELECT count(*)::int FROM organisations) AS organisations, (SELECT count(*)::int FROM contacts) AS contacts,
                                     (SELECT count(*)::int FROM contact_organisations) AS links, (SELECT count(*)::int FROM audit_log) AS audit`);
  return r;
}

async function waitForStatus(sut: ImportsService, actor: Actor, id: string, statuses: string[], timeoutMs = 30_000): Promise<ImportView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await sut.get(actor, id);
    if (statuses.includes(view.status)) return view;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${view.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const linesOf = (view: ImportView) => view.preview!.lines.map(({ row, status, reasons }) => ({ row, status, reasons }));

describe(ImportsService.name, () => {
  let app: NestFastifyApplication;
  let sut: ImportsService;
  let ds: DataSource;
  let actor: Actor;

  beforeAll(async () => {
    app = await createTestApp({ REDIS_URL: undefined });
    sut = app.get(ImportsService);
    ds = app.get(DataSource);
    actor = await actorOf(app, Role.AccountManager);
  });
  afterAll(() => app.close());

  describe('preview of an organisations file', () => {
    const t = tag();
    const [existingKvk, newKvk, otherKvk] = [kvk(), kvk(), kvk()];
    let existing: { id: string; name: string };
    let existingPerson: { id: string; email: string | null };
    // `;` as Dutch Excel writes it, with a byte order mark, quoted fields, an empty line.
    const file = () =>
      Buffer.from(
        '\uFEFF' +
          [
            'name;type;kvkNumber;municipality;tags;firstName;lastName;email;role',
            `Nieuw Metaal ${t} B.V.;company;${newKvk};Weert;"smart industry;export";Anouk;Berg ${t};anouk.${t}@example.nl;Directeur`,
            `Foute KvK ${t};company;1234;Weert;;;;;`,
            `Fout Mailadres ${t};company;;Weert;;Piet;Jansen;geen-mailadres;`,
            `;company;;Weert;;;;;`,
            `Andere Naam ${t};company;${existingKvk};Leudal;;;;;`,
            `bestaande bakkerij ${t};education;;roermond;;;;;`,
            `Nieuw Metaal ${t};company;${newKvk};Weert;;Anouk;Berg ${t};ANOUK.${t}@example.nl;`,
            `Nieuw Metaal ${t} bv;company;;Weert;;Bram;Smit ${t};;Werkvoorbereider`,
            '',
            `"Smit; Zonen ${t}";bedrijf;${otherKvk};Nederweert;;Kees;Smit;${existingPerson.email};`,
          ].join('\r\n'),
      );

    beforeAll(async () => {
      existing = await newOrganisation(app, { name: `Bestaande Bakkerij ${t} B.V.`, kvkNumber: existingKvk, municipality: 'Roermond' });
      existingPerson = await newContact(app);
    });

    it('reports each line accepted, duplicate or rejected with the exact reasons, and writes nothing to the CRM', async () => {
      const before = await counts(ds);
      const view = await sut.preview(actor, { kind: 'organisations', fileName: 'leden.csv', content: file() });

      expect(view).toMatchObject({ kind: 'organisations', fileName: 'leden.csv', status: 'previewed', totalRows: 9, processedRows: 0, createdCount: 0, duplicateCount: 3, rejectedCount: 3 });
      expect(view.preview).toMatchObject({ accepted: 3, duplicate: 3, rejected: 3, delimiter: ';', ignoredColumns: [] });
      expect(linesOf(view)).toEqual([
        { row: 2, status: 'accepted', reasons: [] },
        { row: 3, status: 'rejected', reasons: [{ code: 'invalid', field: 'kvkNumber', rule: 'matches', message: 'kvkNumber must be 8 digits' }] },
        { row: 4, status: 'rejected', reasons: [{ code: 'invalid', field: 'email', rule: 'isEmail', message: 'email must be an email address' }] },
        { row: 5, status: 'rejected', reasons: [{ code: 'invalid', field: 'name', rule: 'isNotEmpty', message: 'name should not be empty' }] },
        {
          row: 6,
          status: 'duplicate',
          reasons: [{ code: 'duplicate', entity: 'organisation', match: 'kvk', existing: { id: existing.id, name: existing.name }, message: `organisation exists: same KvK number as "${existing.name}"` }],
        },
        {
          row: 7,
          status: 'duplicate',
          reasons: [{ code: 'duplicate', entity: 'organisation', match: 'name', existing: { id: existing.id, name: existing.name }, message: `organisation exists: same name in the same municipality as "${existing.name}"` }],
        },
        {
          row: 8,
          status: 'duplicate',
          reasons: [
            { code: 'duplicateRow', entity: 'organisation', match: 'kvk', row: 2, message: 'same organisation as row 2' },
            { code: 'duplicateRow', entity: 'contact', match: 'email', row: 2, message: 'same person as row 2' },
          ],
        },
        {
          row: 9,
          status: 'accepted',
          reasons: [{ code: 'addedToExisting', entity: 'organisation', match: 'name', row: 2, message: 'same organisation as row 2; the person is added to it' }],
        },
        // Row 10 is empty: skipped, but counted, so row numbers stay those of a spreadsheet.
        {
          row: 11,
          status: 'accepted',
          reasons: [
            { code: 'contactExists', entity: 'contact', match: 'email', existing: { id: existingPerson.id, name: expect.any(String) }, message: expect.stringMatching(/^the organisation is added; person exists: same email address as/) },
          ],
        },
      ]);
      expect(view.preview!.lines.map((l) => l.label)).toEqual([
        `Nieuw Metaal ${t} B.V.`, `Foute KvK ${t}`, `Fout Mailadres ${t}`, null, `Andere Naam ${t}`, `bestaande bakkerij ${t}`, `Nieuw Metaal ${t}`, `Nieuw Metaal ${t} bv`, `Smit; Zonen ${t}`,
      ]);
      expect(await counts(ds)).toEqual(before);
      // Every line is kept with the import, to page through and filter.
      expect((await sut.rows(actor, view.id, 'rejected')).items.map((r) => r.row)).toEqual([3, 4, 5]);
    });

    it('runs through the in-process queue: creates the accepted lines with audit entries, and a second import of the same file adds nothing', async () => {
      const before = await counts(ds);
      const first = await sut.preview(actor, { kind: 'organisations', fileName: 'leden.csv', content: file() });
      await sut.requestRun(actor, first.id);
      const done = await waitForStatus(sut, actor, first.id, ['done', 'failed']);
      expect(done).toMatchObject({ status: 'done', totalRows: 9, processedRows: 9, createdCount: 3, duplicateCount: 3, rejectedCount: 3, error: null });
      expect(done.finishedAt).toBeInstanceOf(Date);

      const after = await counts(ds);
      // Rows 2 and 11 add an organisation; rows 2 and 9 a person (row 11's person exists).
      expect(after.organisations - before.organisations).toBe(2);
      expect(after.contacts - before.contacts).toBe(2);
      expect(after.links - before.links).toBe(2);
      const people = await ds.query(
        `SELECT c.first_name, c.email, l.role, o.name AS organisation, o.tags, o.account_manager_id FROM contacts c
           JOIN contact_organisations l ON l.contact_id = c.id JOIN organisations o ON o.id = l.organisation_id
          WHERE o.kvk_number = $1 ORDER BY c.first_name`,
        [newKvk],
      );
      expect(people).toEqual([
        { first_name: 'Anouk', email: `anouk.${t}@example.nl`, role: 'Directeur', organisation: `Nieuw Metaal ${t} B.V.`, tags: ['smart industry', 'export'], account_manager_id: actor.id },
        { first_name: 'Bram', email: null, role: 'Werkvoorbereider', organisation: `Nieuw Metaal ${t} B.V.`, tags: ['smart industry', 'export'], account_manager_id: actor.id },
      ]);
      const audit = await ds.query(
        `SELECT action, entity, actor_id, actor_name FROM audit_log WHERE id > (SELECT max(id) FROM audit_log) - $1 ORDER BY id`,
        [after.audit - before.audit],
      );
      expect(audit).toEqual([
        ...[['organisation'], ['contact'], ['contact'], ['organisation']].map(([entity]) => ({ action: 'create', entity, actor_id: actor.id, actor_name: actor.name })),
        { action: 'import', entity: 'import', actor_id: actor.id, actor_name: actor.name },
      ]);
      const results = await sut.rows(actor, first.id);
      expect(results.items.map((r) => [r.row, r.status])).toEqual([[2, 'created'], [3, 'rejected'], [4, 'rejected'], [5, 'rejected'], [6, 'duplicate'], [7, 'duplicate'], [8, 'duplicate'], [9, 'created'], [11, 'created']]);

      // The same file again: every line a duplicate (or, as before, rejected); nothing added.
      const again = await sut.preview(actor, { kind: 'organisations', fileName: 'leden.csv', content: file() });
      expect(again.preview).toMatchObject({ accepted: 0, duplicate: 6, rejected: 3 });
      expect(linesOf(again).find((l) => l.row === 2)!.reasons.map((r) => [r.code, r.entity, r.match])).toEqual([['duplicate', 'organisation', 'kvk'], ['duplicate', 'contact', 'email']]);
      await sut.requestRun(actor, again.id);
      expect(await waitForStatus(sut, actor, again.id, ['done', 'failed'])).toMatchObject({ status: 'done', createdCount: 0, duplicateCount: 6, rejectedCount: 3 });
      expect(await counts(ds)).toEqual({ ...after, audit: after.audit + 1 });

      // A done import is not run again: 409, and a stray job for it does nothing.
      await expect(sut.requestRun(actor, first.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      await app.get(ImportRunner).run(first.id);
      expect(await sut.get(actor, first.id)).toMatchObject({ status: 'done', createdCount: 3 });
      expect(await counts(ds)).toEqual({ ...after, audit: after.audit + 1 });
    });
  });

  it('counts a line that became a duplicate after the preview as a duplicate, and a line the database refuses does not stop the others', async () => {
    const t = tag();
    const lines = Array.from({ length: 300 }, (_, i) => `Zreeks ${t} ${i};company;;Maasgouw`);
    lines[10] = `Zweigert ${t};company;;Maasgouw`;
    lines[280] = `Zlaat ${t};company;;Maasgouw`;
    const content = Buffer.from(['name;type;kvkNumber;municipality', ...lines].join('\n'));
    const view = await sut.preview(actor, { kind: 'organisations', fileName: 'reeks.csv', content });
    expect(view.preview).toMatchObject({ accepted: 300, duplicate: 0, rejected: 0 });

    // Meanwhile someone saves line 282 by hand; and the database refuses line 12 (a rule only it knows).
    await newOrganisation(app, { name: `Zlaat ${t}`, municipality: 'Maasgouw' });
    await ds.query(`CREATE FUNCTION refuse_import_test() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '23514'; END $$`);
    await ds.query(`CREATE TRIGGER refuse_import_test BEFORE INSERT ON organisations FOR EACH ROW WHEN (NEW.name = 'Zweigert ${t}') EXECUTE FUNCTION refuse_import_test()`);
    try {
      const before = await counts(ds);
      const progress: number[] = [];
      await sut.requestRun(actor, view.id);
      for (let done = false; !done; ) {
        const p = await sut.progress(actor, view.id);
        progress.push(p.processedRows);
        done = p.status === 'done' || p.status === 'failed';
        if (!done) await new Promise((r) => setTimeout(r, 20));
      }
      expect(await sut.get(actor, view.id)).toMatchObject({ status: 'done', totalRows: 300, processedRows: 300, createdCount: 298, duplicateCount: 1, rejectedCount: 1 });
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(300);
      expect((await counts(ds)).organisations - before.organisations).toBe(298);
      const notCreated = await sut.rows(actor, view.id, 'rejected');
      expect(notCreated.items).toEqual([{ row: 12, status: 'rejected', label: `Zweigert ${t}`, reasons: [{ code: 'failed', message: 'could not be saved (23514)' }] }]);
      const duplicate = await sut.rows(actor, view.id, 'duplicate');
      expect(duplicate.items.map((r) => [r.row, r.reasons[0].code, r.reasons[0].match])).toEqual([[282, 'duplicate', 'name']]);
    } finally {
      await ds.query(`DROP TRIGGER refuse_import_test ON organisations`);
      await ds.query(`DROP FUNCTION refuse_import_test()`);
    }
  });

  it('imports contacts to organisations named by KvK number or by name and municipality', async () => {
    const t = tag();
    const orgKvk = kvk();
    const org = await newOrganisation(app, { name: `Werkgever ${t}`, kvkNumber: orgKvk, municipality: 'Cranendonck' });
    const known = await newContact(app);
    const content = Buffer.from(
      [
        'firstName,lastName,email,phone,jobTitle,language,organisationKvk,organisationName,organisationMunicipality,role',
        `Ineke,Vos ${t},ineke.${t}@example.nl,+31 6 1234 5678,Inkoper,nl,${orgKvk},,,Inkoop`,
        `Tom,Peeters ${t},,,,en,,werkgever ${t},cranendonck,`,
        `Lars,Geen ${t},lars.${t}@example.nl,,,,00000001,,,`,
        `Mila,Anoniem ${t},,,,,,,,`,
        `Joop,Bekend,${known.email!.toUpperCase()},,,,,,,`,
        `Tom,Peeters ${t},,,,,${orgKvk},,,`,
        `Sara,Taal ${t},sara.${t}@example.nl,,,fr,,,,`,
      ].join('\n'),
    );
    const view = await sut.preview(actor, { kind: 'contacts', fileName: 'personen.csv', content });
    expect(linesOf(view)).toEqual([
      { row: 2, status: 'accepted', reasons: [] },
      { row: 3, status: 'accepted', reasons: [] },
      { row: 4, status: 'rejected', reasons: [{ code: 'organisationNotFound', field: 'organisationKvk', message: 'no organisation has this KvK number' }] },
      { row: 5, status: 'rejected', reasons: [{ code: 'needsEmailOrOrganisation', message: expect.any(String) }] },
      { row: 6, status: 'duplicate', reasons: [{ code: 'duplicate', entity: 'contact', match: 'email', existing: { id: known.id, name: `${known.firstName} ${known.lastName}` }, message: expect.any(String) }] },
      { row: 7, status: 'duplicate', reasons: [{ code: 'duplicateRow', entity: 'contact', match: 'name', row: 3, message: 'same person as row 3' }] },
      { row: 8, status: 'rejected', reasons: [{ code: 'invalid', field: 'language', rule: 'isIn', message: 'language must be one of the following values: nl, en' }] },
    ]);
    await sut.requestRun(actor, view.id);
    expect(await waitForStatus(sut, actor, view.id, ['done', 'failed'])).toMatchObject({ status: 'done', createdCount: 2, duplicateCount: 2, rejectedCount: 3 });
    const people = await ds.query(
      `SELECT c.first_name, c.language, c.phone, l.role FROM contacts c JOIN contact_organisations l ON l.contact_id = c.id WHERE l.organisation_id = $1 ORDER BY c.first_name`,
      [org.id],
    );
    expect(people).toEqual([
      { first_name: 'Ineke', language: 'nl', phone: '+31 6 1234 5678', role: 'Inkoop' },
      { first_name: 'Tom', language: 'en', phone: null, role: null },
    ]);
  });

  it('refuses what is not a CSV of the kind before storing anything', async () => {
    const before = await ds.query(`SELECT count(*)::int AS n FROM imports`);
    const attempt = (kind: string, content: Buffer) => sut.preview(actor, { kind, fileName: 'x.csv', content });
    await expect(attempt('organisations', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).rejects.toMatchObject({ problem: 'notText', fields: [{ field: 'file' }] });
    await expect(attempt('organisations', Buffer.from('bedrijf;plaats\nJansen;Weert\n'))).rejects.toMatchObject({ problem: 'missingColumns', args: { columns: 'name, type' } });
    await expect(attempt('organisations', Buffer.from('name;type\n'))).rejects.toMatchObject({ problem: 'noRows' });
    await expect(attempt('organisations', Buffer.from('name,type\n"Open quote,company\n'))).rejects.toMatchObject({ problem: 'invalidCsv' });
    await expect(attempt('visits', Buffer.from('name,type\nA,company\n'))).rejects.toMatchObject({ fields: [{ field: 'kind' }] });
    expect(await ds.query(`SELECT count(*)::int AS n FROM imports`)).toEqual(before);
  });

  it('reads a Windows-1252 file (older Excel) and Dutch column names and values', async () => {
    const t = tag();
    const content = Buffer.from(`Naam;Soort;KvK-nummer;Gemeente;Grootte\nCaf\xe9 ${t};bedrijf;;Roerdalen;klein\n`, 'latin1');
    const view = await sut.preview(actor, { kind: 'organisations', fileName: 'cafe.csv', content });
    expect(view.preview!.lines).toEqual([{ row: 2, status: 'accepted', label: `Café ${t}`, reasons: [] }]);
  });

  describe('streaming', () => {
    /** A CSV arriving a line at a time from a generator that counts how many lines it has handed out. */
    function generatedFile(total: number, produced: { n: number }, repeatOf: Map<number, number>): AsyncIterable<Buffer> {
      const t = tag();
      const offset = (Date.now() % 10_000) * 2_000;
      const kvkOf = (i: number) => String(30_000_000 + offset + i);
      return (async function* () {
        yield Buffer.from('name;type;kvkNumber;municipality\n');
        for (let i = 1; i <= total; i++) {
          produced.n++;
          const source = repeatOf.get(i) ?? i;
          yield Buffer.from(`Stroom ${t} ${source};company;${kvkOf(source)};Weert\n`);
        }
      })();
    }

    it('classifies 20,000 generated lines holding at most a batch, and still finds a repeat of a line 19,000 lines back', async () => {
      const produced = { n: 0 };
      // Line 19,500 repeats line 10 (row numbers are one more: the header is row 1).
      const file = generatedFile(20_000, produced, new Map([[19_500, 10]]));
      let maxAhead = 0;
      let maxBatch = 0;
      let consumed = 0;
      const repeats: ClassifiedRow[] = [];
      await ds.transaction(async (m) => {
        const classifier = new ImportClassifier('organisations', new ImportLookups(m), await TableSeenKeys.create(m));
        const counted = (async function* (): AsyncGenerator<CsvRow> {
          for await (const row of readCsv('organisations', file)) yield row;
        })();
        for await (const batch of classifyStream(classifier, counted)) {
          maxBatch = Math.max(maxBatch, batch.length);
          maxAhead = Math.max(maxAhead, produced.n - consumed);
          consumed += batch.length;
          repeats.push(...batch.filter((r) => r.status !== 'accepted'));
        }
      });
      expect(consumed).toBe(20_000);
      expect(maxBatch).toBe(IMPORT_BATCH_SIZE);
      // The file is read only as far as the batch being classified plus the streams' small buffers
      // (16 chunks before the parser, 16 KiB inside it): never the whole file.
      expect(maxAhead).toBeLessThan(IMPORT_BATCH_SIZE + 16 + 16 * 1024 / 40 + 16);
      expect(repeats.map((r) => [r.row, r.status, r.reasons[0].code, r.reasons[0].row])).toEqual([[19_501, 'duplicate', 'duplicateRow', 11]]);
    });
  });
});

describe('imports through BullMQ and the worker module', () => {
  describeWithRedis('with REDIS_URL', () => {
    let worker: INestApplicationContext;

    beforeAll(async () => {
      const config = loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: testDatabaseUrl(),
        APP_SECRET: TEST_SECRET,
        LOG_LEVEL: 'silent',
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: `test-${process.pid}-${Date.now()}`,
      });
      worker = await NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { logger: false });
    });
    afterAll(() => worker?.close());

    it('previews, queues through the outbox and runs in the worker', async () => {
      const sut = worker.get(ImportsService);
      const actor = await actorOf(worker, Role.Organiser);
      const t = tag();
      const content = Buffer.from(`name,type,kvkNumber,municipality,firstName,lastName,email\nRedis ${t},company,${kvk()},Weert,Eva,Kok,eva.${t}@example.nl\nRedis ${t},company,,Weert,,,\n`);
      const view = await sut.preview(actor, { kind: 'organisations', fileName: 'redis.csv', content });
      expect(view.preview).toMatchObject({ accepted: 1, duplicate: 1, rejected: 0 });
      await sut.requestRun(actor, view.id);
      expect(await waitForStatus(sut, actor, view.id, ['done', 'failed'])).toMatchObject({ status: 'done', createdCount: 1, duplicateCount: 1, processedRows: 2 });
      const [org] = await worker.get(OrganisationsService).list({ q: `Redis ${t}` }).then((p) => p.items);
      expect(org.name).toBe(`Redis ${t}`);
      // Organisers have no accounts of their own: no account manager is set.
      expect(org.accountManagerId).toBeNull();
    });
  });
});
