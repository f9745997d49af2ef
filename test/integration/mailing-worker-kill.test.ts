import { MailingsService } from '@keyport/mailings';
import { Actor } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { duplicates, mailsOf, newAudience, newOrganiser, newTemplate, recipientsOf, sleep, waitForMailingStatus, waitUntil } from '../utils/mailing-fixtures';
import { spawnWorker, stopWorker, WorkerProcess } from '../utils/mailing-worker-process';
import { describeWithRedis, testDatabaseUrl, testRedisUrl } from '../utils/services';
import { SmtpSink } from '../utils/smtp-sink';

const RECIPIENTS = 60;
/** A promise that never settles: the sink never answers that message, so it was never accepted. */
const NEVER = new Promise<void>(() => undefined);

/**
 * Decides when the worker dies, from inside the SMTP sink. Once closed, it answers no further message of
 * the mailing (those stay unaccepted), waits until every message the sink did accept is marked 'sent' in
 * PostgreSQL, and only then sends SIGKILL.
 *
 * Why that wait: the README names one window in which a kill can give a second copy, between the server's
 * 250 and the worker's UPDATE to 'sent' (about a millisecond: the server accepted, the row does not say so,
 * so the message goes out again after the lease). That is the documented, accepted limit of SMTP, not what
 * this test is about, so the kill never lands in it; everywhere else (claiming, rendering, waiting for a rate
 * token, talking SMTP, recording a result) it may. Without the wait, at MAIL_RATE_PER_SECOND=20 a random kill
 * would hit that window in roughly 20 × 1 ms = 2% of runs: rare, but a flaky test is no test.
 */
class KillSwitch {
  private closed = false;
  private disarmed = false;
  /** Messages of the mailing let through to be answered (and so accepted). */
  passed = 0;
  /** The message that arrived when the switch closed at a given count: it must be sent again later. */
  held?: string;
  /** Resolves once the worker is dead (or rejects with why it could not be killed safely). */
  readonly killed: Promise<void>;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };

  constructor(
    private readonly addresses: Set<string>,
    private readonly killAt: number | null,
    private readonly kill: () => Promise<void>,
  ) {
    this.killed = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  onMessage = (to: string[]): Promise<void> | void => {
    if (this.disarmed || !this.addresses.has(to[0])) return;
    if (this.closed) return NEVER;
    if (this.killAt !== null && this.passed + 1 === this.killAt) {
      this.held = to[0];
      this.close();
      return NEVER;
    }
    this.passed++;
  };

  /** Stops answering and kills the worker once nothing accepted is unrecorded (see `killed`). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.kill().then(this.settle.resolve, this.settle.reject);
  }

  /** For the restarted worker: every message is answered again. */
  disarm(): void {
    this.disarmed = true;
  }
}

describeWithRedis('a mailing whose worker (a real child process) is killed with SIGKILL mid-send and restarted', () => {
  const prefix = `kill-${process.pid}-${Date.now()}`;
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let actor: Actor;
  let ds: DataSource;
  let worker: WorkerProcess | undefined;
  let killSwitch: KillSwitch | undefined;

  const workerEnv = () => ({
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl()!,
    SMTP_URL: sink.url,
    APP_SECRET: TEST_SECRET,
    QUEUE_PREFIX: prefix,
    // A short lease, so the killed worker's claimed recipients are queued again within seconds.
    MAIL_LEASE_SECONDS: '5',
    // Slow enough that the mailing is mid-way when the kill comes (60 recipients take about 3 s).
    MAIL_RATE_PER_SECOND: '20',
  });

  beforeAll(async () => {
    sink = await new SmtpSink({
      onMessage: ({ to }) => killSwitch?.onMessage(to),
      // The killed worker's connections end with a reset: expected here.
      onError: (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
      },
    }).start();
    // The API side only creates and starts mailings (outbox); the child process does all the sending.
    api = await createTestApp({ REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, SMTP_URL: sink.url });
    actor = await newOrganiser(api);
    ds = api.get(DataSource);
  });

  afterAll(async () => {
    await stopWorker(worker);
    await api?.close();
    await sink?.stop();
  });

  const countByStatus = async (id: string): Promise<Record<string, number>> => {
    const rows: { status: string; n: number }[] = await ds.query(`SELECT status, count(*)::int AS n FROM mailing_recipients WHERE mailing_id = $1 GROUP BY status`, [id]);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  };

  /** Runs one mailing to RECIPIENTS people; `killAt`: the Nth message; null: `closeAfterMs` after the first. */
  async function killAndRestart(killAt: number | null, closeAfterMs = 0) {
    const event = await newEvent(api);
    const audience = await newAudience(api, RECIPIENTS);
    const addresses = new Set(audience.contacts.map((c) => c.email!));
    const template = await newTemplate(api, actor);
    const mailings = api.get(MailingsService);
    const mailing = await mailings.create(actor, { name: `Kill ${audience.tag}`, templateId: template.id, eventId: event.id, filters: { tags: [audience.tag] } });
    const ours = () => sink.received.filter((m) => addresses.has(m.to[0]));

    worker = await spawnWorker(workerEnv());
    const first = worker;
    const switchForRun = new KillSwitch(addresses, killAt, async () => {
      await waitUntil('every accepted message to be recorded as sent', async () => {
        if (ours().length !== switchForRun.passed) return false;
        const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM mailing_recipients WHERE mailing_id = $1 AND status = 'sent'`, [mailing.id]);
        return n === switchForRun.passed;
      }, 10_000, 2);
      first.child.kill('SIGKILL');
      await first.exited;
    });
    killSwitch = switchForRun;

    await mailings.send(actor, mailing.id);
    if (killAt === null) {
      await waitUntil('the first message', async () => ours().length > 0, 30_000, 10);
      await sleep(closeAfterMs);
      switchForRun.close();
    }
    await switchForRun.killed;
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Mid-mailing: some accepted (and recorded), the rest not.
    const atKill = await countByStatus(mailing.id);
    const accepted = ours().length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(RECIPIENTS);
    expect(atKill.sent).toBe(accepted);
    if (killAt !== null) {
      expect(accepted).toBe(killAt - 1);
      // The Nth message was at the SMTP server, never answered: claimed ('sending') by a worker that is gone.
      expect(switchForRun.held).toBeDefined();
      expect(sink.to(switchForRun.held!)).toHaveLength(0);
      expect((await recipientsOf(api, mailing.id)).get(switchForRun.held!)).toMatchObject({ status: 'sending', attempts: 1 });
    }

    switchForRun.disarm();
    worker = await spawnWorker(workerEnv());
    // Nothing tells the new worker about the dead one: its sweep finds the mailing once the dead pump's
    // heartbeat is old, and the claimed rows once their lease (5 s) is over; that takes up to about 40 s.
    const done = await waitForMailingStatus(api, mailing.id, 'sent', 90_000);
    await sleep(1_000); // anything late would show up now
    expect(done.counts).toEqual({ total: RECIPIENTS, queued: 0, sent: RECIPIENTS, failed: 0, bounced: 0, skipped: 0 });
    expect(await countByStatus(mailing.id)).toEqual({ sent: RECIPIENTS });
    expect(duplicates(sink, mailing.id)).toEqual([]);
    expect(mailsOf(sink, mailing.id)).toHaveLength(RECIPIENTS);
    expect(new Set(ours().map((m) => m.to[0]))).toEqual(addresses);
    if (killAt !== null) {
      expect(sink.to(switchForRun.held!)).toHaveLength(1);
      expect((await recipientsOf(api, mailing.id)).get(switchForRun.held!)).toMatchObject({ status: 'sent', attempts: 2 });
    }
    await stopWorker(worker);
    worker = undefined;
    killSwitch = undefined;
    return { accepted, atKill };
  }

  it('killed while the 25th message is at the SMTP server (not yet accepted): after a restart every recipient has exactly one mail', async () => {
    await killAndRestart(25);
  }, 150_000);

  it('killed at a random moment mid-mailing: after a restart every recipient has exactly one mail', async () => {
    const closeAfterMs = 100 + Math.floor(Math.random() * 1_700);
    const { accepted, atKill } = await killAndRestart(null, closeAfterMs);
    // Printed so that a failure can be replayed with the same moment.
    console.info(`random kill ${closeAfterMs} ms after the first message: ${accepted} accepted, rows at the kill ${JSON.stringify(atKill)}`);
  }, 150_000);
});
