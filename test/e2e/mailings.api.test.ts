import { SubscriptionsService } from '@keyport/mailings';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { createTestApp } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { addPerson, INVITATION, newAudience, uniqueTag, waitUntil } from '../utils/mailing-fixtures';

type Json = Record<string, any>;
const COUNT_KEYS = ['bounced', 'failed', 'queued', 'sent', 'skipped', 'total'];

/**
 * The mailings API as a client sees it (issue 5, "API contract"), on the whole app without Redis or SMTP:
 * jobs run in the API process and mail lands in the local mailbox.
 */
describe('mailings API contract', () => {
  let app: NestFastifyApplication;
  const tokens: Partial<Record<Role, string>> = {};
  const as = (role: Role) => ({ authorization: `Bearer ${tokens[role]}` });
  const organiser = () => as(Role.Organiser);

  beforeAll(async () => {
    // Slow enough to pause and cancel a mailing in flight.
    app = await createTestApp({ MAIL_RATE_PER_SECOND: '5' });
    for (const role of [Role.Admin, Role.Organiser, Role.AccountManager]) {
      const user = await newUser(app, role);
      tokens[role] = (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } })).json().token;
    }
  });
  afterAll(() => app.close());

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = organiser()) =>
    app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as Json } : {}) });
  const fields = (body: Json): string[] => [...new Set<string>(body.errors.map((e: { field: string }) => e.field))].sort();

  async function newTemplateViaApi(name = `Uitnodiging ${uniqueTag('t')}`): Promise<Json> {
    const res = await call('POST', '/api/v1/mail-templates', { name, nl: INVITATION.nl, en: INVITATION.en });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  const status = async (id: string): Promise<Json> => (await call('GET', `/api/v1/mailings/${id}`)).json();

  it('creates (201), sends (202), reports status and counts, pauses, resumes and cancels', async () => {
    const audience = await newAudience(app, 30);
    await addPerson(app, audience.organisation, { consent: false });
    const template = await newTemplateViaApi();
    const event = await newEvent(app);

    const created = await call('POST', '/api/v1/mailings', { name: 'Uitnodiging ontbijtsessie', templateId: template.id, eventId: event.id, filters: { tags: [audience.tag] } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ id: expect.any(String), status: 'draft', templateId: template.id, eventId: event.id, filters: { tags: [audience.tag] } });
    expect(created.json().counts).toEqual({ total: 0, queued: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 });

    const audiencePreview = await call('GET', `/api/v1/mailings/${id}/audience`);
    expect(audiencePreview.json()).toMatchObject({ matched: 31, eligible: 30, excluded: { no_consent: 1, unsubscribed: 0, bounced: 0, total: 1 } });
    const preview = await call('GET', `/api/v1/mailings/${id}/preview`);
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ recipient: { email: expect.stringMatching(/@example\.nl$/) }, nl: { subject: `Uitnodiging: ${event.title}` }, en: { subject: `Invitation: ${event.title}` } });
    expect((await call('POST', `/api/v1/mailings/${id}/resume`)).statusCode).toBe(409); // a draft is not paused

    const sent = await call('POST', `/api/v1/mailings/${id}/send`, {});
    expect(sent.statusCode).toBe(202);
    expect(sent.json()).toMatchObject({ status: 'sending', counts: { total: 31, skipped: 1 } });
    const paused = await call('POST', `/api/v1/mailings/${id}/pause`);
    expect(paused.statusCode).toBe(200);
    expect(paused.json().status).toBe('paused');
    expect((await call('POST', `/api/v1/mailings/${id}/pause`)).json().status).toBe('paused'); // again: no change

    const got = await call('GET', `/api/v1/mailings/${id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().status).toBe('paused');
    expect(Object.keys(got.json().counts).sort()).toEqual(COUNT_KEYS);
    const c = got.json().counts;
    expect(c.total).toBe(31);
    expect(c.queued + c.sent + c.failed + c.bounced + c.skipped).toBe(31);

    const resumed = await call('POST', `/api/v1/mailings/${id}/resume`);
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json().status).toBe('sending');
    const cancelled = await call('POST', `/api/v1/mailings/${id}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    // Messages in flight finish; everything else is skipped as cancelled.
    const end = await waitUntil('the cancelled mailing to settle', async () => {
      const s = await status(id);
      return s.counts.queued === 0 ? s : undefined;
    }, 20_000, 200);
    expect(end.status).toBe('cancelled');
    expect(end.skippedBy.cancelled).toBeGreaterThan(0);
    expect(end.counts.sent + end.counts.skipped).toBe(31);
    expect((await call('POST', `/api/v1/mailings/${id}/cancel`)).statusCode).toBe(200);
    expect((await call('POST', `/api/v1/mailings/${id}/send`, {})).statusCode).toBe(409);
    expect((await call('POST', `/api/v1/mailings/${id}/resume`)).statusCode).toBe(409);
    const recipients = await call('GET', `/api/v1/mailings/${id}/recipients?status=skipped&pageSize=100`);
    expect(recipients.json().items.map((r: Json) => r.reason).sort()).toEqual([...Array(end.counts.skipped - 1).fill('cancelled'), 'no_consent'].sort());

    // A small one to the end: status 'sent', every count in place.
    const small = await newAudience(app, 3);
    const second = await call('POST', '/api/v1/mailings', { name: 'Kleine mailing', templateId: template.id, eventId: event.id, filters: { tags: [small.tag] } });
    expect((await call('POST', `/api/v1/mailings/${second.json().id}/send`, {})).statusCode).toBe(202);
    const done = await waitUntil('the small mailing to be sent', async () => {
      const s = await status(second.json().id);
      return s.status === 'sent' ? s : undefined;
    }, 20_000, 200);
    expect(done).toMatchObject({ status: 'sent', progress: 100, counts: { total: 3, queued: 0, sent: 3, failed: 0, bounced: 0, skipped: 0 } });
    expect((await call('POST', `/api/v1/mailings/${second.json().id}/pause`)).statusCode).toBe(409);
    const rows = (await call('GET', `/api/v1/mailings/${second.json().id}/recipients`)).json();
    expect(rows.total).toBe(3);
    expect(rows.items.every((r: Json) => r.status === 'sent' && r.smtpResponse && r.sentAt)).toBe(true);

    const list = await call('GET', `/api/v1/mailings?q=${encodeURIComponent('Kleine mailing')}&status=sent`);
    expect(list.json().items.map((m: Json) => m.id)).toContain(second.json().id);
    expect((await call('GET', `/api/v1/mailings/${randomUUID()}`)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/mailings/not-an-id')).statusCode).toBe(404);
  });

  it('answers 401 without a token and 403 to an account manager, on every mailing route', async () => {
    const id = randomUUID();
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['GET', '/api/v1/mailings'],
      ['POST', '/api/v1/mailings', { name: 'x', templateId: id }],
      ['GET', `/api/v1/mailings/${id}`],
      ['POST', `/api/v1/mailings/${id}/send`, {}],
      ['POST', `/api/v1/mailings/${id}/pause`],
      ['POST', `/api/v1/mailings/${id}/resume`],
      ['POST', `/api/v1/mailings/${id}/cancel`],
      ['GET', '/api/v1/mail-templates'],
      ['POST', '/api/v1/mail-templates/preview', { nl: INVITATION.nl, en: INVITATION.en }],
      ['DELETE', `/api/v1/mail-templates/${id}`],
      ['POST', '/api/v1/segments/preview', { filters: {} }],
      ['POST', '/api/v1/bounces', { bounces: [] }],
    ];
    for (const [method, url, payload] of routes) {
      expect([method, url, (await call(method, url, payload, {})).statusCode]).toEqual([method, url, 401]);
      expect([method, url, (await call(method, url, payload, { authorization: 'Bearer forged.token' })).statusCode]).toEqual([method, url, 401]);
      expect([method, url, (await call(method, url, payload, as(Role.AccountManager))).statusCode]).toEqual([method, url, 403]);
    }
    // Admins may do what organisers may.
    expect((await call('GET', '/api/v1/mailings', undefined, as(Role.Admin))).statusCode).toBe(200);
  });

  it('refuses bad bodies with 400 naming each field: unknown template, bad filters, bad bounce JSON', async () => {
    const template = await newTemplateViaApi();
    const unknownTemplate = await call('POST', '/api/v1/mailings', { name: 'Mailing', templateId: randomUUID() });
    expect(unknownTemplate.statusCode).toBe(400);
    expect(unknownTemplate.json().errors).toEqual([{ field: 'templateId', message: 'is not a saved template' }]);
    const unknownRefs = await call('POST', '/api/v1/mailings', { name: 'Mailing', templateId: template.id, eventId: randomUUID(), segmentId: randomUUID() });
    expect(unknownRefs.statusCode).toBe(400);
    expect(fields(unknownRefs.json())).toEqual(['segmentId']);
    const unknownEvent = await call('POST', '/api/v1/mailings', { name: 'Mailing', templateId: template.id, eventId: randomUUID() });
    expect(fields(unknownEvent.json())).toEqual(['eventId']);

    const badFilters = await call('POST', '/api/v1/mailings', {
      name: '',
      templateId: 'not-a-uuid',
      filters: { organisationTypes: ['ufo'], languages: ['de'], interests: ['golf'], registration: 'maybe', attendance: { mode: 'sometimes', from: 'last year' }, colour: 'blue' },
      priority: 'high',
    });
    expect(badFilters.statusCode).toBe(400);
    expect(fields(badFilters.json())).toEqual(
      ['filters.attendance.from', 'filters.attendance.mode', 'filters.colour', 'filters.interests', 'filters.languages', 'filters.organisationTypes', 'filters.registration', 'name', 'priority', 'templateId'].sort(),
    );

    const draft = (await call('POST', '/api/v1/mailings', { name: 'Mailing', templateId: template.id, eventId: (await newEvent(app)).id, filters: { tags: [uniqueTag('none')] } })).json();
    const badTime = await call('POST', `/api/v1/mailings/${draft.id}/send`, { scheduledAt: 'tomorrow morning' });
    expect(badTime.statusCode).toBe(400);
    expect(fields(badTime.json())).toEqual(['scheduledAt']);
    expect((await status(draft.id)).status).toBe('draft');

    const badSegment = await call('POST', '/api/v1/segments/preview', { filters: { municipalities: 'Weert', attendance: { mode: 'attended', formats: ['rave'] } } });
    expect(badSegment.statusCode).toBe(400);
    expect(fields(badSegment.json())).toEqual(['filters.attendance.formats']);

    const badBounces = await call('POST', '/api/v1/bounces', { bounces: [{ email: 'geen-adres', kind: 'bouncy' }, { email: 'ok@example.nl', kind: 'hard', mailingId: 'x', extra: 1 }] });
    expect(badBounces.statusCode).toBe(400);
    expect(fields(badBounces.json())).toEqual(['bounces.0.email', 'bounces.0.kind', 'bounces.1.extra', 'bounces.1.mailingId']);
    for (const body of [{}, { bounces: 'ok@example.nl' }]) {
      const res = await call('POST', '/api/v1/bounces', body);
      expect(res.statusCode).toBe(400);
      expect(fields(res.json())).toEqual(['bounces']);
    }
    const malformed = await app.inject({ method: 'POST', url: '/api/v1/bounces', headers: { ...organiser(), 'content-type': 'application/json' }, payload: '{"bounces": [' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).not.toMatch(/at .*\.js|stack/i);

    // The documented JSON is accepted.
    const nobody = `niemand.${uniqueTag('b')}@example.nl`;
    const ok = await call('POST', '/api/v1/bounces', { bounces: [{ email: nobody, kind: 'hard', reason: '550 5.1.1 user unknown' }, { email: nobody, kind: 'soft' }] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ recorded: 2, excluded: 1, unknown: 2 });
  });

  it('keeps templates: create, read, list, change, copy, preview, delete; errors with the field and line', async () => {
    const name = `Uitnodiging ${uniqueTag('crud')}`;
    const broken = await call('POST', '/api/v1/mail-templates', {
      name,
      nl: { ...INVITATION.nl, html: '<p>Beste {{contact.firstName}},</p>\n<p>{{#if event.title}}Welkom</p>' },
      en: { ...INVITATION.en, text: 'Dear {{contact.firstName}},\n\n{{contact.nickname}}' },
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'nl.html', message: expect.stringMatching(/^syntax error on line 2/) })]));
    const unknownVariable = await call('POST', '/api/v1/mail-templates', { name, nl: INVITATION.nl, en: { ...INVITATION.en, text: 'Dear {{contact.firstName}},\n\n{{contact.nickname}}' } });
    expect(unknownVariable.statusCode).toBe(400);
    expect(unknownVariable.json().errors).toEqual([expect.objectContaining({ field: 'en.text', message: 'unknown variable or helper "nickname" on line 3' })]);
    expect(fields((await call('POST', '/api/v1/mail-templates', { name: '', nl: { subject: '' }, en: INVITATION.en })).json())).toEqual(['name', 'nl.html', 'nl.subject', 'nl.text']);

    const created = await newTemplateViaApi(name);
    expect(created).toMatchObject({ id: expect.any(String), name, nl: INVITATION.nl, en: INVITATION.en, mailings: 0 });
    expect((await call('GET', `/api/v1/mail-templates/${created.id}`)).json()).toMatchObject({ id: created.id, name });
    expect((await call('GET', `/api/v1/mail-templates?q=${encodeURIComponent(name)}`)).json()).toMatchObject({ total: 1, items: [{ id: created.id }] });

    const changed = await call('PATCH', `/api/v1/mail-templates/${created.id}`, { name: `${name} v2`, nl: { ...INVITATION.nl, subject: 'Kom ook: {{event.title}}' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ name: `${name} v2`, nl: { subject: 'Kom ook: {{event.title}}' }, en: INVITATION.en });
    const badChange = await call('PATCH', `/api/v1/mail-templates/${created.id}`, { en: { ...INVITATION.en, subject: 'Hello\n{{organisation.size}}' } });
    expect(badChange.statusCode).toBe(400);
    expect(badChange.json().errors).toEqual([expect.objectContaining({ field: 'en.subject', message: 'unknown variable or helper "size" on line 2' })]);

    const copy = await call('POST', `/api/v1/mail-templates/${created.id}/copy`, {});
    expect(copy.statusCode).toBe(201);
    expect(copy.json()).toMatchObject({ name: `${name} v2 (kopie)`, nl: { subject: 'Kom ook: {{event.title}}' }, en: INVITATION.en });
    expect(copy.json().id).not.toBe(created.id);
    const named = await call('POST', `/api/v1/mail-templates/${created.id}/copy`, { name: `${name} voor Weert` });
    expect(named.json().name).toBe(`${name} voor Weert`);

    const preview = await call('POST', '/api/v1/mail-templates/preview', { nl: changed.json().nl, en: changed.json().en });
    expect(preview.statusCode).toBe(200);
    expect(preview.json().nl).toMatchObject({ subject: 'Kom ook: Ontbijtsessie Smart Industry', text: expect.stringContaining('Meld u aan: http') });
    expect(preview.json().en.html).toContain('Dear Anna');
    const previewError = await call('POST', '/api/v1/mail-templates/preview', { nl: { ...INVITATION.nl, text: 'Beste\n\n\n{{#each}}' }, en: INVITATION.en });
    expect(previewError.statusCode).toBe(400);
    expect(previewError.json().errors).toEqual([expect.objectContaining({ field: 'nl.text', message: expect.stringMatching(/^syntax error on line 4/) })]);

    // In use by a mailing: kept (409); a copy nobody uses can go (204).
    await call('POST', '/api/v1/mailings', { name: 'Gebruikt sjabloon', templateId: created.id, filters: { tags: [uniqueTag('none')] } });
    expect((await call('DELETE', `/api/v1/mail-templates/${created.id}`)).statusCode).toBe(409);
    expect((await call('DELETE', `/api/v1/mail-templates/${copy.json().id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/mail-templates/${copy.json().id}`)).statusCode).toBe(404);
  });

  it('counts an audience (segments preview) and keeps saved segments', async () => {
    const audience = await newAudience(app, 3);
    const org = audience.organisation;
    await addPerson(app, org, { language: 'en' });
    await addPerson(app, org, { consent: false });
    const unsubscribed = await addPerson(app, org);
    const subscriptions = app.get(SubscriptionsService);
    await subscriptions.unsubscribe(subscriptions.unsubscribeUrl(unsubscribed.id, randomUUID()).split('/').pop()!, 'page');
    const bounced = await addPerson(app, org);
    expect((await call('POST', '/api/v1/bounces', { bounces: [{ email: bounced.email, kind: 'hard' }] })).statusCode).toBe(200);

    const preview = await call('POST', '/api/v1/segments/preview', { filters: { tags: [audience.tag] } });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ matched: 7, eligible: 4, excluded: { no_consent: 1, unsubscribed: 1, bounced: 1, total: 3 } });
    expect(preview.json().sample).toHaveLength(4);
    expect(preview.json().sample[0]).toMatchObject({ contactId: expect.any(String), name: expect.any(String), email: expect.any(String), language: expect.stringMatching(/^(nl|en)$/) });
    const english = await call('POST', '/api/v1/segments/preview', { filters: { tags: [audience.tag], languages: ['en'] } });
    expect(english.json()).toMatchObject({ matched: 1, eligible: 1 });
    const nobody = await call('POST', '/api/v1/segments/preview', { filters: { tags: [audience.tag], municipalities: ['Nederweert'] } });
    expect(nobody.json()).toMatchObject({ matched: 0, eligible: 0, sample: [] });

    const name = `Segment ${audience.tag}`;
    const saved = await call('POST', '/api/v1/segments', { name, filters: { tags: [audience.tag], languages: [] } });
    expect(saved.statusCode).toBe(201);
    expect(saved.json()).toMatchObject({ id: expect.any(String), name, filters: { tags: [audience.tag] } });
    expect(saved.json().filters).not.toHaveProperty('languages');
    expect((await call('GET', `/api/v1/segments/${saved.json().id}`)).json().name).toBe(name);
    expect((await call('GET', `/api/v1/segments?q=${encodeURIComponent(name)}`)).json().total).toBe(1);
    const changed = await call('PATCH', `/api/v1/segments/${saved.json().id}`, { filters: { tags: [audience.tag], languages: ['nl'] } });
    expect(changed.json().filters).toEqual({ tags: [audience.tag], languages: ['nl'] });

    // A mailing on a saved segment copies its filters.
    const template = await newTemplateViaApi();
    const mailing = await call('POST', '/api/v1/mailings', { name: 'Op segment', templateId: template.id, eventId: (await newEvent(app)).id, segmentId: saved.json().id });
    expect(mailing.statusCode).toBe(201);
    expect(mailing.json()).toMatchObject({ segmentId: saved.json().id, filters: { tags: [audience.tag], languages: ['nl'] } });
    expect((await call('GET', `/api/v1/mailings/${mailing.json().id}/audience`)).json()).toMatchObject({ matched: 6, eligible: 3 });

    expect((await call('DELETE', `/api/v1/segments/${saved.json().id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/segments/${saved.json().id}`)).statusCode).toBe(404);
  });

  it('documents the mailing routes in the OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/docs-json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    const expected: [string, string, string][] = [
      ['/api/v1/mailings', 'post', '201'],
      ['/api/v1/mailings', 'get', '200'],
      ['/api/v1/mailings/{id}', 'get', '200'],
      ['/api/v1/mailings/{id}/send', 'post', '202'],
      ['/api/v1/mailings/{id}/pause', 'post', '200'],
      ['/api/v1/mailings/{id}/resume', 'post', '202'],
      ['/api/v1/mailings/{id}/cancel', 'post', '200'],
      ['/api/v1/mailings/{id}/resend-failed', 'post', '202'],
      ['/api/v1/mailings/{id}/follow-up', 'post', '201'],
      ['/api/v1/mailings/{id}/recipients', 'get', '200'],
      ['/api/v1/mail-templates', 'post', '201'],
      ['/api/v1/mail-templates/preview', 'post', '200'],
      ['/api/v1/mail-templates/{id}/copy', 'post', '201'],
      ['/api/v1/segments', 'post', '201'],
      ['/api/v1/segments/preview', 'post', '200'],
      ['/api/v1/bounces', 'post', '200'],
    ];
    const missing = expected.filter(([path, method, code]) => !doc.paths[path]?.[method]?.responses?.[code]);
    expect(missing).toEqual([]);
    for (const [path, method, code] of expected) {
      const op = doc.paths[path]?.[method];
      expect([path, method, op ? 'documented' : 'missing']).toEqual([path, method, 'documented']);
      expect([path, method, Object.keys(op.responses)]).toEqual([path, method, expect.arrayContaining([code, '401', '403'])]);
      expect(op.security).toEqual(expect.arrayContaining([expect.objectContaining({ bearer: [] })]));
    }
    // The status document: { status, counts: { total, queued, sent, failed, bounced, skipped } }.
    const schemaOf = (ref: string) => doc.components.schemas[ref.split('/').pop()!];
    const statusSchema = schemaOf(doc.paths['/api/v1/mailings/{id}'].get.responses['200'].content['application/json'].schema.$ref);
    expect(Object.keys(statusSchema.properties)).toEqual(expect.arrayContaining(['status', 'counts']));
    expect(Object.keys(schemaOf(statusSchema.properties.counts.$ref ?? statusSchema.properties.counts.allOf[0].$ref).properties).sort()).toEqual(COUNT_KEYS);
    // The bounce JSON is described where an integrator looks.
    expect(doc.paths['/api/v1/bounces'].post.description).toMatch(/"bounces": \[\{ "email"/);
    expect(JSON.stringify(doc.paths['/api/v1/bounces'].post.requestBody)).toContain('BouncesDto');
  });
});
