import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { APP_CONFIG, AppConfig } from '@keyport/config';
import { BullmqJobQueue, JobQueue } from '@keyport/queue';
import { Role, UsersService } from '@keyport/users';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.decorators';
import { sessionUserId } from '../auth/session';
import { PageRenderer } from '../pages/page-renderer';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * bull-board can also add jobs, rewrite a job's data and wipe a queue. Jobs are made by the platform
 * (typed payloads, through the outbox); the dashboard is for watching, retrying, promoting and removing.
 */
const REFUSED_ROUTES = new Set(
  ['/api/queues/:queueName/add', '/api/queues/:queueName/:jobId/update-data', '/api/queues/:queueName/obliterate'].map((r) => `${QUEUE_DASHBOARD_PATH}${r}`),
);

/**
 * bull-board's UI is a React app with inline styles: on its routes only, styles may be inline. Scripts,
 * fonts, images and requests stay on this site ('self'), as everywhere else.
 */
function dashboardCsp(secure: boolean): string {
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'self'",
    "form-action 'self'",
    ...(secure ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

const QUEUE_DESCRIPTIONS: Record<string, string> = {
  mail: 'Confirmations, reminders, registration mails, scheduled event jobs',
  imports: 'CSV imports',
  mailings: 'Invitation mailings (pumps and the sweep)',
};

/**
 * With Redis: bull-board at /admin/queues for admins (waiting, active, delayed, failed jobs; retry a failed
 * one). Its routes are plain Fastify routes outside Nest's guards, so this plugin checks the same things
 * itself: the session cookie of a logged-in admin (anonymous: login redirect for pages, 401 for its API;
 * other roles: 403), and for changes (retry, remove, …) a request from this site (Origin), since the session
 * cookie alone must not be able to drive them. Without Redis, InProcessQueuesController serves the path.
 */
export async function registerQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const queue = app.get(JobQueue);
  if (!(queue instanceof BullmqJobQueue)) return;
  const users = app.get(UsersService);
  const pages = app.get(PageRenderer);
  const config = app.get<AppConfig>(APP_CONFIG);
  const ownOrigin = new URL(config.app.url).origin;
  const csp = dashboardCsp(config.app.url.startsWith('https://'));

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queue.bullQueues().map((q) => {
      const adapter = new BullMQAdapter(q, { allowRetries: true, description: QUEUE_DESCRIPTIONS[q.name] });
      adapter.setFormatter('data', summariseJobData);
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Keyport queues', hideDocsLink: true, miscLinks: [{ text: 'Keyport', url: '/' }] } },
  });

  const fromThisSite = (req: FastifyRequest): boolean => {
    const origin = req.headers.origin;
    if (typeof origin === 'string') return origin === ownOrigin || origin === `${req.protocol}://${req.host}`;
    return req.headers['sec-fetch-site'] === 'same-origin';
  };

  const guard = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const uid = sessionUserId(req);
    const user = uid ? await users.findActive(uid) : null;
    const wantsHtml = (req.headers.accept ?? '').includes('text/html');
    if (!user) {
      if (wantsHtml && req.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return reply.status(401).send({ statusCode: 401, error: 'Unauthorized', message: 'Login required' });
    }
    (req as AuthenticatedRequest).actor = { id: user.id, role: user.role, name: user.name, email: user.email };
    if (user.role !== Role.Admin) {
      const message = 'You do not have the right role for this';
      if (wantsHtml) {
        await pages.renderError(req, reply, 403, message);
        return reply;
      }
      return reply.status(403).send({ statusCode: 403, error: 'Forbidden', message });
    }
    if (!SAFE_METHODS.has(req.method) && !fromThisSite(req)) {
      return reply.status(403).send({ statusCode: 403, error: 'Forbidden', message: 'The request did not come from this site' });
    }
    if (!SAFE_METHODS.has(req.method) && REFUSED_ROUTES.has(req.routeOptions.url ?? '')) {
      return reply.status(403).send({ statusCode: 403, error: 'Forbidden', message: 'Jobs are made by the platform; this dashboard does not add or rewrite them' });
    }
    reply.header('content-security-policy', csp);
    return undefined;
  };

  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', guard);
    // The UI's page links Google Fonts; nothing here loads from elsewhere (privacy, CSP): system fonts it is.
    scope.addHook('onSend', async (_req, reply, payload) => {
      if (typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
        return payload.replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '');
      }
      return payload;
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
  });
}

/**
 * A send-mail job carries the whole rendered message (HTML, text, base64 attachments): the dashboard shows
 * who it is for and what it is, not the message itself.
 */
function summariseJobData(data: unknown): unknown {
  const job = data as { kind?: string; template?: string; mail?: { to?: string; subject?: string; attachments?: { filename?: string }[] } } | null;
  if (!job || typeof job !== 'object' || !job.mail || typeof job.mail !== 'object') return data;
  return {
    kind: job.kind,
    template: job.template,
    mail: { to: job.mail.to, subject: job.mail.subject, attachments: job.mail.attachments?.map((a) => a.filename) ?? [] },
  };
}

