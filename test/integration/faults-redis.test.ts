import { MailingsService } from '@keyport/mailings';
import { Actor } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { describeWithRedisServer, PrivateRedis, reachable } from '../utils/fault-redis';
import { duplicates, mailsOf, newAudience, newOrganiser, newTemplate, sleep, waitForMailingStatus, waitUntil } from '../utils/mailing-fixtures';
import { spawnWorker, stopWorker, WorkerProcess } from '../utils/mailing-worker-process';
import { PageClient } from '../utils/page-client';
import { testDatabaseUrl } from '../utils/services';
import { SmtpSink } from '../utils/smtp-sink';

const RECIPIENTS = 40;
const RATE = 4;

/**
 * Redis killed (SIGKILL, no persistence: every job, scheduler and lock it held is gone) while the API takes
 * sign-ups and a worker (a real child process) is in the middle of a mailing, then started again empty.
 */
describeWithRedisServer('Redis down while sign-ups come in and a mailing is being sent (a redis-server of its own)', () => {
  const prefix = `faults-redis-${process.pid}-${Date.now()}`;
  let redis: PrivateRedis;
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let worker: WorkerProcess | undefined;
  let actor: Actor;
  let ds: DataSource;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    sink = await new SmtpSink().start();
    api = await createTestApp({ REDIS_URL: redis.url, QUEUE_PREFIX: prefix, SMTP_URL: sink.url });
    actor = await newOrganiser(api);
    ds = api.get(DataSource);
    worker = await spawnWorker({
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: redis.url,
      SMTP_URL: sink.url,
      APP_SECRET: TEST_SECRET,
      QUEUE_PREFIX: prefix,
      MAIL_LEASE_SECONDS: '5',
      // Slow, so that the mailing is mid-way when Redis goes (40 recipients take 10 s).
      MAIL_RATE_PER_SECOND: String(RATE),
    });
  }, 60_000);

  afterAll(async () => {
    await stopWorker(worker);
    await api?.close();
    await sink?.stop();
    await redis?.kill();
  });

  it('takes sign-ups (API and page form) and holds the mailing while Redis is down; afterwards every mail goes out exactly once', async () => {
    const event = await newEvent(api, { capacity: 50 });
    const audience = await newAudience(api, RECIPIENTS);
    const addresses = new Set(audience.contacts.map((c) => c.email!));
    const template = await newTemplate(api, actor);
    const mailings = api.get(MailingsService);
    const mailing = await mailings.create(actor, { name: `Redis weg ${audience.tag}`, templateId: template.id, eventId: event.id, filters: { tags: [audience.tag] } });
    const sentRows = async (): Promise<number> =>
      (await ds.query(`SELECT count(*)::int AS n FROM mailing_recipients WHERE mailing_id = $1 AND status = 'sent'`, [mailing.id]))[0].n;

    await mailings.send(actor, mailing.id);
    await waitUntil('a quarter of the mailing', async () => mailsOf(sink, mailing.id).length >= RECIPIENTS / 4, 30_000, 20);

    await redis.kill();
    expect(await reachable(redis.port)).toBe(false);
    const killedAt = Date.now();

    // Sign-ups while Redis is down: through the API (201) and the page form (303), each confirmed.
    const stamp = Date.now();
    const people = Array.from({ length: 5 }, (_, i) => ({ firstName: 'Roos', lastName: `Uitval ${i}`, email: `redis.down.${i}.${stamp}@example.nl` }));
    for (const person of people.slice(0, 3)) {
      const res = await api.inject({ method: 'POST', url: `/api/v1/public/events/${event.slug}/registrations`, payload: person });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ status: 'confirmed' });
    }
    for (const person of people.slice(3)) {
      const page = new PageClient(api);
      expect((await page.get(`/events/${event.slug}`)).statusCode).toBe(200);
      const res = await page.post(`/events/${event.slug}/register`, { ...person, organisationName: 'Uitval B.V.', kvkNumber: '', municipality: 'Weert', participantType: 'entrepreneur' });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toMatch(new RegExp(`^/events/${event.slug}/registered`));
    }

    // The mailing holds: what was at the SMTP server when Redis went may finish, then nothing more.
    await sleep(Math.max(0, killedAt + 1_500 - Date.now()));
    const atHold = mailsOf(sink, mailing.id).length;
    await sleep(6_000);
    expect(mailsOf(sink, mailing.id).length).toBe(atHold);
    expect(atHold).toBeLessThan(RECIPIENTS);
    // Nothing lost, nothing in limbo: every message the server took is recorded, the rest wait.
    const rows: { status: string; n: number }[] = await ds.query(`SELECT status, count(*)::int AS n FROM mailing_recipients WHERE mailing_id = $1 GROUP BY status ORDER BY status`, [mailing.id]);
    expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({ queued: RECIPIENTS - atHold, sent: atHold });
    for (const person of people) expect(sink.to(person.email)).toHaveLength(0);
    const pending: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM job_outbox o JOIN registrations r ON r.id = (o.payload->>'registrationId')::uuid
        WHERE o.relayed_at IS NULL AND r.email = ANY($1)`,
      [people.map((p) => p.email)],
    );
    expect(pending[0].n).toBe(people.length);

    // Redis back, empty: the confirmations go out and the mailing continues where it stopped.
    await redis.resume();
    const backAt = Date.now();
    for (const person of people) {
      const [mail] = await sink.waitForTo(person.email, 1, 30_000);
      expect(mail.parsed.subject).toMatch(/^Aanmelding bevestigd/);
    }
    const confirmationsAfter = Date.now() - backAt;
    const done = await waitForMailingStatus(api, mailing.id, 'sent', 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nrows: ${JSON.stringify(mailsOf(sink, mailing.id).length)}\nworker output (end):\n${worker?.output().slice(-3000)}`);
    });
    const mailingAfter = Date.now() - backAt;
    await sleep(2_000); // anything late would show up now
    expect(done.counts).toMatchObject({ total: RECIPIENTS, queued: 0, sent: RECIPIENTS, failed: 0, bounced: 0, skipped: 0 });
    expect(await sentRows()).toBe(RECIPIENTS);
    expect(mailsOf(sink, mailing.id)).toHaveLength(RECIPIENTS);
    expect(duplicates(sink, mailing.id)).toEqual([]);
    expect(new Set(mailsOf(sink, mailing.id).map((m) => m.to[0]))).toEqual(addresses);
    for (const person of people) expect(sink.to(person.email)).toHaveLength(1);
    console.info(`Redis down ${backAt - killedAt} ms with ${atHold}/${RECIPIENTS} sent; after it was back: confirmations in ${confirmationsAfter} ms, the mailing done in ${mailingAfter} ms`);
  }, 150_000);
});
