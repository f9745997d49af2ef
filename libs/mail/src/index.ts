export * from './mail-renderer';
export * from './mail-transport';
export * from './mail.module';
export * from './mail.service';
export * from './send-mail.processor';
export * from './local-mailbox.service';
