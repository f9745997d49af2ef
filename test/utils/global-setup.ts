// Relative: the global setup runs outside jest's module mapping.
import { migrateDatabase, startEmbeddedPostgres } from '../../libs/database/src';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { Client } from 'pg';

/**
 * Finds real services for the test run, as a newcomer's machine or CI has them:
 * - PostgreSQL: DATABASE_URL's server, else an embedded PostgreSQL (var/test-postgres).
 * - Redis: REDIS_URL, else 127.0.0.1:6379, else a redis-server from the PATH on a free port, else none
 *   (the Redis tests then say they were skipped and why; with CI=true that is a failure).
 * Creates one fresh database for the run and applies every migration to it.
 */
export default async function globalSetup(): Promise<void> {
  const state = globalThis as unknown as { __keyport?: { stops: (() => Promise<void>)[]; dropDatabase?: () => Promise<void> } };
  const stops: (() => Promise<void>)[] = [];
  state.__keyport = { stops };

  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // A cluster of this run's own (several runs may go on at once), removed afterwards.
    const dir = mkdtempSync(join(tmpdir(), 'keyport-test-pg-'));
    const pg = await startEmbeddedPostgres(join(dir, 'data'), 'postgres');
    serverUrl = pg.url;
    stops.push(async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const server = new URL(serverUrl);
  server.pathname = '/postgres';
  const database = `keyport_test_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const testUrl = new URL(server.toString());
  testUrl.pathname = `/${database}`;
  process.env.TEST_PG_SERVER_URL = server.toString();
  process.env.TEST_DATABASE_URL = testUrl.toString();
  await migrateDatabase({ url: testUrl.toString() });
  state.__keyport.dropDatabase = async () => {
    const c = new Client({ connectionString: server.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.end();
  };

  const redis = await findRedis(stops);
  if (redis.url) {
    process.env.TEST_REDIS_URL = redis.url;
  } else {
    if (process.env.CI) throw new Error(`CI needs Redis for the tests: ${redis.why}`);
    process.env.TEST_REDIS_URL = '';
    process.env.TEST_REDIS_MISSING = redis.why;
    console.warn(`\n[tests] Redis-backed tests will be skipped: ${redis.why}\n`);
  }
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(500);
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function findRedis(stops: (() => Promise<void>)[]): Promise<{ url?: string; why: string }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, why: '' };
  if (await reachable('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', why: '' };
  const binary = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'redis-server')).find((p) => existsSync(p));
  if (!binary) return { why: 'no REDIS_URL, nothing on 127.0.0.1:6379 and no redis-server on the PATH' };
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  stops.push(async () => void child.kill('SIGTERM'));
  for (let i = 0; i < 50; i++) {
    if (await reachable('127.0.0.1', port)) return { url: `redis://127.0.0.1:${port}`, why: '' };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { why: `redis-server from ${binary} did not start` };
}
