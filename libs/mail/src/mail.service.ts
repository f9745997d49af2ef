import { MailAttachment, OutboxService, SendMailJob } from '@keyport/queue';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Language, MailRenderer } from './mail-renderer';

export interface QueueMail {
  template: string;
  lang: Language;
  to: string;
  data: Record<string, unknown>;
  kind?: SendMailJob['kind'];
  attachments?: MailAttachment[];
  headers?: Record<string, string>;
}

/**
 * Queues mail: renders now (a template error fails the caller's transaction, not a send) and writes a
 * send-mail job to the outbox in the caller's transaction. Never sends from the request path.
 */
@Injectable()
export class MailService {
  constructor(
    private readonly renderer: MailRenderer,
    private readonly outbox: OutboxService,
  ) {}

  async queue(manager: EntityManager, mail: QueueMail): Promise<string> {
    const rendered = this.renderer.render(mail.template, mail.lang, mail.data);
    const kind = mail.kind ?? 'transactional';
    return this.outbox.add(
      manager,
      'send-mail',
      {
        kind,
        template: mail.template,
        mail: { to: mail.to, ...rendered, headers: mail.headers, attachments: mail.attachments },
      },
      { priority: kind === 'transactional' ? 1 : 10 },
    );
  }
}
