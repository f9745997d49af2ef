import { formatDateTime, projectPath } from '@keyport/common';
import { Role } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { I18nService } from 'nestjs-i18n';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AuthenticatedRequest } from '../auth/auth.decorators';
import { csrfToken } from '../auth/csrf.guard';
import { Flash, session, setFlash, takeFlash } from '../auth/session';

export type Lang = 'nl' | 'en';
export const VIEWS_DIR = projectPath('apps', 'api', 'views');
const LANG_COOKIE = 'lang';

export interface RenderOptions {
  status?: number;
  layout?: 'main' | 'public' | 'bare';
}

interface NavItem {
  href: string;
  key: string;
  roles?: Role[];
  /** Other paths that belong to this item (it is marked current there too). */
  also?: string[];
}

const CRM_ROLES = [Role.AccountManager, Role.Organiser];
const NAV: NavItem[] = [
  { href: '/', key: 'nav.home' },
  { href: '/manage/events', key: 'nav.events' },
  { href: '/crm/organisations', key: 'nav.organisations', roles: CRM_ROLES },
  { href: '/crm/contacts', key: 'nav.contacts', roles: CRM_ROLES },
  { href: '/crm/visits', key: 'nav.visits', roles: CRM_ROLES },
  { href: '/crm/questions', key: 'nav.questions', roles: CRM_ROLES },
  { href: '/crm/follow-ups', key: 'nav.followUps', roles: CRM_ROLES },
  { href: '/crm/support', key: 'nav.support', roles: CRM_ROLES },
  { href: '/crm/imports', key: 'nav.imports', roles: CRM_ROLES },
  { href: '/manage/mailings', key: 'nav.mailings', roles: [Role.Organiser], also: ['/manage/mail-templates', '/manage/segments'] },
  { href: '/dashboard', key: 'targets.nav.dashboard', also: ['/reports'] },
  { href: '/manage/plans', key: 'plans.nav', roles: [Role.Organiser] },
  { href: '/admin/users', key: 'nav.users', roles: [Role.Admin] },
  { href: '/admin/mail', key: 'nav.mail', roles: [Role.Admin, Role.Organiser] },
  { href: '/admin/queues', key: 'ops.nav', roles: [Role.Admin] },
  { href: '/api/docs', key: 'nav.api' },
];

/** The language asked for with ?lang= on this request (taken out of the query by an onRequest hook). */
function requestedLang(req: FastifyRequest): Lang | undefined {
  const asked = (req as FastifyRequest & { requestedLang?: string }).requestedLang ?? (req.query as Record<string, unknown> | undefined)?.lang;
  return asked === 'nl' || asked === 'en' ? asked : undefined;
}

/** The reader's language: ?lang= (remembered in a cookie), else the cookie, else Dutch. */
export function resolveLang(req: FastifyRequest): Lang {
  const query = requestedLang(req);
  if (query) return query;
  const cookie = (req as unknown as { cookies?: Record<string, string> }).cookies?.[LANG_COOKIE];
  return cookie === 'en' ? 'en' : 'nl';
}

/**
 * Server-rendered pages: Handlebars views with a layout and partials, in the reader's language from
 * the one message catalogue. Every page gets the same locals: who is logged in, the navigation for
 * their role, the flash message of the last action, the form token and the language switch.
 */
@Injectable()
export class PageRenderer {
  private readonly hbs = Handlebars.create();
  private readonly templates = new Map<string, Handlebars.TemplateDelegate>();

  constructor(private readonly i18n: I18nService) {
    this.registerHelpers();
    this.loadPartials(join(VIEWS_DIR, 'partials'));
  }

  t(lang: Lang, key: string, args?: Record<string, unknown>): string {
    return String(this.i18n.translate(key, { lang, args }));
  }

  async render(req: FastifyRequest, reply: FastifyReply, view: string, data: Record<string, unknown> = {}, options: RenderOptions = {}): Promise<void> {
    const html = this.html(req, reply, view, data, options);
    await reply
      .status(options.status ?? 200)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  /** POST/redirect/GET: a 303 to `url`, with a message for the next page. */
  async redirect(req: FastifyRequest, reply: FastifyReply, url: string, flash?: { type: Flash['type']; key: string; args?: Record<string, unknown> }): Promise<void> {
    if (flash && session(req)) setFlash(req, flash.type, this.t(resolveLang(req), flash.key, flash.args));
    await reply.redirect(url, 303);
  }

  async renderError(req: FastifyRequest, reply: FastifyReply, status: number, message: string, requestId?: string): Promise<void> {
    const lang = resolveLang(req);
    const known = [400, 403, 404, 409, 429, 503].includes(status) ? status : 500;
    await this.render(
      req,
      reply,
      'error',
      { titleKey: `errors.${known}.title`, status, explanation: this.t(lang, `errors.${known}.text`), detail: status < 500 ? message : undefined, requestId },
      { status, layout: (req as AuthenticatedRequest).actor ? 'main' : 'public' },
    );
  }

  html(req: FastifyRequest, reply: FastifyReply, view: string, data: Record<string, unknown>, options: RenderOptions = {}): string {
    const lang = resolveLang(req);
    const query = requestedLang(req);
    if (query) {
      reply.setCookie(LANG_COOKIE, query, { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 24 * 3600 });
    }
    const actor = (req as AuthenticatedRequest).actor;
    const path = req.url.split('?')[0];
    const locals: Record<string, unknown> = {
      lang,
      otherLang: lang === 'nl' ? 'en' : 'nl',
      langSwitchUrl: withQuery(req.url, 'lang', lang === 'nl' ? 'en' : 'nl'),
      actor,
      isAdmin: actor?.role === Role.Admin,
      nav: actor
        ? NAV.filter((n) => !n.roles || actor.role === Role.Admin || n.roles.includes(actor.role)).map((n) => ({
            ...n,
            current: n.href === '/' ? path === '/' : [n.href, ...(n.also ?? [])].some((p) => path.startsWith(p)),
          }))
        : [],
      csrf: session(req) ? csrfToken(req) : '',
      flash: session(req) ? takeFlash(req) : undefined,
      path,
      ...data,
    };
    const body = this.template(view)(locals);
    if (options.layout === 'bare') return body;
    return this.template(`layouts/${options.layout ?? (actor ? 'main' : 'public')}`)({ ...locals, body });
  }

  private template(name: string): Handlebars.TemplateDelegate {
    let fn = this.templates.get(name);
    if (!fn) {
      fn = this.hbs.compile(readFileSync(join(VIEWS_DIR, `${name}.hbs`), 'utf8'));
      this.templates.set(name, fn);
    }
    return fn;
  }

  private loadPartials(dir: string): void {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.hbs')) continue;
      const file = join(entry.parentPath, entry.name);
      this.hbs.registerPartial(relative(dir, file).replace(/\.hbs$/, ''), readFileSync(file, 'utf8'));
    }
  }

  private registerHelpers(): void {
    const rootLang = (options: Handlebars.HelperOptions): Lang => (options?.data?.root?.lang === 'en' ? 'en' : 'nl');
    this.hbs.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => this.t(rootLang(options), key, options.hash));
    this.hbs.registerHelper('datetime', (value: Date | string, options: Handlebars.HelperOptions) => formatDateTime(value, rootLang(options)));
    this.hbs.registerHelper('date', (value: Date | string, options: Handlebars.HelperOptions) => formatDateTime(value, rootLang(options), false));
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('gt', (a: number, b: number) => a > b);
    this.hbs.registerHelper('lt', (a: number, b: number) => a < b);
    this.hbs.registerHelper('inc', (a: number) => Number(a) + 1);
    this.hbs.registerHelper('dec', (a: number) => Number(a) - 1);
    this.hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
    this.hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    this.hbs.registerHelper('json', (value: unknown) => new Handlebars.SafeString(JSON.stringify(value ?? null).replace(/</g, '\\u003c')));
    // The error message of one form field, translated by its rule where the catalogue has it.
    this.hbs.registerHelper('fieldError', (errors: Record<string, { rule?: string; message: string }> | undefined, field: string, options: Handlebars.HelperOptions) => {
      const error = errors?.[field];
      if (!error) return '';
      const key = `validation.${error.rule}`;
      const translated = error.rule ? this.t(rootLang(options), key, { field }) : '';
      return translated && translated !== key ? translated : error.message;
    });
    // A link to the same list with one query parameter changed (page, sort, filter).
    this.hbs.registerHelper('queryWith', (name: string, value: unknown, options: Handlebars.HelperOptions) =>
      withQuery(String(options.data.root.currentUrl ?? options.data.root.path ?? '/'), name, String(value)),
    );
  }
}

export function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url, 'http://x');
  parsed.searchParams.set(name, value);
  return `${parsed.pathname}?${parsed.searchParams.toString()}`;
}
