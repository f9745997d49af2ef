import { APP_CONFIG, AppConfig } from '@keyport/config';
import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MailRenderer } from './mail-renderer';
import { LocalMailTransport, MailTransport, SmtpMailTransport } from './mail-transport';
import { MailService } from './mail.service';
import { LocalMailboxService } from './local-mailbox.service';
import { SendMailProcessor } from './send-mail.processor';

@Global()
@Module({
  providers: [
    { provide: MailRenderer, useFactory: () => new MailRenderer() },
    {
      provide: MailTransport,
      inject: [APP_CONFIG, DataSource],
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        config.mail.smtpUrl ? new SmtpMailTransport(config.mail.smtpUrl) : new LocalMailTransport(dataSource),
    },
    MailService,
    LocalMailboxService,
    SendMailProcessor,
  ],
  exports: [MailRenderer, MailTransport, MailService, LocalMailboxService],
})
export class MailModule {}
