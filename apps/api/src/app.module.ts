import { loggerOptions, projectPath } from '@keyport/common';
import { AppConfig, ConfigModule } from '@keyport/config';
import { VisitsModule } from '@keyport/crm/visits';
import { DatabaseModule } from '@keyport/database';
import { MailModule } from '@keyport/mail';
import { QueueModule } from '@keyport/queue';
import { UsersModule } from '@keyport/users';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { CookieResolver, I18nModule, QueryResolver } from 'nestjs-i18n';
import { LoggerModule } from 'nestjs-pino';
import { WorkerModule } from '../../worker/src/worker.module';
import { AuthApiController } from './auth/auth.api.controller';
import { AuthGuard } from './auth/auth.guard';
import { CsrfGuard } from './auth/csrf.guard';
import { LoginController } from './auth/login.controller';
import { RateLimitGuard, throttlerOptions } from './auth/rate-limit';
import { AllExceptionsFilter } from './common/exception.filter';
import { HealthController } from './health/health.controller';
import { MailboxController } from './mailbox/mailbox.controller';
import { OpsModule } from './ops/ops.module';
import { HomeController } from './pages/home.controller';
import { PagesModule } from './pages/pages.module';
import { CrmHttpModule } from './crm/crm-http.module';
import { EventsHttpModule } from './events/events-http.module';
import { MailingsHttpModule } from './mailings/mailings-http.module';
import { TargetsHttpModule } from './targets/targets-http.module';
import { UsersApiController } from './users/users.api.controller';
import { UsersPagesController } from './users/users.pages.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config.app.logLevel)),
        DatabaseModule.forRoot({ ...config.db, applicationName: 'keyport-api' }),
        QueueModule.forRoot({ redisUrl: config.redis.url, prefix: config.redis.prefix, lockSeconds: config.redis.jobLockSeconds }),
        MailModule,
        I18nModule.forRoot({
          fallbackLanguage: 'nl',
          loaderOptions: { path: projectPath('libs', 'common', 'i18n'), watch: false },
          resolvers: [{ use: QueryResolver, options: ['lang'] }, new CookieResolver(['lang'])],
        }),
        ThrottlerModule.forRoot(throttlerOptions(config)),
        TerminusModule.forRoot({ logger: false }),
        UsersModule,
        PagesModule,
        CrmHttpModule,
        EventsHttpModule,
        MailingsHttpModule,
        TargetsHttpModule,
        // /metrics and, without Redis, the in-process queue page (bull-board is mounted in setup-app.ts).
        OpsModule.forRoot(config),
        // The home page shows the staff member's open follow-ups and recent visits.
        VisitsModule,
        // Without Redis the jobs run here; with Redis, in apps/worker (unless WORKER_IN_PROCESS=true).
        ...(config.app.workerInProcess ? [WorkerModule] : []),
      ],
      controllers: [
        HealthController,
        AuthApiController,
        LoginController,
        HomeController,
        UsersApiController,
        UsersPagesController,
        MailboxController,
      ],
      providers: [
        AuthGuard,
        // Order matters: rate limit first, then the form token, then who you are and your role.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
