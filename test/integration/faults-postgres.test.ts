import { migrateDatabase } from '@keyport/database';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { PrivatePostgres } from '../utils/fault-postgres';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * PostgreSQL stopped and started again under the running API, for real: a server of this test's own
 * (the one every other test uses is never touched), stopped the way a restart stops it (fast shutdown:
 * every session is ended) and, in a second round, the way a crash does (immediate shutdown).
 */
describe('PostgreSQL restarted while the API serves (a private PostgreSQL server)', () => {
  let pg: PrivatePostgres;
  let app: NestFastifyApplication;
  let slug: string;
  let signUps = 0;

  const signUp = () => {
    const n = ++signUps;
    return app.inject({
      method: 'POST',
      url: `/api/v1/public/events/${slug}/registrations`,
      payload: { firstName: 'Piet', lastName: `Herstart ${n}`, email: `pg.restart.${n}.${Date.now()}@example.nl` },
    });
  };
  const apiList = () => app.inject({ method: 'GET', url: '/api/v1/public/events' });
  const page = () => app.inject({ method: 'GET', url: '/events', headers: { accept: 'text/html' } });
  const health = () => app.inject({ method: 'GET', url: '/health' });

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    const url = await pg.createDatabase('keyport_faults');
    await migrateDatabase({ url });
    // Without Redis: the API runs the jobs itself, so its relay and timers meet the outage too.
    app = await createTestApp({ DATABASE_URL: url, REDIS_URL: undefined });
    slug = (await newEvent(app, { capacity: 500 })).slug;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pg?.destroy();
  });

  /** Requests sent without pause from `start` to `stop`: every status seen, and how long the slowest took. */
  function backgroundLoad() {
    const statuses = new Map<number, number>();
    let slowest = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const started = Date.now();
        const responses = await Promise.all([apiList(), signUp(), page()]);
        slowest = Math.max(slowest, Date.now() - started);
        for (const r of responses) statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        await sleep(50);
      }
    })();
    return {
      statuses,
      slowest: () => slowest,
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  async function outageAndRecovery(mode: 'fast' | 'immediate') {
    expect((await health()).statusCode).toBe(200);
    expect((await signUp()).statusCode).toBe(201);
    const load = backgroundLoad();
    await sleep(300);

    await pg.halt(mode);
    const downAt = Date.now();

    // During the outage: 503 with a clear message, JSON for /api, a page for the HTML routes.
    const api = await apiList();
    expect(api.statusCode).toBe(503);
    expect(api.headers['content-type']).toMatch(/application\/json/);
    expect(api.headers['retry-after']).toBe('5');
    expect(api.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'The database is temporarily unavailable. Please try again in a moment.' });
    const post = await signUp();
    expect(post.statusCode).toBe(503);
    expect(post.json().message).toMatch(/database is temporarily unavailable/);
    const html = await page();
    expect(html.statusCode).toBe(503);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('Tijdelijk niet beschikbaar');
    expect(html.body).toContain('Een onderdeel van het platform is even niet bereikbaar');
    const htmlEn = await app.inject({ method: 'GET', url: '/events?lang=en', headers: { accept: 'text/html' } });
    expect(htmlEn.statusCode).toBe(503);
    expect(htmlEn.body).toContain('Temporarily unavailable');
    for (const r of [api, post, html]) expect(r.body).not.toMatch(/SELECT|ECONNREFUSED|at .*\.js:\d+|stack/i);

    // /health says which part is down.
    const h = await health();
    expect(h.statusCode).toBe(503);
    expect(h.json()).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    expect(h.json().info?.database).toBeUndefined();
    expect(Date.now() - downAt).toBeLessThan(15_000);
    await sleep(2_000);

    // PostgreSQL back: the same process recovers by itself.
    await pg.resume();
    const backAt = Date.now();
    let healthy = 0;
    while ((await health()).statusCode !== 200) {
      if (Date.now() - backAt > 15_000) throw new Error('/health did not answer 200 within 15 s of PostgreSQL being back');
      await sleep(100);
    }
    healthy = Date.now() - backAt;
    expect((await apiList()).statusCode).toBe(200);
    expect((await page()).statusCode).toBe(200);
    const after = await signUp();
    expect(after.statusCode).toBe(201);
    expect(after.json()).toMatchObject({ status: 'confirmed' });
    await sleep(500);
    await load.stop();

    // Under load across the whole stop and start, never anything but success or 503: no 500, no hang.
    const seen = Object.fromEntries(load.statuses);
    expect(Object.keys(seen).map(Number).sort()).toEqual(expect.arrayContaining([503]));
    for (const status of Object.keys(seen).map(Number)) expect([200, 201, 503]).toContain(status);
    expect(load.slowest()).toBeLessThan(10_000);
    console.info(`PostgreSQL ${mode} stop: back to healthy ${healthy} ms after the server; statuses under load ${JSON.stringify(seen)}, slowest ${load.slowest()} ms`);
  }

  it('a restart (fast shutdown): 503 with a clear message during the outage, /health says the database is down, then recovers without a restart', async () => {
    await outageAndRecovery('fast');
  }, 60_000);

  it('a crash (immediate shutdown, recovery at start): the same', async () => {
    await outageAndRecovery('immediate');
  }, 60_000);
});
