import { APP_CONFIG, AppConfig } from '@keyport/config';
import { ForbiddenError, TokenSigner, UnauthenticatedError } from '@keyport/common';
import { Role, UsersService } from '@keyport/users';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthenticatedRequest, IS_PUBLIC, ROLES_KEY } from './auth.decorators';
import { sessionUserId } from './session';

export const API_TOKEN_PURPOSE = 'api';
export const API_TOKEN_TTL_SECONDS = 12 * 3600;

export const isApiPath = (url: string): boolean => url.startsWith('/api/');

/**
 * Who is calling, and may they? The API takes `Authorization: Bearer <token>` only; pages take the
 * session cookie only (so a cookie can never drive the API across sites). Roles are checked here, on
 * the server, for every route; a route without @Public needs login.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly signer: TokenSigner;

  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.signer = new TokenSigner(config.app.secret);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets);
    const userId = isApiPath(req.url) ? this.fromBearer(req) : this.fromSession(req);
    const user = userId ? await this.users.findActive(userId) : null;
    if (user) req.actor = { id: user.id, role: user.role, name: user.name, email: user.email };
    if (isPublic) return true;
    if (!req.actor) throw new UnauthenticatedError();
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && req.actor.role !== Role.Admin && !roles.includes(req.actor.role)) throw new ForbiddenError();
    return true;
  }

  issueToken(userId: string): string {
    return this.signer.sign(API_TOKEN_PURPOSE, { sub: userId }, API_TOKEN_TTL_SECONDS);
  }

  private fromBearer(req: AuthenticatedRequest): string | undefined {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return undefined;
    const payload = this.signer.verify<{ sub: string }>(API_TOKEN_PURPOSE, header.slice(7).trim());
    return typeof payload?.sub === 'string' ? payload.sub : undefined;
  }

  private fromSession(req: AuthenticatedRequest): string | undefined {
    return sessionUserId(req);
  }
}
