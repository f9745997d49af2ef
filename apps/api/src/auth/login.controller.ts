import { UsersService } from '@keyport/users';
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validateForm } from '../common/validation';
import { PageRenderer } from '../pages/page-renderer';
import { AuthenticatedRequest, Public, RateLimit } from './auth.decorators';
import { LoginDto } from './dto';
import { session, SESSION_IDLE_SECONDS, sessionSet } from './session';

/** Only same-site paths: never redirect a login to another host. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

@ApiExcludeController()
@Controller()
export class LoginController {
  constructor(
    private readonly users: UsersService,
    private readonly pages: PageRenderer,
  ) {}

  @Get('login')
  @Public()
  @RateLimit('none')
  async form(@Req() req: AuthenticatedRequest, @Res() reply: FastifyReply, @Query('next') next?: string): Promise<void> {
    if (req.actor) return this.pages.redirect(req, reply, safeNext(next));
    await this.pages.render(req, reply, 'login', { titleKey: 'login.title', next: safeNext(next), values: {} });
  }

  @Post('login')
  @Public()
  @RateLimit('login')
  async login(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const next = safeNext(body?.next);
    const { value, errors } = await validateForm(LoginDto, body);
    const user = value ? await this.users.authenticate(value.email, value.password) : null;
    if (!user) {
      return this.pages.render(
        req,
        reply,
        'login',
        { titleKey: 'login.title', next, errors, failed: !!value, values: { email: typeof body?.email === 'string' ? body.email : '' } },
        { status: value ? 401 : 400 },
      );
    }
    // A fresh session on login (no fixation): drop whatever the cookie held before.
    session(req).regenerate();
    sessionSet(req, 'uid', user.id);
    sessionSet(req, 'exp', Math.floor(Date.now() / 1000) + SESSION_IDLE_SECONDS);
    await this.pages.redirect(req, reply, next, { type: 'success', key: 'login.welcome', args: { name: user.name } });
  }

  @Post('logout')
  @Public()
  async logout(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    session(req).delete();
    await reply.redirect('/login', 303);
  }
}
