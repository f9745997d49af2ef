import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifySecureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import { projectPath } from '@keyport/common';
import { AppConfig } from '@keyport/config';
import { UsersService } from '@keyport/users';
import { NestFactory } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { AppModule } from './app.module';
import { UPLOAD_LIMIT_BYTES } from './common/multipart-form';
import { apiValidationPipe } from './common/validation';
import { setupOps } from './ops/setup-ops';

/** Large enough that an oversized field gets a 400 naming it (a 1 MB name), small enough to refuse floods. */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** Nesting depth of JSON bodies: the deepest real body (an event with questions) is 3 levels deep. */
export const MAX_BODY_DEPTH = 32;

/** Iterative, so that measuring a hostile body cannot overflow the stack itself. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Builds the HTTP application from a validated configuration: the one way the server, the tests and
 * the benchmarks get an app. Migrations are applied before (see main.ts / test setup).
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.app.trustProxy,
    // JSON and form bodies (Nest registers both parsers) are refused above this size with 413.
    bodyLimit: BODY_LIMIT_BYTES,
    // Signed tokens travel in paths (/registrations/<token> in every registration mail): about 120
    // characters, beyond Fastify's default of 100 for one path parameter (which answers 414).
    routerOptions: { maxParamLength: 512 },
  });
  // abortOnError off: a wiring error is thrown (and shown) instead of exiting the process.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));

  const secure = config.app.url.startsWith('https://');
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameSrc: ["'self'"],
        frameAncestors: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: secure ? [] : null,
      },
    },
    hsts: secure,
  });
  await app.register(fastifyCookie);
  // ?lang=nl|en works on every page: taken out of the query here (so list filters never see an unknown
  // field) and kept on the request for the page renderer, which also remembers it in a cookie.
  // Bodies nested deeper than any form or API needs are refused before validation, which would otherwise
  // recurse into them until the stack runs out (a 500 for a few kB of `{"a":{"a":…}}`).
  app.getHttpAdapter().getInstance().addHook('preValidation', async (req: FastifyRequest) => {
    if (nestedDeeperThan(req.body, MAX_BODY_DEPTH)) throw Object.assign(new Error(`The request body is nested more than ${MAX_BODY_DEPTH} levels deep`), { statusCode: 400 });
  });
  app.getHttpAdapter().getInstance().addHook('onRequest', async (req: FastifyRequest) => {
    const query = req.query as Record<string, unknown> | undefined;
    if (query && 'lang' in query) {
      if (query.lang === 'nl' || query.lang === 'en') (req as FastifyRequest & { requestedLang?: string }).requestedLang = query.lang;
      delete query.lang;
    }
  });
  await app.register(fastifySecureSession, {
    // A 32-byte key derived from APP_SECRET: sessions survive restarts and work across API instances.
    key: createHash('sha256').update(`session:${config.app.secret}`).digest(),
    cookieName: 'keyport_session',
    expiry: 24 * 3600,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure },
  });
  // File uploads (CSV imports). Nothing is parsed on arrival: a route reads the form itself, after the
  // guards, so an anonymous request never makes the server take in a file (see common/multipart-form.ts).
  await app.register(fastifyMultipart, { limits: { fileSize: UPLOAD_LIMIT_BYTES, files: 1, fields: 10, fieldSize: 4096, parts: 11 } });
  await app.register(fastifyStatic, { root: projectPath('apps', 'api', 'public'), prefix: '/assets/', maxAge: '1h' });
  await app.register(fastifyStatic, {
    root: dirname(require.resolve('@picocss/pico/css/pico.min.css')),
    prefix: '/assets/vendor/pico/',
    decorateReply: false,
    maxAge: '7d',
  });
  // Request timing for /metrics, and with Redis the queue dashboard (bull-board) at /admin/queues.
  await setupOps(app);

  app.useGlobalPipes(apiValidationPipe());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Keyport Platform API')
      .setDescription('Events, registrations, CRM, mailings and targets of Stichting Keyport 2020. Log in with POST /api/v1/auth/login and send the token as `Authorization: Bearer <token>`.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });

  await app.init();
  await app.get(UsersService).ensureInitialAdmin(config.app.adminEmail, config.app.adminPassword);
  return app;
}
