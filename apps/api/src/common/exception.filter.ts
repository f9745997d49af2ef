import { DomainError, ErrorCode } from '@keyport/common';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isApiPath } from '../auth/auth.guard';
import { PageRenderer } from '../pages/page-renderer';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Invalid]: 400,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Unavailable]: 503,
};

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; message: string }[];
  requestId?: string;
}

function isHealthReport(response: unknown): boolean {
  return typeof response === 'object' && response !== null && 'details' in response && 'status' in response;
}

/** Connection-level failures of PostgreSQL (down, restarting, refusing): the request may be retried. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'].includes(code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i.test(e?.message ?? '')
  );
}

/**
 * The one place errors become responses: JSON (status, message, fields) for the API and for
 * non-HTML clients; a rendered page for browsers. Never a stack trace or SQL in a response.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly pages: PageRenderer) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    if (host.getType() !== 'http') throw exception;
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    // /health's own report (terminus): keep its per-part detail, it is the point of the endpoint.
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      await reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const body = this.toBody(exception, req);

    const wantsHtml = !isApiPath(req.url) && (req.headers.accept ?? '').includes('text/html');
    if (!wantsHtml) {
      if (body.statusCode === 503) reply.header('retry-after', '5');
      await reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
      return;
    }
    if (body.statusCode === 401) {
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      await reply.redirect(`/login${next}`, 303);
      return;
    }
    await this.pages.renderError(req, reply, body.statusCode, body.message, body.requestId);
  }

  private toBody(exception: unknown, req: FastifyRequest): ErrorBody {
    if (exception instanceof DomainError) {
      const statusCode = STATUS[exception.code];
      return {
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: exception.message,
        ...(exception.fields.length ? { errors: exception.fields.map(({ field, message }) => ({ field, message })) } : {}),
        ...(exception.details ?? {}),
      };
    }
    if (exception instanceof ThrottlerException) {
      return { statusCode: 429, error: 'Too Many Requests', message: 'Too many requests from your address; wait a minute and try again.' };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
      return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: statusCode >= 500 ? 'Internal error' : message };
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      // Fastify's own refusals: malformed JSON, body too large, unsupported media type.
      return { statusCode: fastifyError.statusCode, error: STATUS_CODES[fastifyError.statusCode] ?? 'Error', message: fastifyError.message ?? 'Bad request' };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable: ${(exception as Error).message}`);
      return { statusCode: 503, error: 'Service Unavailable', message: 'The database is temporarily unavailable. Please try again in a moment.' };
    }
    this.logger.error({ err: exception, reqId: req.id }, 'unhandled error');
    return { statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side.', requestId: String(req.id) };
  }
}
