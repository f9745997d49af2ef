import { DomainError, ErrorCode } from '@keyport/common';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import Tokens from '@fastify/csrf';
import type { FastifyRequest } from 'fastify';
import { isMultipart, multipartFieldsBeforeFile } from '../common/multipart-form';
import { SKIP_CSRF } from './auth.decorators';
import { isApiPath } from './auth.guard';
import { session, sessionGet, sessionSet } from './session';

interface CsrfTokens {
  secretSync(): string;
  create(secret: string): string;
  verify(secret: string, token: string): boolean;
}
const tokens = new Tokens() as unknown as CsrfTokens;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export class CsrfError extends DomainError {
  constructor() {
    super(ErrorCode.Forbidden, 'The form has expired or did not come from this site. Please try again.');
  }
}

/** The form token for this session (made on first use); pages put it in a hidden `_csrf` field. */
export function csrfToken(req: FastifyRequest): string {
  let secret = sessionGet(req, 'csrf');
  if (!secret) {
    secret = tokens.secretSync();
    sessionSet(req, 'csrf', secret);
  }
  return tokens.create(secret);
}

/**
 * Every unsafe request to a page route must carry the session's form token (field `_csrf`, or header
 * `x-csrf-token` for small scripts). The API is exempt: it authenticates with a Bearer header only,
 * which a foreign site cannot make a browser send.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (SAFE.has(req.method) || isApiPath(req.url)) return true;
    if (this.reflector.getAllAndOverride<boolean>(SKIP_CSRF, [context.getHandler(), context.getClass()])) return true;
    const secret = session(req) ? sessionGet(req, 'csrf') : undefined;
    const body = req.body as Record<string, unknown> | undefined;
    let given = (body && typeof body === 'object' ? body._csrf : undefined) ?? req.headers['x-csrf-token'];
    // An upload form (multipart): its `_csrf` field comes before the file, and is read without the file.
    if (given === undefined && secret && isMultipart(req)) given = (await multipartFieldsBeforeFile(req))._csrf;
    if (!secret || typeof given !== 'string' || !tokens.verify(secret, given)) throw new CsrfError();
    return true;
  }
}
