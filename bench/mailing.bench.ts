import { addSummary } from './summary';
import { loggerOptions } from '@keyport/common';
import { ConfigModule, loadConfig } from '@keyport/config';
import { DatabaseModule, migrateDatabase } from '@keyport/database';
import { EventsModule, EventsService } from '@keyport/events';
import { MailModule } from '@keyport/mail';
import { MailingsModule, MailingsService, MailTemplatesService, RecipientVariables } from '@keyport/mailings';
import { QueueModule } from '@keyport/queue';
import { Role, UsersModule, UsersService } from '@keyport/users';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';

/**
 * Issue 5's figures: a BENCH_RECIPIENTS-recipient mailing (default 10,000) sent by the real worker (a child
 * process on Redis) to a local SMTP sink in this process: time to enqueue (MailingsService.send until every
 * recipient row exists), messages per second delivered, the worker's peak RSS; then, in the same run, a plain
 * nodemailer loop with the same pool (5 connections) and concurrency (5) sending the same number of
 * pre-rendered messages to the same sink: the limit, for the ratio. Every recipient must get exactly one.
 */

const CONCURRENCY = 5;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** The API's modules that MailingsService needs, without the HTTP layer and without consuming jobs. */
@Module({})
class MailingBenchModule {
  static forRoot(config: ReturnType<typeof loadConfig>): DynamicModule {
    return {
      module: MailingBenchModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config.app.logLevel)),
        DatabaseModule.forRoot({ ...config.db, applicationName: 'bench-mailing' }),
        QueueModule.forRoot({ redisUrl: config.redis.url, prefix: config.redis.prefix }),
        MailModule,
        UsersModule,
        EventsModule,
        MailingsModule,
      ],
    };
  }
}

/** Accepts every message at once and counts them per recipient, per phase; nothing is parsed or kept. */
class CountingSink {
  counts = new Map<string, number>();
  total = 0;
  firstAt = 0;
  lastAt = 0;
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      maxClients: 100,
      onData: (stream, session, callback) => {
        stream.on('data', () => undefined);
        stream.on('end', () => {
          const now = performance.now();
          if (!this.total) this.firstAt = now;
          this.lastAt = now;
          this.total++;
          for (const r of session.envelope.rcptTo) {
            const key = r.address.toLowerCase();
            this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
          }
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  reset(): void {
    this.counts = new Map();
    this.total = 0;
    this.firstAt = 0;
    this.lastAt = 0;
  }

  /** Duplicates (extra copies), missing and unexpected addresses against the expected ones. */
  check(expected: Iterable<string>): { duplicates: number; missing: number; unexpected: number } {
    const want = new Set(expected);
    let duplicates = 0;
    let missing = 0;
    let unexpected = 0;
    for (const address of want) {
      const n = this.counts.get(address) ?? 0;
      if (n === 0) missing++;
      else duplicates += n - 1;
    }
    for (const address of this.counts.keys()) if (!want.has(address)) unexpected++;
    return { duplicates, missing, unexpected };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A child process's RSS (VmRSS) and CPU time (utime + stime), sampled every 200 ms. */
class ProcessSampler {
  peakKb = 0;
  lastKb = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly ticks = 100; // USER_HZ on Linux

  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  sample(): void {
    try {
      const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) {
        this.lastKb = Number(match[1]);
        this.peakKb = Math.max(this.peakKb, this.lastKb);
      }
    } catch {
      // the process is gone
    }
  }

  cpuSeconds(): number {
    try {
      const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / this.ticks;
    } catch {
      return NaN;
    }
  }

  resetPeak(): void {
    this.sample();
    this.peakKb = this.lastKb;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** CPU seconds (utime + stime) of every process with this command name (postgres, redis-server); 0 where /proc does not show it. */
function cpuOfCommand(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== command) continue;
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const mb = (kb: number) => Math.round(kb / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dbStats(admin: Client, database: string): Promise<{ commits: number; updated: number; inserted: number; returned: number }> {
  const [r] = (
    await admin.query(
      `SELECT xact_commit::bigint AS commits, tup_updated::bigint AS updated, tup_inserted::bigint AS inserted, tup_returned::bigint AS returned
         FROM pg_stat_database WHERE datname = $1`,
      [database],
    )
  ).rows;
  return { commits: Number(r.commits), updated: Number(r.updated), inserted: Number(r.inserted), returned: Number(r.returned) };
}

async function redisCommands(redis: IORedis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

export async function runMailingBench(): Promise<void> {
  const recipients = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
  const rate = process.env.BENCH_MAIL_RATE ?? '10000';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-mailing-${Date.now()}`;
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = '/postgres';
  const database = `bench_mailing_${Date.now()}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(server.toString());
  url.pathname = `/${database}`;

  const sink = await new CountingSink().start();
  const smtpUrl = `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`;
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  let app: INestApplicationContext | undefined;
  let worker: ChildProcess | undefined;
  let sampler: ProcessSampler | undefined;
  const db = new Client({ connectionString: url.toString(), application_name: 'bench-mailing-setup' });
  try {
    await db.connect();
    await migrateDatabase({ url: url.toString() });
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: url.toString(),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      APP_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      SMTP_URL: smtpUrl,
      MAIL_RATE_PER_SECOND: rate,
    });
    app = await NestFactory.createApplicationContext(MailingBenchModule.forRoot(config), { logger: ['error', 'warn'] });

    // 1. Data: an organiser, ~10 people per organisation (current employment), all with consent; a template; an event.
    let t0 = performance.now();
    const organiser = await app.get(UsersService).create('system', { email: 'bench.organiser@keyport.local', name: 'Bench Organiser', role: Role.Organiser, password: 'bench-password' });
    const actor = { id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email };
    const organisations = Math.max(1, Math.ceil(recipients / 10));
    await db.query(
      `INSERT INTO organisations (name, name_key, type, municipality, municipality_key, in_region, sector, tags)
       SELECT 'Bench Techniek ' || g || ' B.V.', 'bench techniek ' || g, 'company', 'Roermond', 'roermond', true, 'Techniek', ARRAY['bench']
         FROM generate_series(1, $1) g`,
      [organisations],
    );
    await db.query(
      `INSERT INTO contacts (first_name, last_name, email, language, mailing_consent, consent_at, consent_source, interests)
       SELECT (ARRAY['Anouk','Bram','Sanne','Tom','Lotte','Joep','Eva','Luuk','Noor','Stijn'])[1 + g % 10], 'Bench ' || g,
              'bench.' || g || '@example.nl', CASE WHEN g % 5 = 0 THEN 'en' ELSE 'nl' END, true, now(), 'bench', ARRAY['innovation']
         FROM generate_series(1, $1) g`,
      [recipients],
    );
    await db.query(
      `INSERT INTO contact_organisations (contact_id, organisation_id, role, started_on)
       SELECT c.id, o.id, 'Medewerker', DATE '2024-01-01'
         FROM contacts c
         JOIN organisations o ON o.name_key = 'bench techniek ' || ((substring(c.email FROM '^bench\\.(\\d+)@')::int % $1) + 1)
        WHERE c.email LIKE 'bench.%@example.nl'`,
      [organisations],
    );
    await db.query('ANALYZE');
    const template = await app.get(MailTemplatesService).create(actor, {
      name: 'Bench uitnodiging',
      nl: {
        subject: 'Uitnodiging: {{event.title}} op {{event.date}}',
        html: '<p>Beste {{contact.firstName}},</p><p>Namens {{sender.name}} nodigen wij u en uw collega\'s van {{organisation.name}} uit voor <strong>{{event.title}}</strong> op {{event.date}} om {{event.time}} in {{event.venue}}, {{event.address}}.</p><p><a href="{{signUpUrl}}">Meld u hier aan</a></p><p>Geen uitnodigingen meer? <a href="{{unsubscribeUrl}}">Afmelden</a></p>',
        text: 'Beste {{contact.firstName}},\n\nWij nodigen u uit voor {{event.title}} op {{event.date}} om {{event.time}} in {{event.venue}}.\n\nAanmelden: {{signUpUrl}}\nAfmelden: {{unsubscribeUrl}}',
      },
      en: {
        subject: 'Invitation: {{event.title}} on {{event.date}}',
        html: '<p>Dear {{contact.firstName}},</p><p>On behalf of {{sender.name}} we invite you and your colleagues at {{organisation.name}} to <strong>{{event.title}}</strong> on {{event.date}} at {{event.time}} in {{event.venue}}, {{event.address}}.</p><p><a href="{{signUpUrl}}">Sign up here</a></p><p>No more invitations? <a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
        text: 'Dear {{contact.firstName}},\n\nWe invite you to {{event.title}} on {{event.date}} at {{event.time}} in {{event.venue}}.\n\nSign up: {{signUpUrl}}\nUnsubscribe: {{unsubscribeUrl}}',
      },
    });
    const events = app.get(EventsService);
    const start = Date.now() + 14 * 864e5;
    const draft = await events.create(actor, {
      title: 'Ontbijtsessie Smart Industry (bench)', format: 'symposium', programmeLines: ['innovation'],
      startsAt: new Date(start).toISOString(), endsAt: new Date(start + 7200e3).toISOString(), capacity: 500,
      venue: 'Gilde Opleidingen', address: 'Bisschop Lindanussingel 1, Roermond', municipality: 'Roermond',
    } as never);
    const event = await events.publish(actor, draft.id);
    const setupSeconds = (performance.now() - t0) / 1000;
    console.log(`mailing: ${recipients.toLocaleString('en')} contacts with consent in ${organisations.toLocaleString('en')} organisations, set up in ${setupSeconds.toFixed(1)} s; database ${database}, queue prefix ${prefix}, sink port ${sink.port}, MAIL_RATE_PER_SECOND ${rate}`);

    // 3. The worker, a real child process.
    const workerMain = join(__dirname, '..', 'apps', 'worker', 'src', 'main.js');
    worker = spawn(process.execPath, [workerMain], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl,
        SMTP_URL: smtpUrl,
        APP_SECRET: SECRET,
        QUEUE_PREFIX: prefix,
        MAIL_RATE_PER_SECOND: rate,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let workerLines = 0;
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() && workerLines++ < 20) console.log(`  [worker] ${line.slice(0, 300)}`);
      }
    };
    worker.stdout!.on('data', relay);
    worker.stderr!.on('data', relay);
    let workerExit: string | undefined;
    worker.on('exit', (code, signal) => (workerExit = `exit ${code ?? signal}`));
    sampler = new ProcessSampler(worker.pid!);
    t0 = performance.now();
    const mailingsQueue = new Queue('mailings', { connection: redis, prefix });
    for (;;) {
      if (workerExit) throw new Error(`the worker stopped during start-up (${workerExit})`);
      if ((await mailingsQueue.getWorkersCount()) > 0 && (await mailingsQueue.getJobSchedulersCount()) > 0) break;
      if (performance.now() - t0 > 60_000) throw new Error('the worker did not start within 60 s');
      await sleep(100);
    }
    await sleep(500); // the outbox relay starts right after the schedulers
    const startupSeconds = (performance.now() - t0) / 1000;
    const idleRssKb = (sampler.sample(), sampler.lastKb);
    sampler.resetPeak();

    // 4. Create and send through MailingsService; the worker delivers.
    const mailings = app.get(MailingsService);
    const mailing = await mailings.create(actor, { name: 'Bench mailing', templateId: template.id, eventId: event.id, filters: { municipalities: ['Roermond'] } });
    const before = await dbStats(admin, database);
    const redisBefore = await redisCommands(redis);
    const cpuBefore = sampler.cpuSeconds();
    const cpu0 = { pg: cpuOfCommand('postgres'), redis: cpuOfCommand('redis-server'), own: ownCpu() };
    const sendStartEpoch = Date.now();
    const sendStart = performance.now();
    const sent = await mailings.send(actor, mailing.id);
    const sendReturned = performance.now();
    const enqueueSeconds = (sendReturned - sendStart) / 1000;
    const [rowCount] = (await db.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'queued')::int AS queued FROM mailing_recipients WHERE mailing_id = $1`, [mailing.id])).rows;
    if (rowCount.total !== recipients) console.log(`  NOTE: ${rowCount.total} recipient rows for ${recipients} contacts (view says ${sent.counts.total})`);
    const expected: string[] = (await db.query(`SELECT email_key FROM mailing_recipients WHERE mailing_id = $1 AND status = 'queued'`, [mailing.id])).rows.map((r) => r.email_key);

    const timeoutMs = Math.max(180_000, recipients * 50);
    let lastReport = performance.now();
    let status = sent.status as string;
    for (;;) {
      const now = performance.now();
      if (sink.total >= expected.length) {
        [{ status }] = (await db.query(`SELECT status FROM mailings WHERE id = $1`, [mailing.id])).rows;
        if (status === 'sent') break;
      }
      if (workerExit) throw new Error(`the worker stopped (${workerExit}) with ${sink.total} of ${expected.length} delivered`);
      if (now - sendStart > timeoutMs) throw new Error(`gave up after ${Math.round(timeoutMs / 1000)} s: ${sink.total} of ${expected.length} delivered, mailing ${status}`);
      if (now - lastReport > 10_000) {
        lastReport = now;
        console.log(`  … ${sink.total.toLocaleString('en')} delivered after ${((now - sendStart) / 1000).toFixed(0)} s, worker rss ${mb(sampler.lastKb)} MB`);
      }
      await sleep(sink.total >= expected.length ? 50 : 20);
    }
    const doneAt = performance.now();
    sampler.sample();
    const cpuAfter = sampler.cpuSeconds();
    const cpu1 = { pg: cpuOfCommand('postgres'), redis: cpuOfCommand('redis-server'), own: ownCpu() };
    const after = await dbStats(admin, database);
    const redisAfter = await redisCommands(redis);
    const peakRssKb = sampler.peakKb;
    const firstMessageSeconds = (sink.firstAt - sendStart) / 1000;
    const deliverSeconds = (doneAt - sendReturned) / 1000;
    const endToEndSeconds = (doneAt - sendStart) / 1000;
    const sinkWindowSeconds = (sink.lastAt - sink.firstAt) / 1000;
    const workerCheck = sink.check(expected);
    const workerDelivered = sink.total;
    const final = await mailings.get(mailing.id);
    const pumpJobs = (await mailingsQueue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'], 0, 10_000))
      .filter((j) => j.name === 'mailing-pump')
      .sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
    const pumps = pumpJobs.length;
    const at = (ms?: number) => (ms ? ((ms - sendStartEpoch) / 1000).toFixed(1) : '-');
    const pumpTimeline = pumpJobs.map((j) => `${at(j.processedOn)}–${at(j.finishedOn)} s`).join(', ');
    await mailingsQueue.close();

    // 5. The limit: plain nodemailer, same pool and concurrency, the same number of messages, pre-rendered.
    const source = await mailings.source(mailing.id);
    const compiled = mailings.compile(source.content);
    const rows: { contact_id: string; email: string; language: 'nl' | 'en'; id: string }[] = (
      await db.query(`SELECT id, contact_id, email, language FROM mailing_recipients WHERE mailing_id = $1 ORDER BY id`, [mailing.id])
    ).rows;
    const variables = new Map<string, RecipientVariables>();
    for (const lang of ['nl', 'en'] as const) {
      for (const [k, v] of await mailings.variables(source, rows.filter((r) => r.language === lang).map((r) => r.contact_id), lang)) variables.set(`${lang}:${k}`, v);
    }
    const renderStart = performance.now();
    const messages = rows.map((row) => {
      const v = variables.get(`${row.language}:${row.contact_id}`)!;
      const mail = compiled.render(row.language, v);
      return {
        from: config.mail.from,
        to: row.email,
        replyTo: source.sender.email,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: `<plain-${source.id}-${row.id}@keyport.platform>`,
        headers: { 'List-Unsubscribe': `<${v.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Keyport-Mailing': source.id, Precedence: 'bulk' },
      };
    });
    const renderMs = (performance.now() - renderStart) / rows.length;
    sink.reset();
    const transport = createTransport({ url: smtpUrl, pool: true, maxConnections: 5, ignoreTLS: true } as never);
    let next = 0;
    let plainErrors = 0;
    const plainCpu0 = { pg: cpuOfCommand('postgres'), own: ownCpu() };
    const plainStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < messages.length) {
          const m = messages[next++];
          try {
            await transport.sendMail(m);
          } catch {
            plainErrors++;
          }
        }
      }),
    );
    const plainSeconds = (performance.now() - plainStart) / 1000;
    const plainOwnCpu = ownCpu() - plainCpu0.own;
    transport.close();
    const plainCheck = sink.check(messages.map((m) => m.to.toLowerCase()));
    const plainDelivered = sink.total;

    // 6. The figures.
    const delivered = workerDelivered;
    const workerRate = expected.length / deliverSeconds;
    const plainRate = plainDelivered / plainSeconds;
    const commits = after.commits - before.commits;
    const updated = after.updated - before.updated;
    const redisCmds = redisAfter - redisBefore;
    const workerCpu = cpuAfter - cpuBefore;
    addSummary('mailing', `${expected.length.toLocaleString('en')}-recipient mailing: time to enqueue`, `${enqueueSeconds.toFixed(2)} s`);
    addSummary(
      'mailing',
      'delivered by the worker (pool 5)',
      `${Math.round(workerRate)} msg/s; ${workerCheck.duplicates} duplicates, ${workerCheck.missing} missing`,
      `plain nodemailer loop: ${Math.round(plainRate)} msg/s (${Math.round((workerRate / plainRate) * 100)}%)`,
    );
    addSummary('mailing', 'worker peak RSS', `${mb(peakRssKb)} MB (idle ${mb(idleRssKb)} MB)`);
    console.log(`  worker up in ${startupSeconds.toFixed(1)} s (idle rss ${mb(idleRssKb)} MB); first message at the sink ${firstMessageSeconds.toFixed(2)} s after the send call; ${pumps} mailing-pump job(s), ran ${pumpTimeline}`);
    console.table([
      { figure: 'time to enqueue (send → every recipient row, call returned)', value: `${enqueueSeconds.toFixed(2)} s (${rowCount.total.toLocaleString('en')} rows)` },
      { figure: 'delivered (send returned → sink has all, mailing sent)', value: `${Math.round(workerRate)} msg/s (${deliverSeconds.toFixed(1)} s)` },
      { figure: 'end to end (send call → sent)', value: `${endToEndSeconds.toFixed(1)} s; sink window first→last ${sinkWindowSeconds.toFixed(1)} s` },
      { figure: 'worker peak RSS (VmRSS every 200 ms)', value: `${mb(peakRssKb)} MB (idle ${mb(idleRssKb)} MB)` },
      { figure: 'worker CPU during the mailing', value: `${workerCpu.toFixed(1)} s = ${Math.round((workerCpu / endToEndSeconds) * 100)}% of one core, ${((workerCpu / delivered) * 1000).toFixed(2)} ms/message` },
      {
        figure: 'other CPU during the mailing (2 cores)',
        value: `PostgreSQL ${(cpu1.pg - cpu0.pg).toFixed(1)} s, Redis ${(cpu1.redis - cpu0.redis).toFixed(1)} s, bench process (sink) ${(cpu1.own - cpu0.own).toFixed(1)} s, over ${endToEndSeconds.toFixed(1)} s`,
      },
      { figure: 'plain nodemailer (pool 5, concurrency 5, pre-rendered)', value: `${Math.round(plainRate)} msg/s (${plainSeconds.toFixed(1)} s, ${plainErrors} errors; client + sink CPU ${plainOwnCpu.toFixed(1)} s = ${Math.round((plainOwnCpu / plainSeconds) * 100)}% of one core)` },
      { figure: 'rendering one message (CompiledContent.render, in this process)', value: `${renderMs.toFixed(2)} ms` },
      { figure: 'ratio worker / plain', value: `${Math.round((workerRate / plainRate) * 100)}%` },
      { figure: 'worker: duplicates / missing / unexpected', value: `${workerCheck.duplicates} / ${workerCheck.missing} / ${workerCheck.unexpected} (${delivered} messages; mailing ${final.status}, sent ${final.counts.sent}, failed ${final.counts.failed}, skipped ${final.counts.skipped})` },
      { figure: 'plain: duplicates / missing / unexpected', value: `${plainCheck.duplicates} / ${plainCheck.missing} / ${plainCheck.unexpected} (${plainDelivered} messages)` },
      { figure: 'PostgreSQL during the mailing, per message', value: `${(commits / delivered).toFixed(2)} commits, ${(updated / delivered).toFixed(2)} rows updated (${commits} commits, ${updated} updates)` },
      { figure: 'Redis commands during the mailing, per message', value: `${(redisCmds / delivered).toFixed(2)} (${redisCmds}; the server is shared)` },
    ]);
  } finally {
    sampler?.stop();
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await app?.close();
    await sink.stop();
    // The queue's keys under this run's prefix.
    try {
      let cursor = '0';
      do {
        const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = nextCursor;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    } catch (error) {
      console.log(`could not remove the Redis keys of ${prefix}: ${(error as Error).message}`);
    }
    redis.disconnect();
    await db.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}
