import { TokenSigner } from '@keyport/common';
import { EventsService, RegistrationsService } from '@keyport/events';
import { SubscriptionsService } from '@keyport/mailings';
import { Role } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { createTestApp, TEST_SECRET } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { AppRoute, appRoutes, installRouteRecorder, leaks, samplePath } from '../utils/routes';
import { testRedisUrl } from '../utils/services';

// Before any app exists: every Fastify instance records its routes (see test/utils/routes.ts).
installRouteRecorder();

type InjectResponse = Awaited<ReturnType<NestFastifyApplication['inject']>>;
type Caller = 'anonymous' | Role;

const CALLERS: Caller[] = ['anonymous', Role.AccountManager, Role.Organiser, Role.Admin];
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORM = 'application/x-www-form-urlencoded';

/**
 * Where a @Public route may live. A route elsewhere that is marked @Public (a staff route made public by
 * mistake) fails the inventory test below. /metrics is @Public but checks its own token (tested below).
 */
const PUBLIC_AREAS = [
  /^\/$/, /^\/health$/, /^\/metrics$/, /^\/login$/, /^\/logout$/, /^\/privacy$/, /^\/events(\/|$)/, /^\/registrations\//, /^\/unsubscribe\//,
  /^\/api\/v1\/public\//, /^\/api\/v1\/auth\/login$/, /^\/assets\//,
];
/** Routes added to Fastify outside Nest that are public by design: static files and the OpenAPI document. */
const NON_NEST_PUBLIC = [/^\/assets\//, /^\/api\/docs(\/|-json$|-yaml$|$)/];

const isNonNestPublic = (r: AppRoute): boolean => !r.nest && NON_NEST_PUBLIC.some((re) => re.test(r.url));
/** Staff routes: everything that is neither @Public nor a public static/doc route outside Nest. */
const isStaffRoute = (r: AppRoute): boolean => !r.isPublic && !isNonNestPublic(r);
const key = (r: AppRoute): string => `${r.method} ${r.url}`;

/**
 * Who may call a route, exactly as AuthGuard decides: admins always; otherwise the roles of @Roles, or any
 * logged-in staff member without it. A route outside Nest (bull-board's, say) has no @Roles to read: the
 * matrix expects the strictest, admin only (or closed to all); such a plugin must guard itself.
 */
function allowed(route: AppRoute, caller: Caller): boolean {
  if (caller === 'anonymous') return false;
  if (caller === Role.Admin) return true;
  if (!route.nest) return false;
  return !route.roles || route.roles.includes(caller);
}

const sessionCookie = (res: InjectResponse): string | undefined =>
  (res.cookies as { name: string; value: string }[]).find((c) => c.name === 'keyport_session' && c.value !== '')?.value;
const formToken = (html: string): string | undefined => html.match(/name="_csrf" value="([^"]+)"/)?.[1];
const cookieHeader = (cookie: string): string => `keyport_session=${encodeURIComponent(cookie)}`;

interface Credentials {
  /** Bearer token for /api (none for anonymous). */
  bearer?: string;
  /** The page session cookie (anonymous too: it carries the form-token secret). */
  cookie: string;
  /** A valid form token for that session. */
  csrf: string;
}

/** A page session as a browser gets it: the login form, the login post, the start page (with the form token). */
async function pageSession(app: NestFastifyApplication, email?: string): Promise<{ cookie: string; csrf: string }> {
  const form = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
  let cookie = sessionCookie(form);
  let csrf = formToken(form.body);
  if (!cookie || !csrf) throw new Error('the login page set no session or form token');
  if (!email) return { cookie, csrf };
  const login = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { accept: 'text/html', 'content-type': FORM, cookie: cookieHeader(cookie) },
    payload: new URLSearchParams({ email, password: TEST_PASSWORD, next: '/', _csrf: csrf }).toString(),
  });
  if (login.statusCode !== 303) throw new Error(`login of ${email} answered ${login.statusCode}`);
  cookie = sessionCookie(login) ?? cookie;
  const home = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html', cookie: cookieHeader(cookie) } });
  cookie = sessionCookie(home) ?? cookie;
  csrf = formToken(home.body);
  if (!csrf) throw new Error(`the start page of ${email} has no form token`);
  return { cookie, csrf };
}

async function credentials(app: NestFastifyApplication, caller: Caller): Promise<Credentials> {
  if (caller === 'anonymous') return pageSession(app);
  const user = await newUser(app, caller);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: TEST_PASSWORD } });
  if (login.statusCode !== 200) throw new Error(`API login of ${caller} answered ${login.statusCode}`);
  return { bearer: login.json().token, ...(await pageSession(app, user.email)) };
}

/**
 * One request to a route with the auth kind its area takes: Bearer for /api; for pages the session
 * cookie, and for unsafe methods the session's form token and the same-site signal a browser sends.
 */
function requestFor(route: AppRoute, creds: Credentials | undefined, url = samplePath(route.url)) {
  const unsafe = UNSAFE.has(route.method);
  if (route.api) {
    return {
      method: route.method as 'GET',
      url,
      headers: creds?.bearer ? { authorization: `Bearer ${creds.bearer}` } : {},
      ...(unsafe && route.method !== 'DELETE' ? { payload: {} } : {}),
    };
  }
  return {
    method: route.method as 'GET',
    url,
    headers: {
      accept: 'text/html',
      ...(creds ? { cookie: cookieHeader(creds.cookie) } : {}),
      ...(unsafe ? { 'content-type': FORM, 'sec-fetch-site': 'same-origin' } : {}),
    },
    ...(unsafe ? { payload: creds ? `_csrf=${encodeURIComponent(creds.csrf)}` : '' } : {}),
  };
}

const redirectsToLogin = (res: InjectResponse): boolean => res.statusCode >= 300 && res.statusCode < 400 && String(res.headers.location ?? '').startsWith('/login');
/** Not let in: 401 (API; a plugin's own API under a page path), a redirect to the login page, or 403. */
const refused = (res: InjectResponse): boolean => res.statusCode === 401 || res.statusCode === 403 || redirectsToLogin(res);

/** What went wrong with one response, or null: the expectation derived from the route's metadata. */
function mismatch(route: AppRoute, caller: Caller, res: InjectResponse): string | null {
  const status = res.statusCode;
  const roles = `roles: ${route.nest ? (route.roles?.join(',') ?? 'any staff') : 'outside Nest, admin'}`;
  if (status >= 500) return `${status} (server error)`;
  if (status >= 400 && leaks(res.body).length) return `${status} leaks ${leaks(res.body).join(', ')}`;
  if (caller === 'anonymous') {
    if (route.api) return status === 401 ? null : `${status}, expected 401`;
    if (redirectsToLogin(res) || (!route.nest && status === 401)) return null;
    return `${status} ${res.headers.location ?? ''}, expected a redirect to /login`;
  }
  if (!allowed(route, caller)) return status === 403 ? null : `${status}, expected 403 (${roles})`;
  // A plugin may close some of its routes to everyone (bull-board's "add job", say): stricter is fine there.
  if (!route.nest && status === 403) return null;
  if (refused(res)) return `${status} ${res.headers.location ?? ''}, expected access (${roles})`;
  return null;
}

/** The matrix for one caller over some routes: the list of what did not match. */
async function matrix(app: NestFastifyApplication, routes: AppRoute[], caller: Caller, creds: Credentials): Promise<string[]> {
  const failures: string[] = [];
  for (const route of routes) {
    const res = await app.inject(requestFor(route, creds));
    const wrong = mismatch(route, caller, res);
    if (wrong) failures.push(`${key(route)} [${route.controller ?? 'outside Nest'}.${route.handler ?? ''}]: ${wrong}`);
  }
  return failures;
}

/**
 * The app as deployed: with Redis when there is one (then bull-board serves /admin/queues, outside Nest);
 * the routes only the other configuration has (without Redis) get the matrix in a second app below.
 */
const redisUrl = testRedisUrl();

describe(`security matrix: every staff route × every caller, from the router (${redisUrl ? 'with Redis' : 'without Redis'})`, () => {
  let app: NestFastifyApplication;
  let routes: AppRoute[];
  let staff: AppRoute[];
  const creds = {} as Record<Caller, Credentials>;

  beforeAll(async () => {
    app = await createTestApp(redisUrl ? { REDIS_URL: redisUrl } : {});
    routes = appRoutes(app);
    staff = routes.filter(isStaffRoute);
    // Anonymous: a real browser without login (a session holding only the form-token secret).
    for (const caller of CALLERS) creds[caller] = await credentials(app, caller);
  });
  afterAll(() => app?.close());

  it('knows every route: public ones only in the public area, nothing else outside Nest but static files and the API document', () => {
    expect(routes.length).toBeGreaterThan(100);
    // A sample of areas, so a broken recorder (no routes) cannot pass silently.
    for (const prefix of ['/api/v1/users', '/api/v1/events', '/crm/', '/manage/', '/admin/', '/api/v1/targets', '/dashboard']) {
      expect(staff.some((r) => r.url.startsWith(prefix))).toBe(true);
    }
    if (redisUrl) expect(staff.some((r) => !r.nest && r.url.startsWith('/admin/queues'))).toBe(true);
    const misplacedPublic = routes.filter((r) => r.isPublic && !PUBLIC_AREAS.some((re) => re.test(r.url))).map(key);
    expect(misplacedPublic).toEqual([]);
    // Outside Nest, only these areas: anything else would have no guard at all unless it brings its own.
    const outside = routes.filter((r) => !r.nest && !isNonNestPublic(r)).map(key);
    expect(outside.filter((r) => !/^\w+ \/admin\/queues(\/|$)/.test(r))).toEqual([]);
    const publicCount = routes.filter((r) => r.isPublic).length;
    console.info(`security matrix: ${routes.length} routes: ${staff.length} staff (${outside.length} outside Nest) × ${CALLERS.length} callers, ${publicCount} @Public`);
  });

  it.each(CALLERS)('%s: 401 / login redirect, 403 or access as the route metadata says', async (caller) => {
    expect(await matrix(app, staff, caller, creds[caller])).toEqual([]);
  });

  it('refuses callers without any cookie or token too: 401 on the API, the login page or 403 (no form token) on pages', async () => {
    const failures: string[] = [];
    for (const route of staff) {
      const res = await app.inject(requestFor(route, undefined));
      const ok = route.api ? res.statusCode === 401 : UNSAFE.has(route.method) || !route.nest ? refused(res) : redirectsToLogin(res);
      if (!ok || leaks(res.body).length) failures.push(`${key(route)}: ${res.statusCode} ${leaks(res.body).join(', ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('takes no Bearer token on a page and no session cookie on the API', async () => {
    const admin = creds[Role.Admin];
    const failures: string[] = [];
    for (const route of staff) {
      const url = samplePath(route.url);
      if (route.api) {
        // The admin's page session (and its form token) on the API: not logged in.
        const res = await app.inject({
          method: route.method as 'GET',
          url,
          headers: { cookie: cookieHeader(admin.cookie), 'x-csrf-token': admin.csrf },
          ...(UNSAFE.has(route.method) && route.method !== 'DELETE' ? { payload: {} } : {}),
        });
        if (res.statusCode !== 401) failures.push(`cookie on ${key(route)}: ${res.statusCode}`);
      } else {
        // The admin's Bearer token on a page: not logged in (unsafe methods may fail on the missing form token first).
        const res = await app.inject({ method: route.method as 'GET', url, headers: { accept: 'text/html', authorization: `Bearer ${admin.bearer}` } });
        const ok = UNSAFE.has(route.method) || !route.nest ? refused(res) : redirectsToLogin(res);
        if (!ok) failures.push(`Bearer on ${key(route)}: ${res.statusCode} ${res.headers.location ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses page forms without a valid form token with 403 (every unsafe page route not marked @SkipCsrf)', async () => {
    const admin = creds[Role.Admin];
    const forms = routes.filter((r) => !r.api && r.nest && UNSAFE.has(r.method) && !r.skipCsrf);
    expect(forms.length).toBeGreaterThan(20);
    // Another session's token: valid in form, not for this session.
    const foreign = creds[Role.Organiser].csrf;
    const failures: string[] = [];
    for (const route of forms) {
      const url = samplePath(route.url);
      for (const [what, payload] of [
        ['no token', 'x=1'],
        ['a wrong token', '_csrf=forged-token'],
        ["another session's token", `_csrf=${encodeURIComponent(foreign)}`],
      ]) {
        const res = await app.inject({ method: route.method as 'POST', url, headers: { accept: 'text/html', 'content-type': FORM, cookie: cookieHeader(admin.cookie) }, payload });
        if (res.statusCode !== 403) failures.push(`${key(route)} with ${what}: ${res.statusCode}`);
      }
      // JSON to a page route needs the token as much as a form.
      const json = await app.inject({ method: route.method as 'POST', url, headers: { cookie: cookieHeader(admin.cookie) }, payload: { x: 1 } });
      if (json.statusCode !== 403) failures.push(`${key(route)} with JSON and no token: ${json.statusCode}`);
    }
    expect(failures).toEqual([]);
    // A fresh browser without any session at all: the same.
    const login = await app.inject({ method: 'POST', url: '/login', headers: { accept: 'text/html', 'content-type': FORM }, payload: 'email=a%40b.nl&password=x' });
    expect(login.statusCode).toBe(403);
  });

  it('refuses changes to routes outside Nest (no form token there) from another site or without a same-site signal', async () => {
    const admin = creds[Role.Admin];
    const failures: string[] = [];
    for (const route of staff.filter((r) => !r.nest && UNSAFE.has(r.method))) {
      const url = samplePath(route.url);
      for (const [what, extra] of [
        ['no Origin', {}],
        ['a foreign Origin', { origin: 'https://evil.example' }],
        ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
      ] as const) {
        const res = await app.inject({ method: route.method as 'POST', url, headers: { cookie: cookieHeader(admin.cookie), 'content-type': 'application/json', ...extra }, payload: {} });
        if (res.statusCode !== 403) failures.push(`${key(route)} with ${what}: ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps /metrics closed: 404 without METRICS_TOKEN configured, whoever asks', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${creds[Role.Admin].bearer}` } })).statusCode).toBe(404);
  });

  describe('the routes only the other queue configuration has', () => {
    let other: NestFastifyApplication;
    afterAll(() => other?.close());

    it.each(CALLERS)('%s', async (caller) => {
      // Stateless sessions and tokens signed with the same secret, users in the same database: valid in both apps.
      other ??= await createTestApp(redisUrl ? {} : { REDIS_URL: 'redis://127.0.0.1:1' });
      // New here, or served by another kind of handler (a Nest controller here, a plugin there).
      const known = new Set(routes.map((r) => `${key(r)} ${r.nest}`));
      const extra = appRoutes(other).filter((r) => isStaffRoute(r) && !known.has(`${key(r)} ${r.nest}`));
      if (caller === 'anonymous') expect(extra.length).toBeGreaterThan(0);
      expect(await matrix(other, extra, caller, creds[caller])).toEqual([]);
    });
  });

  describe('signed links', () => {
    let registrationId: string;
    let manageToken: string;
    let unsubscribeToken: string;
    let contactId: string;
    let eventSlug: string;
    const signer = new TokenSigner(TEST_SECRET);

    /** Variants of a valid token that must all be refused. */
    function tampered(token: string): Record<string, string> {
      const [payload, mac] = token.split('.');
      const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const swapped = Buffer.from(JSON.stringify({ ...body, r: randomUUID(), c: body.c ? randomUUID() : undefined })).toString('base64url');
      return {
        'payload changed': `${flip(payload, 5)}.${mac}`,
        'mac changed': `${payload}.${flip(mac, 3)}`,
        'other id, same mac': `${swapped}.${mac}`,
        'mac cut off': payload,
        'mac truncated': `${payload}.${mac.slice(0, -2)}`,
        'extra part': `${token}.x`,
        'signed with another secret': new TokenSigner('another-secret-that-is-long-enough-9876543210').sign(body.p, { ...body, p: undefined }),
      };
    }

    beforeAll(async () => {
      const event = await newEvent(app);
      eventSlug = event.slug;
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/public/events/${event.slug}/registrations`,
        payload: { firstName: 'Mila', lastName: 'Peeters', email: `mila-${randomUUID().slice(0, 8)}@example.nl` },
      });
      expect(res.statusCode).toBe(201);
      registrationId = res.json().id;
      manageToken = app.get(RegistrationsService).manageToken(registrationId);
      [{ contact_id: contactId }] = await app.get(DataSource).query(`SELECT contact_id FROM registrations WHERE id = $1`, [registrationId]);
      unsubscribeToken = new URL(app.get(SubscriptionsService).unsubscribeUrl(contactId, randomUUID())).pathname.split('/').pop()!;
    });

    async function registrationStatus(): Promise<string> {
      const [row] = await app.get(DataSource).query(`SELECT status FROM registrations WHERE id = $1`, [registrationId]);
      return row.status;
    }
    async function unsubscribed(): Promise<boolean> {
      const [row] = await app.get(DataSource).query(`SELECT unsubscribed_at IS NOT NULL AS u FROM contacts WHERE id = $1`, [contactId]);
      return row.u;
    }

    it('opens the registration with its own link, and refuses a tampered, expired or other-purpose token with 404', async () => {
      const anon = creds.anonymous;
      expect((await app.inject({ method: 'GET', url: `/registrations/${manageToken}`, headers: { accept: 'text/html' } })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: `/api/v1/public/registrations/${manageToken}` })).statusCode).toBe(200);

      const refused: Record<string, string> = {
        ...tampered(manageToken),
        expired: signer.sign('registration', { r: registrationId }, -60),
        'check-in code of the same registration': app.get(RegistrationsService).checkInToken(registrationId),
        'unsubscribe token': unsubscribeToken,
        'API login token': creds[Role.Admin].bearer!,
        garbage: 'not-a-token',
      };
      const failures: string[] = [];
      for (const [what, token] of Object.entries(refused)) {
        const t = encodeURIComponent(token);
        const answers = {
          'GET page': await app.inject({ method: 'GET', url: `/registrations/${t}`, headers: { accept: 'text/html' } }),
          'POST page cancel': await app.inject({
            method: 'POST',
            url: `/registrations/${t}/cancel`,
            headers: { accept: 'text/html', 'content-type': FORM, cookie: cookieHeader(anon.cookie) },
            payload: `confirm=yes&_csrf=${encodeURIComponent(anon.csrf)}`,
          }),
          'GET API': await app.inject({ method: 'GET', url: `/api/v1/public/registrations/${t}` }),
          'POST API cancel': await app.inject({ method: 'POST', url: `/api/v1/public/registrations/${t}/cancel`, payload: {} }),
          'registered page': await app.inject({ method: 'GET', url: `/events/${eventSlug}/registered?r=${t}`, headers: { accept: 'text/html' } }),
        };
        for (const [where, res] of Object.entries(answers)) {
          if (res.statusCode !== 404) failures.push(`${what} on ${where}: ${res.statusCode}`);
          if (leaks(res.body).length) failures.push(`${what} on ${where}: leaks ${leaks(res.body)}`);
        }
      }
      expect(failures).toEqual([]);
      expect(await registrationStatus()).toBe('confirmed');
    });

    it('opens the unsubscribe page with its own link, and refuses a tampered, expired or other-purpose token with 404', async () => {
      expect((await app.inject({ method: 'GET', url: `/unsubscribe/${unsubscribeToken}`, headers: { accept: 'text/html' } })).statusCode).toBe(200);
      const [, payload] = [null, JSON.parse(Buffer.from(unsubscribeToken.split('.')[0], 'base64url').toString('utf8'))];
      const invite = new URL(app.get(SubscriptionsService).inviteUrl('x', contactId, payload.m)).searchParams.get('invite')!;
      const refused: Record<string, string> = {
        ...tampered(unsubscribeToken),
        expired: signer.sign('unsubscribe', { c: contactId, m: payload.m }, -60),
        'invitation link token of the same contact': invite,
        'registration token': manageToken,
        garbage: 'not-a-token',
      };
      const failures: string[] = [];
      for (const [what, token] of Object.entries(refused)) {
        const url = `/unsubscribe/${encodeURIComponent(token)}`;
        const answers = {
          'GET page': await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } }),
          'one-click POST': await app.inject({ method: 'POST', url, headers: { 'content-type': FORM }, payload: 'List-Unsubscribe=One-Click' }),
          'page POST unsubscribe': await app.inject({ method: 'POST', url, headers: { accept: 'text/html', 'content-type': FORM }, payload: 'action=unsubscribe' }),
          'page POST resubscribe': await app.inject({ method: 'POST', url, headers: { accept: 'text/html', 'content-type': FORM }, payload: 'action=resubscribe' }),
        };
        for (const [where, res] of Object.entries(answers)) {
          if (res.statusCode !== 404) failures.push(`${what} on ${where}: ${res.statusCode}`);
          if (leaks(res.body).length) failures.push(`${what} on ${where}: leaks ${leaks(res.body)}`);
        }
      }
      expect(failures).toEqual([]);
      expect(await unsubscribed()).toBe(false);
    });
  });

  describe('error responses carry no stack trace, SQL or file path', () => {
    const expectClean = (res: InjectResponse, status: number) => {
      expect(res.statusCode).toBe(status);
      expect(leaks(res.body)).toEqual([]);
    };

    it('404, 400, 413, 415 on the API and on pages', async () => {
      const auth = { authorization: `Bearer ${creds[Role.Admin].bearer}` };
      expectClean(await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' }), 404);
      expectClean(await app.inject({ method: 'GET', url: '/no-such-page', headers: { accept: 'text/html' } }), 404);
      expectClean(await app.inject({ method: 'GET', url: `/api/v1/events/${randomUUID()}`, headers: auth }), 404);
      expectClean(await app.inject({ method: 'GET', url: `/crm/organisations/${randomUUID()}`, headers: { accept: 'text/html', cookie: cookieHeader(creds[Role.Admin].cookie) } }), 404);
      expectClean(await app.inject({ method: 'GET', url: '/events/no-such-event', headers: { accept: 'text/html' } }), 404);
      // Malformed JSON, wrong types, prototype keys, an unknown content type, a body over the limit.
      expectClean(await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ' }), 400);
      expectClean(await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 42, password: ['x'] } }), 400);
      expectClean(await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"x": 1}, "email": "a@b.nl", "password": "x"}' }), 400);
      expectClean(await app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"title": "x", "capacity": "lots"}' }), 400);
      expectClean(await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/xml' }, payload: '<a/>' }), 415);
      expectClean(
        await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'x'.repeat(3 * 1024 * 1024) }) }),
        413,
      );
    });

    it('a forced 500 (a failing query, a programming error) shows neither the SQL nor the stack', async () => {
      const events = app.get(EventsService);
      const query = new QueryFailedError('SELECT secret_column FROM events WHERE id = $1', ['x'], Object.assign(new Error('relation "events_secret" does not exist'), { code: '42P01' }));
      const spy = jest.spyOn(events, 'upcoming').mockRejectedValueOnce(query).mockRejectedValueOnce(query).mockRejectedValueOnce(new TypeError("Cannot read properties of undefined (reading 'slug')"));
      try {
        const api = await app.inject({ method: 'GET', url: '/api/v1/public/events' });
        expectClean(api, 500);
        expect(api.json()).toMatchObject({ statusCode: 500, message: 'Something went wrong on our side.' });
        expect(api.json().requestId).toBeDefined();
        expectClean(await app.inject({ method: 'GET', url: '/events', headers: { accept: 'text/html' } }), 500);
        const page = await app.inject({ method: 'GET', url: '/events', headers: { accept: 'text/html' } });
        expectClean(page, 500);
        expect(page.body).not.toContain('Cannot read properties');
      } finally {
        spy.mockRestore();
      }
      expect((await app.inject({ method: 'GET', url: '/api/v1/public/events' })).statusCode).toBe(200);
    });
  });
});

describe('rate limits from the route metadata (RATE_LIMIT_PER_MINUTE=3, LOGIN_RATE_LIMIT_PER_MINUTE=3)', () => {
  let app: NestFastifyApplication;
  let routes: AppRoute[];
  let slug: string;
  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_PER_MINUTE: '3', LOGIN_RATE_LIMIT_PER_MINUTE: '3' });
    routes = appRoutes(app);
    slug = (await newEvent(app)).slug;
  });
  afterAll(() => app?.close());

  const send = (route: AppRoute, remoteAddress: string) =>
    app.inject({
      method: route.method as 'GET',
      url: samplePath(route.url, { slug }),
      remoteAddress,
      headers: route.api ? {} : { accept: 'text/html' },
      ...(UNSAFE.has(route.method) ? { payload: {} } : {}),
    });

  it('answers 429 on the 4th request from one address to every rate-limited @Public route, and not to another address', async () => {
    const limited = routes.filter((r) => r.isPublic && r.rateLimit !== 'none');
    // The ones the brief names must be among them.
    for (const must of ['POST /api/v1/auth/login', 'POST /login', 'POST /api/v1/public/events/:slug/registrations', 'POST /events/:slug/register']) {
      expect(limited.map((r) => `${r.method} ${r.url}`)).toContain(must);
    }
    const failures: string[] = [];
    for (const [i, route] of limited.entries()) {
      const address = `10.77.${i}.1`;
      const statuses: number[] = [];
      for (let n = 0; n < 4; n++) statuses.push((await send(route, address)).statusCode);
      if (statuses.slice(0, 3).includes(429) || statuses[3] !== 429) failures.push(`${route.method} ${route.url}: ${statuses.join(',')}`);
      const other = await send(route, `10.78.${i}.1`);
      if (other.statusCode === 429) failures.push(`${route.method} ${route.url}: another address limited too`);
    }
    expect(failures).toEqual([]);
  });

  it('limits real sign-ups (API and page) and logins', async () => {
    const signUp = (n: number) =>
      app.inject({ method: 'POST', url: `/api/v1/public/events/${slug}/registrations`, remoteAddress: '10.79.0.1', payload: { firstName: 'A', lastName: `B${n}`, email: `rl-${n}-${randomUUID().slice(0, 6)}@example.nl` } });
    const api: number[] = [];
    for (let n = 0; n < 4; n++) api.push((await signUp(n)).statusCode);
    expect(api).toEqual([201, 201, 201, 429]);
    const limited = await signUp(9);
    expect(limited.json()).toMatchObject({ statusCode: 429 });
    expect(leaks(limited.body)).toEqual([]);

    // The page form, with its form token: one counter per address over every public route, so after the
    // event page itself, the 3rd post from that address is refused.
    const page = await app.inject({ method: 'GET', url: `/events/${slug}`, remoteAddress: '10.79.0.2', headers: { accept: 'text/html' } });
    const cookie = sessionCookie(page)!;
    const csrf = formToken(page.body)!;
    const post = (n: number) =>
      app.inject({
        method: 'POST',
        url: `/events/${slug}/register`,
        remoteAddress: '10.79.0.2',
        headers: { accept: 'text/html', 'content-type': FORM, cookie: cookieHeader(cookie) },
        payload: new URLSearchParams({ _csrf: csrf, firstName: 'P', lastName: `Q${n}`, email: `rlp-${n}-${randomUUID().slice(0, 6)}@example.nl`, participantType: 'entrepreneur' }).toString(),
      });
    expect(page.statusCode).toBe(200);
    const pages: number[] = [];
    for (let n = 0; n < 4; n++) pages.push((await post(n)).statusCode);
    expect(pages).toEqual([303, 303, 429, 429]);

    const logins: number[] = [];
    for (let n = 0; n < 4; n++) {
      logins.push((await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.79.0.3', payload: { email: 'x@example.nl', password: 'wrong-password' } })).statusCode);
    }
    expect(logins).toEqual([401, 401, 401, 429]);
  });
});

describe('security headers and cookies', () => {
  const check = (res: InjectResponse) => {
    const csp = String(res.headers['content-security-policy'] ?? '');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-frame-options'] ?? (csp.includes('frame-ancestors') ? 'csp' : undefined)).toBeDefined();
    expect(csp).toMatch(/frame-ancestors '(self|none)'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  };

  it('on http: CSP, nosniff, frame options, referrer policy on pages, API answers and errors; no HSTS; HttpOnly SameSite cookies', async () => {
    const app = await createTestApp({ APP_URL: 'http://localhost:3000' });
    try {
      const page = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
      const api = await app.inject({ method: 'GET', url: '/api/v1/public/events' });
      const error = await app.inject({ method: 'GET', url: '/api/v1/users' });
      for (const res of [page, api, error]) {
        check(res);
        expect(res.headers['strict-transport-security']).toBeUndefined();
      }
      expect(error.statusCode).toBe(401);
      const cookie = String(([] as string[]).concat(page.headers['set-cookie'] as string[]).find((c) => c.startsWith('keyport_session=')));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
    } finally {
      await app.close();
    }
  });

  it('on https: HSTS as well, and Secure cookies', async () => {
    const app = await createTestApp({ APP_URL: 'https://events.keyport2020.nl' });
    try {
      const page = await app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
      const api = await app.inject({ method: 'GET', url: '/api/v1/public/events' });
      for (const res of [page, api]) {
        check(res);
        expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=\d{7,}/);
      }
      const cookie = String(([] as string[]).concat(page.headers['set-cookie'] as string[]).find((c) => c.startsWith('keyport_session=')));
      expect(cookie).toMatch(/;\s*Secure/i);
    } finally {
      await app.close();
    }
  });
});
