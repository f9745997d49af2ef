import { loadConfig } from '@keyport/config';
import { freePort } from '@keyport/database';
import { RegistrationsService } from '@keyport/events';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { DataSource } from 'typeorm';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { testDatabaseUrl } from '../utils/services';
import { describeWithRedisServer } from '../utils/fault-redis';
import { SmtpSink } from '../utils/smtp-sink';

function redisServerPath(): string | undefined {
  try {
    return execSync('command -v redis-server', { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.end(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function startRedis(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 50));
  return child;
}

const binary = redisServerPath();

// A Redis of this test's own, so that stopping it does not disturb anything else.
describeWithRedisServer('the outbox while Redis is down (a redis-server of its own)', () => {
  let redis: ChildProcess;
  let port: number;
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(binary!, port);
    sink = await new SmtpSink().start();
    const env = { REDIS_URL: `redis://127.0.0.1:${port}`, SMTP_URL: sink.url, QUEUE_PREFIX: `outage-${Date.now()}` };
    api = await createTestApp(env);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: testDatabaseUrl(), APP_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env });
    worker = await NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { logger: false });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sink?.stop();
    redis?.kill('SIGKILL');
  });

  it('takes sign-ups while Redis is down and delivers their confirmations once it is back', async () => {
    const event = await newEvent(api, { capacity: 10 });
    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    expect(await reachable(port)).toBe(false);

    const email = `outage.${Date.now()}@example.nl`;
    const result = await api.get(RegistrationsService).register({ slug: event.slug }, { firstName: 'Olga', lastName: 'Uitval', email }, { source: 'public' });
    expect(result.status).toBe('confirmed');
    await new Promise((r) => setTimeout(r, 1_000));
    const pending = await api.get(DataSource).query(
      `SELECT count(*)::int AS n FROM job_outbox WHERE relayed_at IS NULL AND payload->>'registrationId' = $1`,
      [result.id],
    );
    expect(pending[0].n).toBe(1);
    expect(sink.to(email)).toHaveLength(0);

    redis = await startRedis(binary!, port);
    const [mail] = await sink.waitForTo(email, 1, 30_000);
    expect(mail.parsed.subject).toMatch(/^Aanmelding bevestigd/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sink.to(email)).toHaveLength(1);
  });
});
