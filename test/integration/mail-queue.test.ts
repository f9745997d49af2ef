import { loadConfig } from '@keyport/config';
import { MailService } from '@keyport/mail';
import { JobQueue } from '@keyport/queue';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { TEST_SECRET } from '../utils/app';
import { describeWithRedis, testDatabaseUrl, testRedisUrl } from '../utils/services';
import { ReceivedMail, SmtpSink } from '../utils/smtp-sink';

/** The worker module as apps/worker runs it, against the test database, the given queue and SMTP. */
async function startWorker(env: Record<string, string | undefined>): Promise<INestApplicationContext> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    APP_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    QUEUE_PREFIX: `test-${process.pid}-${Date.now()}`,
    ...env,
  });
  return NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { logger: false });
}

async function queueTestMail(worker: INestApplicationContext, to: string): Promise<void> {
  await worker.get(DataSource).transaction((manager) =>
    worker.get(MailService).queue(manager, { template: 'test-mail', lang: 'nl', to, data: { sender: 'Test Organiser', sentAt: new Date('2026-03-01T09:30:00Z') } }),
  );
}

function expectBothParts(mail: ReceivedMail): void {
  expect(mail.parsed.subject).toBe('Testbericht van het Keyport-platform');
  expect(mail.parsed.html).toContain('verstuurd door Test Organiser');
  expect(mail.parsed.text).toContain('verstuurd door Test Organiser');
  // Shown in Europe/Amsterdam: 09:30 UTC on 1 March is 10:30 there.
  expect(mail.parsed.text).toContain('10:30');
}

const scenarios = (driver: 'redis' | 'in-process') => () => {
  let sink: SmtpSink;
  let worker: INestApplicationContext | undefined;
  const redisEnv = () => (driver === 'redis' ? { REDIS_URL: testRedisUrl() } : { REDIS_URL: undefined });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await sink?.stop();
  });

  it('delivers a queued mail through the outbox and the worker to SMTP, with HTML and text parts', async () => {
    sink = await new SmtpSink().start();
    worker = await startWorker({ ...redisEnv(), SMTP_URL: sink.url });
    expect(worker.get(JobQueue).driver).toBe(driver);
    await queueTestMail(worker, 'first@example.nl');
    const [mail] = await sink.waitForTo('first@example.nl');
    expectBothParts(mail);
    const pending = await worker.get(DataSource).query(`SELECT count(*)::int AS n FROM job_outbox WHERE relayed_at IS NULL`);
    expect(pending[0].n).toBe(0);
  });

  it('retries when the SMTP server refuses the first attempt with 451', async () => {
    sink = await new SmtpSink({ refuse: (_n, to, attemptTo) => (to[0] === 'retry@example.nl' && attemptTo === 1 ? { code: 451, message: 'try again later' } : undefined) }).start();
    worker = await startWorker({ ...redisEnv(), SMTP_URL: sink.url });
    await queueTestMail(worker, 'retry@example.nl');
    const [mail] = await sink.waitForTo('retry@example.nl', 1, 30_000);
    expect(sink.attemptsTo('retry@example.nl')).toBe(2);
    expectBothParts(mail);
  });

  it('does not retry a permanent 550 refusal', async () => {
    sink = await new SmtpSink({ refuse: (_n, to) => (to[0] === 'gone@example.nl' ? { code: 550, message: 'no such user' } : undefined) }).start();
    worker = await startWorker({ ...redisEnv(), SMTP_URL: sink.url });
    await queueTestMail(worker, 'gone@example.nl');
    const deadline = Date.now() + 10_000;
    while (sink.attemptsTo('gone@example.nl') < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Longer than the first retry's back-off (2 s): a retry would have come by now.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(sink.refusedTo('gone@example.nl')).toBe(1);
    expect(sink.attemptsTo('gone@example.nl')).toBe(1);
  });
};

describeWithRedis('mail through the queue on Redis (BullMQ)', scenarios('redis'));
describe('mail through the in-process queue (no REDIS_URL)', scenarios('in-process'));

describe('mail without SMTP_URL', () => {
  it('is kept in the local mailbox, nothing dropped', async () => {
    const worker = await startWorker({ REDIS_URL: undefined, SMTP_URL: undefined });
    try {
      const to = `local-${Date.now()}@example.nl`;
      await queueTestMail(worker, to);
      const ds = worker.get(DataSource);
      let rows: { subject: string; html: string; text: string }[] = [];
      for (let i = 0; i < 100 && rows.length === 0; i++) {
        rows = await ds.query(`SELECT subject, html, text FROM local_mail WHERE recipients = $1`, [to]);
        if (!rows.length) await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows).toHaveLength(1);
      expect(rows[0].subject).toBe('Testbericht van het Keyport-platform');
      expect(rows[0].html).toContain('Test Organiser');
      expect(rows[0].text).toContain('Test Organiser');
    } finally {
      await worker.close();
    }
  });
});
