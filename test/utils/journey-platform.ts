import { loadConfig } from '@keyport/config';
import { freePort, migrateDatabase } from '@keyport/database';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Browser } from 'playwright-core';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { createTestApp, TEST_SECRET } from './app';
import { launchBrowser } from './browser';
import { databaseUrlFor, pgServerUrl, testRedisUrl } from './services';
import { SmtpSink } from './smtp-sink';

/** The first admin of the fresh platform (ADMIN_EMAIL / ADMIN_PASSWORD, as a deployment sets them). */
export const JOURNEY_ADMIN = { email: 'beheer@keyport-journeys.example.nl', password: 'journeys-admin-password-01' };

export interface JourneyPlatform {
  app: NestFastifyApplication;
  worker: INestApplicationContext;
  browser: Browser;
  sink: SmtpSink;
  /** http://127.0.0.1:<port>, also the APP_URL of the links in the mails. */
  base: string;
  database: string;
  stop(): Promise<void>;
}

async function onServer<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: pgServerUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * A freshly started platform, as a deployment runs it: its own new PostgreSQL database (migrated at
 * start, as `npm start` does), Redis with a queue prefix of its own, the API on a free port with the
 * queue worker (apps/worker) beside it, and a real SMTP server catching every mail. `stop()` takes it
 * all down again and drops the database.
 */
export async function startJourneyPlatform(): Promise<JourneyPlatform> {
  const redisUrl = testRedisUrl();
  if (!redisUrl) throw new Error(`the journeys need Redis: ${process.env.TEST_REDIS_MISSING}`);
  const database = `keyport_journeys_${randomBytes(6).toString('hex')}`;
  await onServer((c) => c.query(`CREATE DATABASE "${database}"`));
  const stops: (() => Promise<unknown>)[] = [() => onServer((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((error) => console.warn(`[journeys] stopping: ${error}`));
  };
  try {
    const sink = await new SmtpSink().start();
    stops.push(() => sink.stop());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: databaseUrlFor(database),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: `journeys-${database}`,
      WORKER_IN_PROCESS: 'false',
      SMTP_URL: sink.url,
      APP_URL: base,
      ADMIN_EMAIL: JOURNEY_ADMIN.email,
      ADMIN_PASSWORD: JOURNEY_ADMIN.password,
    };
    await migrateDatabase({ url: env.DATABASE_URL });
    const app = await createTestApp(env);
    stops.push(() => app.close());
    await app.listen({ port, host: '127.0.0.1' });
    const worker = await NestFactory.createApplicationContext(
      WorkerAppModule.forRoot(loadConfig({ NODE_ENV: 'test', APP_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', DB_POOL_SIZE: '5', ...env })),
      { logger: false },
    );
    stops.push(() => worker.close());
    await worker.init();
    const browser = await launchBrowser();
    stops.push(() => browser.close());
    return { app, worker, browser, sink, base, database, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
