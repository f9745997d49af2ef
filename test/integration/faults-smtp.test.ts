import { MailingsService } from '@keyport/mailings';
import { Actor } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { SmtpOutage } from '../utils/fault-smtp';
import { duplicates, mailsOf, newAudience, newOrganiser, newTemplate, sleep, waitForMailingStatus, waitUntil } from '../utils/mailing-fixtures';
import { spawnWorker, stopWorker, WorkerProcess } from '../utils/mailing-worker-process';
import { describeWithRedis, testDatabaseUrl, testRedisUrl } from '../utils/services';
import { SmtpSink } from '../utils/smtp-sink';

const RECIPIENTS = 25;
const SIGN_UPS = 6;
const OUTAGE_MS = 12_000;

/**
 * The SMTP server away for a while (its port refuses connections, open connections are cut) while
 * registration confirmations (transactional) and a mailing (bulk) are waiting to go out. The worker is a
 * real child process; the sink behind the relay records the order in which messages arrive.
 */
describeWithRedis('the SMTP server down for a while with confirmations and a mailing waiting', () => {
  const prefix = `faults-smtp-${process.pid}-${Date.now()}`;
  /** Every message as it arrived at the SMTP server (its data in, before the answer), in order. */
  const arrivals: string[] = [];
  let sink: SmtpSink;
  let smtp: SmtpOutage;
  let api: NestFastifyApplication;
  let worker: WorkerProcess | undefined;
  let actor: Actor;

  beforeAll(async () => {
    sink = await new SmtpSink({ onMessage: ({ to }) => void arrivals.push(to[0]) }).start();
    smtp = await SmtpOutage.start(sink.port);
    api = await createTestApp({ REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, SMTP_URL: smtp.url });
    actor = await newOrganiser(api);
    worker = await spawnWorker({
      DATABASE_URL: testDatabaseUrl(),
      REDIS_URL: testRedisUrl()!,
      SMTP_URL: smtp.url,
      APP_SECRET: TEST_SECRET,
      QUEUE_PREFIX: prefix,
      MAIL_LEASE_SECONDS: '5',
      MAIL_RATE_PER_SECOND: '10',
    });
  }, 60_000);

  afterAll(async () => {
    await stopWorker(worker);
    await api?.close();
    await smtp?.down();
    await sink?.stop();
  });

  it('when it is back, everything goes out exactly once, and every confirmation before the bulk mails', async () => {
    const event = await newEvent(api, { capacity: 50 });
    const audience = await newAudience(api, RECIPIENTS);
    const bulk = new Set(audience.contacts.map((c) => c.email!));
    const template = await newTemplate(api, actor);
    const mailings = api.get(MailingsService);
    const mailing = await mailings.create(actor, { name: `SMTP weg ${audience.tag}`, templateId: template.id, eventId: event.id, filters: { tags: [audience.tag] } });

    await smtp.down();
    const downAt = Date.now();
    await mailings.send(actor, mailing.id);
    const stamp = Date.now();
    const people = Array.from({ length: SIGN_UPS }, (_, i) => `smtp.down.${i}.${stamp}@example.nl`);
    for (const [i, email] of people.entries()) {
      const res = await api.inject({ method: 'POST', url: `/api/v1/public/events/${event.slug}/registrations`, payload: { firstName: 'Stijn', lastName: `Storing ${i}`, email } });
      expect(res.statusCode).toBe(201);
    }
    const transactional = new Set(people);

    // Both kinds are tried and refused meanwhile: the mailing's recipients wait for a retry.
    await waitUntil('the mailing to have tried its recipients', async () => {
      const view = await mailings.get(mailing.id);
      return view.status === 'sending' && view.counts.queued === RECIPIENTS ? view : undefined;
    }, 10_000);
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    expect(arrivals).toEqual([]);
    const during = await mailings.get(mailing.id);
    expect(during.counts).toMatchObject({ total: RECIPIENTS, sent: 0, failed: 0, queued: RECIPIENTS });

    await smtp.up();
    const upAt = Date.now();
    for (const email of people) await sink.waitForTo(email, 1, 90_000);
    const confirmationsIn = Date.now() - upAt;
    const done = await waitForMailingStatus(api, mailing.id, 'sent', 90_000);
    const mailingIn = Date.now() - upAt;
    await sleep(1_500); // anything late would show up now

    // Exactly once each.
    for (const email of people) expect(sink.to(email)).toHaveLength(1);
    expect(done.counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, queued: 0, failed: 0 });
    expect(mailsOf(sink, mailing.id)).toHaveLength(RECIPIENTS);
    expect(duplicates(sink, mailing.id)).toEqual([]);

    // In order of urgency: every confirmation that waited arrived before any mail of the mailing that waited.
    const order = arrivals.filter((a) => transactional.has(a) || bulk.has(a)).map((a) => (transactional.has(a) ? 'T' : 'B')).join('');
    console.info(`SMTP down ${upAt - downAt} ms; after it was back: confirmations in ${confirmationsIn} ms, the mailing done in ${mailingIn} ms; arrival order ${order}`);
    expect(order).toBe('T'.repeat(SIGN_UPS) + 'B'.repeat(RECIPIENTS));
  }, 170_000);
});
