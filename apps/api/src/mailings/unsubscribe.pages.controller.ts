import { NotFoundError } from '@keyport/common';
import { SubscriptionsService } from '@keyport/mailings';
import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, SkipCsrf } from '../auth/auth.decorators';
import { PageRenderer } from '../pages/page-renderer';

/**
 * The unsubscribe link of every mailing. POST with `List-Unsubscribe=One-Click` (RFC 8058, sent by mail
 * programs) unsubscribes at once and answers 200 without a page. Opening the link shows the state with one
 * button: unsubscribe, or subscribe again. Opening alone changes nothing (link scanners open links).
 * The signed token is the authorisation, so no form token is needed; a tampered token is a 404.
 */
@ApiExcludeController()
@Public()
@SkipCsrf()
@Controller('unsubscribe')
export class UnsubscribePagesController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get(':token')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('token') token: string): Promise<void> {
    await this.render(req, reply, token);
  }

  @Post(':token')
  @HttpCode(200)
  async post(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('token') token: string, @Body() body: Record<string, unknown> | undefined): Promise<void> {
    if (body?.['List-Unsubscribe'] === 'One-Click') {
      const done = await this.subscriptions.unsubscribe(token, 'one-click');
      await reply.code(done ? 200 : 404).type('text/plain; charset=utf-8').send(done ? 'Unsubscribed' : 'Not found');
      return;
    }
    const action = body?.action;
    const done =
      action === 'resubscribe' ? await this.subscriptions.resubscribe(token) : action === 'unsubscribe' ? await this.subscriptions.unsubscribe(token, 'page') : null;
    if (done === false) throw new NotFoundError('Link');
    if (done === null) return this.render(req, reply, token, 400);
    await this.pages.redirect(req, reply, `/unsubscribe/${encodeURIComponent(token)}`, {
      type: 'success',
      key: action === 'resubscribe' ? 'mailings.unsubscribe.resubscribedFlash' : 'mailings.unsubscribe.unsubscribedFlash',
    });
  }

  private async render(req: FastifyRequest, reply: FastifyReply, token: string, status = 200): Promise<void> {
    const state = await this.subscriptions.state(token);
    if (!state) throw new NotFoundError('Link');
    const path = `/unsubscribe/${encodeURIComponent(token)}`;
    await this.pages.render(
      req,
      reply,
      'mailings/unsubscribe',
      { titleKey: 'mailings.unsubscribe.title', action: path, email: state.maskedEmail, subscribed: state.subscribed, invalidAction: status === 400 },
      { status, layout: 'public' },
    );
  }
}
