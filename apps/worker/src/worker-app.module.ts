import { AppConfig, ConfigModule } from '@keyport/config';
import { ImportsModule } from '@keyport/crm/import';
import { DatabaseModule } from '@keyport/database';
import { EventsModule } from '@keyport/events';
import { MailModule } from '@keyport/mail';
import { MailingsModule } from '@keyport/mailings';
import { MetricsModule, MetricsServer } from '@keyport/metrics';
import { QueueModule } from '@keyport/queue';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { loggerOptions } from '@keyport/common';
import { WorkerModule } from './worker.module';

@Module({})
export class WorkerAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config.app.logLevel)),
        DatabaseModule.forRoot({ ...config.db, applicationName: 'keyport-worker' }),
        QueueModule.forRoot({ redisUrl: config.redis.url, prefix: config.redis.prefix, lockSeconds: config.redis.jobLockSeconds }),
        MailModule,
        ImportsModule,
        EventsModule,
        MailingsModule,
        MetricsModule,
        WorkerModule,
      ],
      // GET /metrics on METRICS_PORT when set (README, Operations).
      providers: [MetricsServer],
    };
  }
}
