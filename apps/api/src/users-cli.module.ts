import { AppConfig, ConfigModule } from '@keyport/config';
import { DatabaseModule } from '@keyport/database';
import { MailModule } from '@keyport/mail';
import { QueueModule } from '@keyport/queue';
import { UsersModule } from '@keyport/users';
import { DynamicModule, Module } from '@nestjs/common';

/** Just enough of the app for the CLI to create users through UsersService. */
@Module({})
export class UsersCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: UsersCliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({ ...config.db, poolSize: 2, applicationName: 'keyport-cli' }),
        QueueModule.forRoot({ redisUrl: config.redis.url, prefix: config.redis.prefix }),
        MailModule,
        UsersModule,
      ],
    };
  }
}
