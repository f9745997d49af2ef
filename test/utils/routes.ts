import { Role } from '@keyport/users';
import { INestApplicationContext, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { IS_PUBLIC, RATE_LIMIT_KEY, ROLES_KEY, SKIP_CSRF } from '../../apps/api/src/auth/auth.decorators';

/**
 * Every route of the running app, as the router has it, with what Nest's metadata says about it
 * (@Public, @Roles, @SkipCsrf, @RateLimit). Used by the security matrix and the public fuzz test, so a
 * controller added tomorrow is covered without anyone editing a list.
 *
 * Routes come from Fastify itself (an `onRoute` hook put on every Fastify instance the moment it is
 * created, see installRouteRecorder), so routes that do not come from a Nest controller (static files,
 * the OpenAPI UI, a plugin such as a queue dashboard) are listed too; those carry no Nest metadata.
 */

const RECORDED = Symbol.for('keyport.test.recordedRoutes');

interface RecordedRoute {
  method: string;
  url: string;
}

/**
 * Wraps the `fastify` factory (as NestJS's FastifyAdapter calls it: `require('fastify').fastify(...)`)
 * so that each instance records every route added to it, by plugins too. Call it before the app is
 * created, in the test file (each jest test file has its own module registry).
 */
export function installRouteRecorder(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('fastify') as { fastify: ((opts?: unknown) => unknown) & { [RECORDED]?: true } };
  if (mod.fastify[RECORDED]) return;
  const real = mod.fastify;
  const wrapped = Object.assign((opts?: unknown) => {
    const instance = real(opts) as { addHook(name: string, fn: (route: { method: string | string[]; url: string }) => void): void; [RECORDED]?: RecordedRoute[] };
    const list: RecordedRoute[] = [];
    Object.defineProperty(instance, RECORDED, { value: list, enumerable: false });
    instance.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) list.push({ method: method.toUpperCase(), url: route.url });
    });
    return instance;
  }, real, { [RECORDED]: true as const });
  mod.fastify = wrapped;
}

export interface AppRoute {
  method: string;
  /** The path as registered, with its parameters (`/api/v1/events/:id`). */
  url: string;
  /** /api/* takes Bearer tokens; everything else is a page with the session cookie. */
  api: boolean;
  /** From a Nest controller (with metadata) or added to Fastify directly (static files, plugins). */
  nest: boolean;
  controller?: string;
  handler?: string;
  isPublic: boolean;
  /** @Roles on the handler or its controller; undefined: any logged-in staff member. */
  roles?: Role[];
  skipCsrf: boolean;
  rateLimit?: string;
}

const shape = (method: string, url: string): string => `${method} ${url.replace(/:[^/]+/g, ':').replace(/\/+$/, '') || '/'}`;

const joinPaths = (...parts: string[]): string =>
  `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/')}`;

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [''] : [String(v)]);

interface NestRouteMeta {
  controller: string;
  handler: string;
  isPublic: boolean;
  roles?: Role[];
  skipCsrf: boolean;
  rateLimit?: string;
}

/** Nest's own view: every controller method with a route, keyed by method and path shape. */
function nestRoutes(app: INestApplicationContext): Map<string, NestRouteMeta> {
  const reflector = new Reflector();
  const byShape = new Map<string, NestRouteMeta>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      const ctor = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!ctor || typeof ctor !== 'function') continue;
      const proto = ctor.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor') continue;
        const fn = Object.getOwnPropertyDescriptor(proto, name)?.value;
        if (typeof fn !== 'function') continue;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        if (requestMethod === undefined || !Reflect.hasMetadata(PATH_METADATA, fn)) continue;
        const targets = [fn, ctor];
        const meta: NestRouteMeta = {
          controller: ctor.name,
          handler: name,
          isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
          roles: reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets),
          skipCsrf: reflector.getAllAndOverride<boolean>(SKIP_CSRF, targets) === true,
          rateLimit: reflector.getAllAndOverride<string | undefined>(RATE_LIMIT_KEY, targets),
        };
        const methods = requestMethod === RequestMethod.ALL ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] : [RequestMethod[requestMethod]];
        for (const base of asList(Reflect.getMetadata(PATH_METADATA, ctor))) {
          for (const path of asList(Reflect.getMetadata(PATH_METADATA, fn))) {
            for (const method of methods) byShape.set(shape(method, joinPaths(base, path)), meta);
          }
        }
      }
    }
  }
  return byShape;
}

/**
 * All routes of the app (HEAD, which Fastify adds beside every GET, left out), each with its Nest
 * metadata when it comes from a controller. Throws when the route recorder was not installed.
 */
export function appRoutes(app: NestFastifyApplication): AppRoute[] {
  const instance = app.getHttpAdapter().getInstance() as unknown as { [RECORDED]?: RecordedRoute[] };
  const recorded = instance[RECORDED];
  if (!recorded) throw new Error('installRouteRecorder() must be called before the app is created');
  const nest = nestRoutes(app);
  const seen = new Set<string>();
  const routes: AppRoute[] = [];
  for (const { method, url } of recorded) {
    if (method === 'HEAD' || seen.has(`${method} ${url}`)) continue;
    seen.add(`${method} ${url}`);
    const meta = nest.get(shape(method, url));
    routes.push({
      method,
      url,
      api: url.startsWith('/api/'),
      nest: !!meta,
      controller: meta?.controller,
      handler: meta?.handler,
      isPublic: meta?.isPublic ?? false,
      roles: meta?.roles,
      skipCsrf: meta?.skipCsrf ?? false,
      rateLimit: meta?.rateLimit,
    });
  }
  return routes;
}

/** Plausible values for path parameters: a random UUID unless the name says otherwise. */
export function samplePath(url: string, values: Record<string, string> = {}): string {
  return url
    .replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
      if (name in values) return encodeURIComponent(values[name]);
      if (name === 'year') return '2099';
      if (name === 'slug') return `no-such-event-${randomUUID().slice(0, 8)}`;
      if (name === 'token') return 'not-a-token';
      if (name === 'lang') return 'nl';
      if (name === 'kind') return 'organisations';
      return randomUUID();
    })
    .replace(/\*$/, 'no-such-file');
}

/** What an error response must never contain: a stack frame, SQL, a file path, a driver's error. */
export function leaks(body: string): string[] {
  const found: string[] = [];
  if (/\bat (?:async )?[\w$.<>[\] ]*\(?(?:\/|node:|file:|[A-Za-z]:\\)[^)\s]*:\d+:\d+\)?/.test(body)) found.push('stack trace');
  if (/\b(?:SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\b[\s\S]{0,300}?\b(?:FROM|VALUES|SET|WHERE|RETURNING)\b/.test(body)) found.push('SQL');
  if (body.includes(process.cwd()) || /node_modules|\b[\w.-]+\.(?:ts|js):\d+/.test(body)) found.push('file path');
  if (/QueryFailedError|TypeORMError|EntityNotFound|violates [\w ]*constraint|relation "[^"]+" does not exist|syntax error at or near/i.test(body)) found.push('database error');
  return found;
}

