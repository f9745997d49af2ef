import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifySecureSession from '@fastify/secure-session';
import fastifyStatic from '@fastify/static';
import { projectPath } from '@keyport/common';
import { AppConfig } from '@keyport/config';
import { UsersService } from '@keyport/users';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { AppModule } from './app.module';
import { apiValidationPipe } from './common/validation';

export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Builds the HTTP application from a validated configuration: the one way the server, the tests and
 * the benchmarks get an app. Migrations are applied before (see main.ts / test setup).
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.app.trustProxy,
    // JSON and form bodies (Nest registers both parsers) are refused above this size with 413.
    bodyLimit: BODY_LIMIT_BYTES,
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
  await app.register(fastifySecureSession, {
    // A 32-byte key derived from APP_SECRET: sessions survive restarts and work across API instances.
    key: createHash('sha256').update(`session:${config.app.secret}`).digest(),
    cookieName: 'keyport_session',
    expiry: 24 * 3600,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure },
  });
  await app.register(fastifyStatic, { root: projectPath('apps', 'api', 'public'), prefix: '/assets/', maxAge: '1h' });
  await app.register(fastifyStatic, {
    root: dirname(require.resolve('@picocss/pico/css/pico.min.css')),
    prefix: '/assets/vendor/pico/',
    decorateReply: false,
    maxAge: '7d',
  });

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
