import { loadConfig } from '@keyport/config';
import { MailService } from '@keyport/mail';
import { MetricsServer } from '@keyport/metrics';
import { Role } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { PageClient } from '../utils/page-client';
import { describeWithRedis, testDatabaseUrl, testRedisUrl } from '../utils/services';
import { SmtpSink } from '../utils/smtp-sink';

const METRICS_TOKEN = 'metrics-token-for-the-ops-tests-0123';
const QUEUES = ['mail', 'imports', 'mailings'];

/** The value of one series in a Prometheus text exposition (`name{labels}`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(app: NestFastifyApplication): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

async function loggedIn(app: NestFastifyApplication, role: Role): Promise<PageClient> {
  const user = await newUser(app, role);
  const page = new PageClient(app);
  const res = await page.login(user.email, TEST_PASSWORD);
  expect(res.statusCode).toBe(303);
  return page;
}

describe('operations without Redis (jobs in process)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ METRICS_TOKEN });
  });
  afterAll(() => app.close());

  it('sends anonymous visitors of /admin/queues to the login, and answers 401 to non-browsers', async () => {
    const page = new PageClient(app);
    const res = await page.get('/admin/queues');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fadmin%2Fqueues');
    const json = await app.inject({ method: 'GET', url: '/admin/queues', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(401);
  });

  it('refuses /admin/queues to an organiser (403) and leaves it out of their menu', async () => {
    const page = await loggedIn(app, Role.Organiser);
    expect((await page.get('/')).body).not.toContain('href="/admin/queues"');
    const res = await page.get('/admin/queues');
    expect(res.statusCode).toBe(403);
  });

  it('shows an admin that the queue runs in process, with the counts of the three queues, in Dutch and English', async () => {
    const page = await loggedIn(app, Role.Admin);
    expect((await page.get('/')).body).toContain('href="/admin/queues"');
    const nl = await page.get('/admin/queues');
    expect(nl.statusCode).toBe(200);
    expect(nl.body).toContain('<h1>Wachtrijen</h1>');
    expect(nl.body).toContain('geen Redis');
    for (const queue of QUEUES) expect(nl.body).toContain(`data-queue="${queue}"`);
    const en = await page.get('/admin/queues?lang=en');
    expect(en.body).toContain('<h1>Queues</h1>');
    expect(en.body).toContain('jobs run inside the application');
    expect(en.body).toContain('Waiting');
    expect(en.body).toContain('Failed');
  });

  it('answers /metrics only with the right bearer token', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-metrics-token-at-all' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('Bearer');
    // A staff session is no way in either.
    const admin = await loggedIn(app, Role.Admin);
    expect((await admin.get('/metrics')).statusCode).not.toBe(200);
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of [
      'keyport_signups_total',
      'keyport_mails_sent_total',
      'keyport_mails_failed_total',
      'keyport_queue_jobs',
      'keyport_outbox_pending',
      'keyport_outbox_lag_seconds',
      'keyport_http_request_duration_seconds',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    for (const queue of QUEUES) for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(sample(res.body, `keyport_queue_jobs{queue="${queue}",state="${state}"}`)).toBeGreaterThanOrEqual(0);
    }
    expect(sample(res.body, 'keyport_mails_failed_total{kind="transactional",reason="permanent"}')).toBeGreaterThanOrEqual(0);
  });

  it('counts a public sign-up, and times requests by route pattern without the URL itself', async () => {
    const event = await newEvent(app, { capacity: 1 });
    const before = await scrape(app);
    const confirmed = sample(before, 'keyport_signups_total{status="confirmed"}') ?? 0;
    const waitlisted = sample(before, 'keyport_signups_total{status="waitlisted"}') ?? 0;
    const signUp = (n: number) => ({ email: `ops-signup-${n}-${Date.now()}@example.nl`, firstName: 'Petra', lastName: `Metric${n}` });
    const url = `/api/v1/public/events/${event.slug}/registrations`;
    const firstSignUp = signUp(1);
    const first = await app.inject({ method: 'POST', url, payload: firstSignUp });
    expect(first.statusCode).toBe(201);
    expect(first.json().status).toBe('confirmed');
    const second = await app.inject({ method: 'POST', url, payload: signUp(2) });
    expect(second.json().status).toBe('waitlisted');
    // The same person again gets the existing registration: not a new sign-up.
    expect((await app.inject({ method: 'POST', url, payload: firstSignUp })).statusCode).toBeLessThan(300);

    const after = await scrape(app);
    expect(sample(after, 'keyport_signups_total{status="confirmed"}')).toBe(confirmed + 1);
    expect(sample(after, 'keyport_signups_total{status="waitlisted"}')).toBeGreaterThanOrEqual(waitlisted + 1);
    expect(sample(after, 'keyport_http_request_duration_seconds_count{method="POST",route="/api/v1/public/events/:slug/registrations",status="201"}')).toBeGreaterThanOrEqual(2);
    expect(after).not.toContain(event.slug);
    expect(after).not.toContain('ops-signup-');
    await app.inject({ method: 'GET', url: '/no-such-page/with-personal-data@example.nl' });
    const unmatched = await scrape(app);
    expect(unmatched).toContain('route="unmatched",status="404"');
    expect(unmatched).not.toContain('personal-data');
  });

  it('reports the outbox: rows not yet relayed and the age of the oldest', async () => {
    const db = app.get(DataSource);
    // A job of a name this version does not know is never relayed by it (it waits for a newer worker).
    const [row] = await db.query(
      `INSERT INTO job_outbox (name, payload, created_at) VALUES ('ops-test-unknown-job', '{}', now() - interval '90 seconds') RETURNING id`,
    );
    try {
      const text = await scrape(app);
      expect(sample(text, 'keyport_outbox_pending')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'keyport_outbox_lag_seconds')).toBeGreaterThanOrEqual(89);
    } finally {
      await db.query(`DELETE FROM job_outbox WHERE id = $1`, [row.id]);
    }
    const lag = sample(await scrape(app), 'keyport_outbox_lag_seconds')!;
    expect(lag).toBeLessThan(89);
  });
});

describe('metrics without METRICS_TOKEN', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('answers 404: the endpoint is off', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).statusCode).toBe(404);
  });
});

describeWithRedis('queue dashboard on BullMQ (bull-board) and the worker metrics port', () => {
  const prefix = `test-ops-${process.pid}-${Date.now()}`;
  const refusedOnce = `retry-me-${Date.now()}@example.nl`;
  let app: NestFastifyApplication;
  let worker: INestApplicationContext;
  let sink: SmtpSink;

  beforeAll(async () => {
    // The first attempt to this address gets a permanent 550: the job fails for good (no retry by itself).
    sink = await new SmtpSink({ refuse: (_n, to, attemptTo) => (to[0] === refusedOnce && attemptTo === 1 ? { code: 550, message: '5.7.1 refused for this test' } : undefined) }).start();
    const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, SMTP_URL: sink.url, METRICS_TOKEN };
    app = await createTestApp(env);
    worker = await NestFactory.createApplicationContext(
      WorkerAppModule.forRoot(loadConfig({ NODE_ENV: 'test', DATABASE_URL: testDatabaseUrl(), APP_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', METRICS_PORT: '0', ...env })),
      { logger: false },
    );
    await worker.init();
  });
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await sink?.stop();
  });

  it('keeps anonymous visitors and organisers out, pages and API alike', async () => {
    const anonymous = new PageClient(app);
    const page = await anonymous.get('/admin/queues');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fadmin%2Fqueues');
    expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/mail/1/retry' })).statusCode).toBe(401);

    const organiser = await loggedIn(app, Role.Organiser);
    const forbidden = await organiser.get('/admin/queues');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).toContain('Geen toegang');
    expect((await organiser.get('/admin/queues/api/queues')).statusCode).toBe(403);
  });

  it('serves bull-board to an admin, with a relaxed CSP on its routes only', async () => {
    const admin = await loggedIn(app, Role.Admin);
    const res = await admin.get('/admin/queues');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<base href="/admin/queues/"');
    expect(res.body).not.toContain('fonts.googleapis.com');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    const asset = res.body.match(/src="(static\/js\/main\.[^"]+\.js)"/)?.[1];
    expect(asset).toBeDefined();
    expect((await admin.get(`/admin/queues/${asset}`)).statusCode).toBe(200);
    // Everywhere else the strict policy stays.
    const home = await admin.get('/');
    expect(String(home.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(home.body).toContain('href="/admin/queues"');

    const api = await admin.get('/admin/queues/api/queues');
    expect(api.statusCode).toBe(200);
    expect((api.json().queues as { name: string }[]).map((q) => q.name).sort()).toEqual([...QUEUES].sort());
  });

  it('retries a failed mail job through the dashboard, and counts the failure and the delivery', async () => {
    const admin = await loggedIn(app, Role.Admin);
    const before = await scrape(app);
    const permanentBefore = sample(before, 'keyport_mails_failed_total{kind="transactional",reason="permanent"}') ?? 0;

    await app.get(DataSource).transaction((manager) =>
      app.get(MailService).queue(manager, { template: 'test-mail', lang: 'nl', to: refusedOnce, data: { sender: 'Ops Test', sentAt: new Date() } }),
    );
    type Listed = { id: string; data: { mail?: { to?: string; html?: string } }; failedReason?: string };
    let failed: Listed | undefined;
    const deadline = Date.now() + 20_000;
    while (!failed && Date.now() < deadline) {
      const res = await admin.get('/admin/queues/api/queues?activeQueue=mail&status=failed&page=1&jobsPerPage=50');
      expect(res.statusCode).toBe(200);
      const mail = (res.json().queues as { name: string; jobs: Listed[] }[]).find((q) => q.name === 'mail')!;
      failed = mail.jobs.find((j) => j.data.mail?.to === refusedOnce);
      if (!failed) await new Promise((r) => setTimeout(r, 200));
    }
    expect(failed).toBeDefined();
    expect(failed!.failedReason).toContain('550');
    // The dashboard shows who and what, not the rendered message.
    expect(failed!.data.mail?.html).toBeUndefined();
    expect(sink.attemptsTo(refusedOnce)).toBe(1);

    const metrics = await scrape(app);
    expect(sample(metrics, 'keyport_mails_failed_total{kind="transactional",reason="permanent"}')).toBeGreaterThanOrEqual(permanentBefore + 1);
    expect(sample(metrics, 'keyport_queue_jobs{queue="mail",state="failed"}')).toBeGreaterThanOrEqual(1);

    const retryUrl = `/admin/queues/api/queues/mail/${encodeURIComponent(failed!.id)}/retry`;
    // A change must come from this site: the session cookie alone cannot drive it (CSRF).
    const cookie = (admin as unknown as { cookieHeader(): string }).cookieHeader();
    const crossSite = await app.inject({ method: 'PUT', url: retryUrl, headers: { cookie, origin: 'https://evil.example' } });
    expect(crossSite.statusCode).toBe(403);
    const noOrigin = await app.inject({ method: 'PUT', url: retryUrl, headers: { cookie } });
    expect(noOrigin.statusCode).toBe(403);
    // Jobs are made by the platform: the dashboard does not add or rewrite them.
    const rewrite = await app.inject({ method: 'PATCH', url: `/admin/queues/api/queues/mail/${encodeURIComponent(failed!.id)}/update-data`, headers: { cookie, origin: 'http://localhost:3000' }, payload: { jobData: {} } });
    expect(rewrite.statusCode).toBe(403);
    const add = await app.inject({ method: 'POST', url: '/admin/queues/api/queues/mail/add', headers: { cookie, origin: 'http://localhost:3000' }, payload: { name: 'send-mail', data: {} } });
    expect(add.statusCode).toBe(403);
    const retried = await app.inject({ method: 'PUT', url: retryUrl, headers: { cookie, origin: 'http://localhost:3000' } });
    expect(retried.statusCode).toBe(204);

    const [mail] = await sink.waitForTo(refusedOnce, 1, 20_000);
    expect(mail.parsed.subject).toBe('Testbericht van het Keyport-platform');
    expect(sink.attemptsTo(refusedOnce)).toBe(2);
    const after = await scrape(app);
    expect(sample(after, 'keyport_mails_sent_total{kind="transactional",template="test-mail"}')).toBeGreaterThanOrEqual(1);
  });

  it('shows the worker counters on METRICS_PORT, with the token', async () => {
    const port = worker.get(MetricsServer).port;
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await fetch(`${base}/other`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE keyport_mails_sent_total counter');
    expect(text).toContain('keyport_queue_jobs{queue="mailings",state="waiting"}');
    expect(text).toContain('keyport_outbox_lag_seconds');
  });
});
