import { LocalMailboxService, MailService, MailTransport } from '@keyport/mail';
import { Actor, Role } from '@keyport/users';
import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { PageRenderer, resolveLang } from '../pages/page-renderer';

/**
 * The local mailbox: without SMTP_URL every outgoing message is kept and shown here, rendered.
 * With SMTP the page says so, and the test message goes to the real server.
 */
@ApiExcludeController()
@Roles(Role.Admin, Role.Organiser)
@Controller('admin/mail')
export class MailboxController {
  constructor(
    private readonly mailbox: LocalMailboxService,
    private readonly mail: MailService,
    private readonly transport: MailTransport,
    private readonly dataSource: DataSource,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('q') q?: string, @Query('page') page?: string): Promise<void> {
    const result = await this.mailbox.list({ q: typeof q === 'string' ? q.slice(0, 200) : undefined, page: Number(page) || 1 });
    await this.pages.render(req, reply, 'mailbox/list', {
      titleKey: 'mailbox.title',
      page: result,
      q,
      local: this.transport.driver === 'local',
      currentUrl: req.url,
    });
  }

  @Post('test')
  async sendTest(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.dataSource.transaction((manager) =>
      this.mail.queue(manager, {
        template: 'test-mail',
        lang: resolveLang(req),
        to: actor.email,
        data: { sender: actor.name, sentAt: new Date() },
      }),
    );
    await this.pages.redirect(req, reply, '/admin/mail', { type: 'success', key: 'mailbox.testQueued', args: { email: actor.email } });
  }

  @Get(':id')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const message = await this.mailbox.get(id);
    await this.pages.render(req, reply, 'mailbox/show', { titleKey: 'mailbox.message', message });
  }

  /** The HTML part alone, for a sandboxed frame: no scripts, no requests out. */
  @Get(':id/html')
  async html(@Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const message = await this.mailbox.get(id);
    await reply
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox")
      .header('x-frame-options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8')
      .send(message.html ?? '');
  }

  @Get(':id/raw')
  async raw(@Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const raw = await this.mailbox.raw(id);
    await reply.header('content-disposition', `attachment; filename="${id}.eml"`).type('message/rfc822').send(raw);
  }
}
