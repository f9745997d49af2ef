import { loadConfig } from '@keyport/config';
import { organisationNameKey } from '@keyport/crm';
import { freePort, migrateDatabase } from '@keyport/database';
import { EventsService } from '@keyport/events';
import { Role, UsersService } from '@keyport/users';
import autocannon from 'autocannon';
import { addSummary } from './summary';
import { Client, Pool } from 'pg';
import { createApp } from '../apps/api/src/setup-app';

const SIGNUPS = Number(process.env.BENCH_SIGNUPS ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 100);
const SEATS = Number(process.env.BENCH_SEATS ?? 150);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * The sign-up burst of issue 4: SIGNUPS sign-ups from CLIENTS concurrent clients over HTTP for one event
 * with SEATS seats (rate limit off), then, in the same run, the same transaction (keyport_register)
 * called straight over `pg` with the same concurrency: the database's own limit, for the ratio.
 */
export async function runSignupBench(): Promise<void> {
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = '/postgres';
  const database = `bench_signup_${Date.now()}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(server.toString());
  url.pathname = `/${database}`;
  try {
    await migrateDatabase({ url: url.toString() });
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: url.toString(),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `bench-${Date.now()}`,
      APP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      DB_POOL_SIZE: process.env.BENCH_POOL ?? '20',
      PORT: String(port),
    });
    const app = await createApp(config);
    await app.listen({ port, host: '127.0.0.1' });
    const organiser = await app.get(UsersService).create('system', { email: 'bench@keyport.local', name: 'Bench', role: Role.Organiser, password: 'bench-password' });
    const actor = { id: organiser.id, role: organiser.role, name: organiser.name, email: organiser.email };
    const events = app.get(EventsService);
    const makeEvent = async (title: string) => {
      const start = Date.now() + 7 * 864e5;
      const e = await events.create(actor, { title, format: 'symposium', programmeLines: ['innovation'], startsAt: new Date(start).toISOString(), endsAt: new Date(start + 7200e3).toISOString(), capacity: SEATS });
      return events.publish(actor, e.id);
    };

    // Over HTTP, the whole stack.
    const event = await makeEvent('Symposium bench');
    let n = 0;
    const started = Date.now();
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CLIENTS,
      amount: SIGNUPS,
      requests: [
        {
          method: 'POST',
          path: `/api/v1/public/events/${event.slug}/registrations`,
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            const i = n++;
            return { ...req, body: JSON.stringify({ firstName: 'Bench', lastName: `Deelnemer ${i}`, email: `bench.${i}@example.nl`, organisationName: `Bench BV ${i % 50}`, municipality: 'Roermond' }) };
          },
        },
      ],
    });
    const httpSeconds = (Date.now() - started) / 1000;
    const counts = await events.stats(event.id);
    const rawEvent = await makeEvent('Symposium raw');
    await app.close();

    // Straight to PostgreSQL: the same function, the same concurrency, no HTTP or Nest.
    const pool = new Pool({ connectionString: url.toString(), max: Math.min(CLIENTS, 90), application_name: 'bench-raw' });
    pool.on('error', () => undefined);
    let next = 0;
    const latencies: number[] = [];
    const rawStart = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < SIGNUPS) {
          const i = next++;
          const t = performance.now();
          await pool.query(`SELECT * FROM keyport_register($1, NULL, $2, 'Raw', $3, 'nl', false, 'bench', $4, $5, NULL, 'Roermond', 'roermond', true, 'entrepreneur', '{}', 'public', false)`, [
            rawEvent.id, `raw.${i}@example.nl`, `Deelnemer ${i}`, `Raw BV ${i % 50}`, organisationNameKey(`Raw BV ${i % 50}`),
          ]);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const rawSeconds = (Date.now() - rawStart) / 1000;
    const [raw] = (await pool.query(`SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed, count(*)::int AS total FROM registrations WHERE event_id = $1`, [rawEvent.id])).rows;
    await pool.end();
    latencies.sort((a, b) => a - b);

    const ok2xx = result['2xx'];
    console.log(`sign-up burst: ${SIGNUPS} sign-ups, ${CLIENTS} concurrent clients, ${SEATS} seats`);
    console.table([
      {
        path: 'HTTP (Fastify + Nest + keyport_register)',
        'sign-ups/s': Math.round(ok2xx / httpSeconds),
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        '2xx': ok2xx,
        'non-2xx': result.non2xx + result.errors,
        confirmed: counts.confirmed,
        waitlisted: counts.waitlisted,
        'exactly seats confirmed': counts.confirmed === SEATS,
      },
      {
        path: 'raw pg (the same function, the limit)',
        'sign-ups/s': Math.round(raw.total / rawSeconds),
        'p50 ms': Math.round(percentile(latencies, 50) * 10) / 10,
        'p99 ms': Math.round(percentile(latencies, 99) * 10) / 10,
        '2xx': raw.total,
        'non-2xx': 0,
        confirmed: raw.confirmed,
        waitlisted: raw.total - raw.confirmed,
        'exactly seats confirmed': raw.confirmed === SEATS,
      },
    ]);
    addSummary(
      'signup',
      `${SIGNUPS} sign-ups, ${CLIENTS} clients, ${SEATS} seats (HTTP)`,
      `${Math.round(ok2xx / httpSeconds)}/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ${counts.confirmed} confirmed`,
      `raw pg: ${Math.round(raw.total / rawSeconds)}/s, p50 ${Math.round(percentile(latencies, 50))} ms`,
    );
    console.log(`HTTP reaches ${Math.round(((ok2xx / httpSeconds) / (raw.total / rawSeconds)) * 100)}% of the raw PostgreSQL rate`);
  } finally {
    const left = await admin.query(`SELECT application_name, state FROM pg_stat_activity WHERE datname = $1`, [database]);
    if (left.rows.length) console.log('connections left open:', left.rows);
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
}
