import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from '../utils/app';
import { newOrganisation } from '../utils/crm-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';

type Response = Awaited<ReturnType<NestFastifyApplication['inject']>>;

/** A multipart/form-data body as a browser sends it: the fields in the given order, then the file. */
function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer | string; type?: string }): { payload: Buffer; contentType: string } {
  const boundary = `----keyport${randomUUID().replace(/-/g, '')}`;
  const parts: Buffer[] = Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** PageClient, plus the one thing it cannot do: post a file form (with its session cookie and token). */
class UploadingPageClient extends PageClient {
  constructor(private readonly nest: NestFastifyApplication) {
    super(nest);
  }

  async upload(url: string, fields: Record<string, string>, file?: { name: string; content: Buffer | string; type?: string }, options: { csrf?: boolean } = {}): Promise<Response> {
    const body = multipart({ ...(options.csrf === false ? {} : { _csrf: this.csrf() }), ...fields }, file);
    const self = this as unknown as { cookieHeader(): string; keep(res: Response): void };
    const res = await this.nest.inject({ method: 'POST', url, headers: { accept: 'text/html', 'content-type': body.contentType, cookie: self.cookieHeader() }, payload: body.payload });
    self.keep(res);
    if (res.headers['content-type']?.toString().includes('text/html')) this.lastHtml = res.body;
    return res;
  }
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('CSV imports over HTTP', () => {
  let app: NestFastifyApplication;
  let token: string;

  beforeAll(async () => {
    app = await createTestApp({ REDIS_URL: undefined });
    const organiser = await newUser(app, Role.Organiser);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: organiser.email, password: TEST_PASSWORD } });
    token = login.json().token;
  });
  afterAll(() => app.close());

  const api = (method: 'GET' | 'POST', url: string, body?: { payload: Buffer; contentType: string }) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': body.contentType } : {}) }, payload: body?.payload });

  async function waitUntilDone(page: PageClient, url: string): Promise<Response> {
    for (let i = 0; i < 200; i++) {
      const res = await page.get(url);
      if (!res.body.includes('Wacht op verwerking') && !res.body.includes('Bezig met importeren')) return res;
      // Without JavaScript the page offers a link to refresh the progress.
      expect(res.body).toMatch(/<progress id="import-progress-bar" value="\d+" max="\d+"/);
      expect(res.body).toContain('Voortgang vernieuwen');
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the import did not finish');
  }

  it('lets an account manager upload through the page form, read the preview per line, import and see it done', async () => {
    const manager = await newUser(app, Role.AccountManager);
    const page = new UploadingPageClient(app);
    await page.login(manager.email, TEST_PASSWORD);
    const t = randomUUID().slice(0, 8);
    const existing = await newOrganisation(app, { name: `Bestaand ${t}`, municipality: 'Weert' });

    const form = await page.get('/crm/imports');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('enctype="multipart/form-data"');
    expect(form.body).toContain('href="/crm/imports/example/organisations.csv"');
    expect(form.body).toContain('<th scope="row"><code>kvkNumber</code></th>');

    // Without the form token: refused before the file is read.
    const forged = await page.upload('/crm/imports', { kind: 'organisations' }, { name: 'x.csv', content: 'name;type\nA;company\n' }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    await page.get('/crm/imports');

    const csv = [
      'name;type;kvkNumber;municipality',
      `Nieuw ${t};company;;Weert`,
      `<script>alert(1)</script> ${t};company;;Weert`,
      `@SOM(A1) ${t};company;;Weert`,
      `Fout ${t};company;12;Weert`,
      `bestaand ${t};company;;weert`,
    ].join('\n');
    const upload = await page.upload('/crm/imports', { kind: 'organisations' }, { name: 'nieuw.csv', content: csv });
    expect(upload.statusCode).toBe(303);
    const url = upload.headers.location as string;
    expect(url).toMatch(/^\/crm\/imports\/[0-9a-f-]{36}$/);

    const preview = await page.get(url);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('Het bestand is gecontroleerd: 5 regels. Er is nog niets opgeslagen.');
    expect(preview.body).toContain('3 worden toegevoegd');
    expect(preview.body).toMatch(/<th scope="row">2<\/th>\s*<td>Wordt toegevoegd<\/td>\s*<td>Nieuw [0-9a-f]{8}<\/td>/);
    expect(preview.body).toMatch(/<th scope="row">5<\/th>\s*<td>Afgewezen<\/td>\s*<td>Fout [0-9a-f]{8}<\/td>\s*<td>KvK-nummer: moet uit 8 cijfers bestaan<\/td>/);
    expect(preview.body).toContain(`Organisatie bestaat al: zelfde naam in dezelfde gemeente als ${existing.name}.`);
    // What people typed is shown as text, never as markup.
    expect(preview.body).toContain(`&lt;script&gt;alert(1)&lt;/script&gt; ${t}`);
    expect(preview.body).not.toContain('<script>alert(1)');
    expect((await page.get(`${url}?status=rejected&lang=en`)).body).toMatch(/<th scope="row">5<\/th>\s*<td>Rejected<\/td>\s*<td>Fout [0-9a-f]{8}<\/td>\s*<td>KvK number: must be 8 digits<\/td>/);
    await page.get(`${url}?lang=nl`);

    const report = await page.get(`${url}/report.csv`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toContain('text/csv');
    const reportLines = report.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(reportLines[0]).toBe('regel,status,toelichting,name,type,kvkNumber,municipality');
    expect(reportLines[1]).toBe(`2,Wordt toegevoegd,,Nieuw ${t},company,,Weert`);
    // A cell that a spreadsheet would run as a formula is neutralised.
    expect(reportLines[3]).toBe(`4,Wordt toegevoegd,,'@SOM(A1) ${t},company,,Weert`);
    expect(reportLines).toHaveLength(6);

    const run = await page.post(`${url}/run`, {});
    expect(run.statusCode).toBe(303);
    expect(run.headers.location).toBe(url);
    const done = await waitUntilDone(page, url);
    expect(done.body).toContain('<dd id="import-status">Klaar</dd>');
    expect(done.body).toContain('De import is klaar: 3 toegevoegd, 1 dubbel, 1 afgewezen.');
    expect(done.body).toMatch(/<th scope="row">2<\/th>\s*<td>Toegevoegd<\/td>/);
    expect(done.body).not.toContain('/run"');
    const progress = await page.get(`${url}/progress.json`);
    expect(progress.json()).toEqual({ status: 'done', totalRows: 5, processedRows: 5, createdCount: 3, duplicateCount: 1, rejectedCount: 1, percent: 100, text: '5 van 5 regels verwerkt' });
    expect(await app.get(DataSource).query(`SELECT name FROM organisations WHERE name LIKE $1 ORDER BY name`, [`%${t}`])).toHaveLength(4);

    // Running it again: 409, on the page as on the API.
    const again = await page.post(`${url}/run`, {});
    expect(again.statusCode).toBe(409);
    const list = await page.get('/crm/imports');
    expect(list.body).toContain(`<a href="${url}">nieuw.csv</a>`);
  });

  it('shows what is wrong with an upload next to the field, in the page language', async () => {
    const manager = await newUser(app, Role.AccountManager);
    const page = new UploadingPageClient(app);
    await page.login(manager.email, TEST_PASSWORD);
    await page.get('/crm/imports');
    const picture = await page.upload('/crm/imports', { kind: 'organisations' }, { name: 'logo.png', content: PNG, type: 'image/png' });
    expect(picture.statusCode).toBe(400);
    expect(picture.body).toContain('aria-describedby="h-file e-file" aria-invalid="true"');
    expect(picture.body).toContain('<small id="e-file" class="field-error">Dit is geen tekstbestand (CSV). Sla het in Excel op als &quot;CSV UTF-8&quot;.</small>');
    const columns = await page.upload('/crm/imports', { kind: 'contacts' }, { name: 'p.csv', content: 'voornaam;email\nAnouk;a@example.nl\n' });
    expect(columns.statusCode).toBe(400);
    expect(columns.body).toContain('De kopregel mist de kolom(men) lastName.');
    const nothing = await page.upload('/crm/imports', { kind: '' });
    expect(nothing.statusCode).toBe(400);
    expect(nothing.body).toContain('<small id="e-kind" class="field-error">Kies wat u importeert.</small>');
    expect(nothing.body).toContain('<small id="e-file" class="field-error">Kies een bestand.</small>');
  });

  it('offers the API: upload, read, run, rows and report, documented in OpenAPI', async () => {
    const t = randomUUID().slice(0, 8);
    const created = await api('POST', '/api/v1/imports', multipart({ kind: 'contacts' }, { name: 'people.csv', content: `firstName,lastName,email\nAnna,Api ${t},anna.${t}@example.nl\nBob,Api ${t},not-an-email\n` }));
    expect(created.statusCode).toBe(201);
    const view = created.json();
    expect(view).toMatchObject({ kind: 'contacts', fileName: 'people.csv', status: 'previewed', totalRows: 2, rejectedCount: 1, preview: { accepted: 1, duplicate: 0, rejected: 1, delimiter: ',' } });
    expect(view.preview.lines[1]).toEqual({ row: 3, status: 'rejected', label: `Bob Api ${t}`, reasons: [{ code: 'invalid', field: 'email', rule: 'isEmail', message: 'email must be an email address' }] });

    expect((await api('GET', `/api/v1/imports/${view.id}`)).json()).toMatchObject({ id: view.id, status: 'previewed' });
    expect((await api('GET', '/api/v1/imports')).json().items.some((i: { id: string }) => i.id === view.id)).toBe(true);
    const run = await api('POST', `/api/v1/imports/${view.id}/run`);
    expect(run.statusCode).toBe(202);
    expect(run.json().status).toMatch(/queued|running|done/);
    let status = '';
    for (let i = 0; i < 200 && status !== 'done'; i++) {
      status = (await api('GET', `/api/v1/imports/${view.id}/progress`)).json().status;
      if (status !== 'done') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('done');
    expect((await api('POST', `/api/v1/imports/${view.id}/run`)).statusCode).toBe(409);
    const rows = await api('GET', `/api/v1/imports/${view.id}/rows?status=created`);
    expect(rows.json()).toMatchObject({ total: 1, items: [{ row: 2, status: 'created', label: `Anna Api ${t}` }] });
    const report = await api('GET', `/api/v1/imports/${view.id}/report?lang=en`);
    expect(report.body.replace(/^\uFEFF/, '').split('\r\n').slice(0, 3)).toEqual([
      'line,status,explanation,firstName,lastName,email',
      `2,Added,,Anna,Api ${t},anna.${t}@example.nl`,
      `3,Rejected,Email address: is not a valid email address,Bob,Api ${t},not-an-email`,
    ]);
    const example = await api('GET', '/api/v1/imports/example/contacts');
    expect(example.body).toContain('firstName;lastName;email;phone;jobTitle;language;organisationKvk;organisationName;organisationMunicipality;role');

    const docs = (await app.inject({ method: 'GET', url: '/api/docs-json' })).json();
    expect(docs.paths['/api/v1/imports'].post.requestBody.content['multipart/form-data']).toBeDefined();
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/api/v1/imports/{id}', '/api/v1/imports/{id}/run', '/api/v1/imports/{id}/report', '/api/v1/imports/{id}/rows']));
  });

  it('answers 400 for a non-CSV file and a missing kind, 413 above 50 MB, 401 without a token', async () => {
    const picture = await api('POST', '/api/v1/imports', multipart({ kind: 'organisations' }, { name: 'logo.png', content: PNG, type: 'image/png' }));
    expect(picture.statusCode).toBe(400);
    expect(picture.json()).toMatchObject({ statusCode: 400, errors: [{ field: 'file', message: 'this is not a text (CSV) file; in Excel, save as "CSV UTF-8"' }] });
    const noKind = await api('POST', '/api/v1/imports', multipart({}, { name: 'a.csv', content: 'name,type\nA,company\n' }));
    expect(noKind.statusCode).toBe(400);
    expect(noKind.json().errors).toEqual([{ field: 'kind', message: 'kind must be one of: organisations, contacts' }]);
    const json = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: { authorization: `Bearer ${token}` }, payload: { kind: 'organisations' } });
    expect(json.statusCode).toBe(400);
    const huge = await api('POST', '/api/v1/imports', multipart({ kind: 'organisations' }, { name: 'big.csv', content: Buffer.alloc(50 * 1024 * 1024 + 1, 'a') }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ statusCode: 413, message: 'The file is larger than 50 MB' });

    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/imports', ...(() => { const b = multipart({ kind: 'organisations' }, { name: 'a.csv', content: 'name,type\nA,company\n' }); return { headers: { 'content-type': b.contentType }, payload: b.payload }; })() });
    expect(anonymous.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/imports' })).statusCode).toBe(401);
    const page = await app.inject({ method: 'GET', url: '/crm/imports', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fcrm%2Fimports');
  });

  it('deletes an import with its stored file and line results, keeping what it created; not while it runs', async () => {
    const csv = `name,type,municipality\nVerwijderbaar ${Date.now()},company,Weert\n`;
    const created = await api('POST', '/api/v1/imports', multipart({ kind: 'organisations' }, { name: 'weg.csv', content: csv }));
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${token}` } });
    expect(del.statusCode).toBe(204);
    expect((await api('GET', `/api/v1/imports/${id}`)).statusCode).toBe(404);
    const again = await app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${token}` } });
    expect(again.statusCode).toBe(404);
  });
});
