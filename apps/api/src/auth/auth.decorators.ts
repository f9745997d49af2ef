import { Actor, Role } from '@keyport/users';
import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export const IS_PUBLIC = 'keyport:public';
export const ROLES_KEY = 'keyport:roles';
export const SKIP_CSRF = 'keyport:skip-csrf';
export const RATE_LIMIT_KEY = 'keyport:rate-limit';

/** Reachable without login (public pages, the public API, /health). Public routes are rate-limited. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route (admins always may). Without it, any logged-in staff member may. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** For POSTs that carry their own proof instead of a form token (RFC 8058 one-click unsubscribe). */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF, true);

/** Which per-client limit applies: 'public' (RATE_LIMIT_PER_MINUTE) or 'login' (LOGIN_RATE_LIMIT_PER_MINUTE). */
export const RateLimit = (name: 'public' | 'login' | 'none') => SetMetadata(RATE_LIMIT_KEY, name);

export interface AuthenticatedRequest extends FastifyRequest {
  actor?: Actor;
}

/** The logged-in staff member (set by AuthGuard). */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without AuthGuard');
  return actor;
});
