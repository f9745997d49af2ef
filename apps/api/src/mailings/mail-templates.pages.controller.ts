import { ConflictError, FieldError, ValidationError } from '@keyport/common';
import { CreateMailTemplateDto, MailTemplatesService, MailTemplateView, NameQueryDto, TEMPLATE_VARIABLES } from '@keyport/mailings';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { validateForm } from '../common/validation';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import { formErrors, templateErrorList, TEMPLATE_PARTS, text, Translate } from './mailing-pages.util';

const BASE = '/manage/mail-templates';
type Lang = 'nl' | 'en';
type Part = 'subject' | 'html' | 'text';

interface TemplateForm {
  name: string;
  description: string;
  nl: Record<Part, string>;
  en: Record<Part, string>;
}

/** What a new template starts with: a short invitation that uses the event and the personal sign-up link. */
const STARTER: Pick<TemplateForm, 'nl' | 'en'> = {
  nl: {
    subject: 'Uitnodiging: {{event.title}}',
    html: '<p>Beste {{contact.firstName}},</p>\n<p>Graag nodigen wij u uit voor <strong>{{event.title}}</strong> op {{event.date}} om {{event.time}} uur, {{event.venue}}.</p>\n<p><a href="{{signUpUrl}}">Meld u direct aan</a></p>\n<p>Met vriendelijke groet,<br>{{sender.name}}</p>',
    text: 'Beste {{contact.firstName}},\n\nGraag nodigen wij u uit voor {{event.title}} op {{event.date}} om {{event.time}} uur, {{event.venue}}.\n\nMeld u aan: {{signUpUrl}}\n\nMet vriendelijke groet,\n{{sender.name}}',
  },
  en: {
    subject: 'Invitation: {{event.title}}',
    html: '<p>Dear {{contact.firstName}},</p>\n<p>We would like to invite you to <strong>{{event.title}}</strong> on {{event.date}} at {{event.time}}, {{event.venue}}.</p>\n<p><a href="{{signUpUrl}}">Sign up now</a></p>\n<p>Kind regards,<br>{{sender.name}}</p>',
    text: 'Dear {{contact.firstName}},\n\nWe would like to invite you to {{event.title}} on {{event.date}} at {{event.time}}, {{event.venue}}.\n\nSign up: {{signUpUrl}}\n\nKind regards,\n{{sender.name}}',
  },
};

/** Staff pages of mailing templates: list, editor with variables and a sample preview, copy, delete. */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/mail-templates')
export class MailTemplatesPagesController {
  constructor(
    private readonly templates: MailTemplatesService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: NameQueryDto): Promise<void> {
    const page = await this.templates.list({ q: query.q, page: query.page, pageSize: query.pageSize ?? 25 });
    await this.pages.render(req, reply, 'mailings/templates/list', { titleKey: 'mailings.templates.title', section: 'templates', page, query, currentUrl: req.url });
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.renderForm(req, reply, { name: '', description: '', nl: { ...STARTER.nl }, en: { ...STARTER.en } }, []);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    await this.submit(actor, req, reply, body ?? {});
  }

  @Get(':id')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const template = await this.templates.get(id);
    await reply.redirect(`${BASE}/${template.id}/edit`, 303);
  }

  @Get(':id/edit')
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const template = await this.templates.get(id);
    await this.renderForm(req, reply, { name: template.name, description: template.description ?? '', nl: { ...template.nl }, en: { ...template.en } }, [], template);
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const template = await this.templates.get(id);
    await this.submit(actor, req, reply, body ?? {}, template);
  }

  @Post(':id/copy')
  async copy(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const t = this.translator(req);
    const source = await this.templates.get(id);
    const copy = await this.templates.copy(actor, id, t('mailings.templates.copyName', { name: source.name }).slice(0, 200));
    await this.pages.redirect(req, reply, `${BASE}/${copy.id}/edit`, { type: 'success', key: 'mailings.templates.copied', args: { name: copy.name } });
  }

  @Post(':id/delete')
  async delete(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const template = await this.templates.get(id);
    try {
      await this.templates.delete(actor, id);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return this.pages.redirect(req, reply, BASE, { type: 'error', key: 'mailings.templates.inUse', args: { name: template.name, count: template.mailings } });
    }
    await this.pages.redirect(req, reply, BASE, { type: 'success', key: 'mailings.templates.deleted', args: { name: template.name } });
  }

  private translator(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private read(body: Record<string, unknown>): TemplateForm {
    // Template text is kept as typed (a leading space or line may matter); only the name and description are trimmed.
    const raw = (v: unknown): string => (typeof v === 'string' ? v.replace(/\r\n/g, '\n') : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
    const parts = (lang: Lang): Record<Part, string> => ({ subject: raw(body[`${lang}_subject`]).trim(), html: raw(body[`${lang}_html`]), text: raw(body[`${lang}_text`]) });
    return { name: text(body.name), description: text(body.description), nl: parts('nl'), en: parts('en') };
  }

  /** Saves, or ("preview") renders the unsaved text with sample data; either way errors come back per part with the line. */
  private async submit(actor: Actor, req: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, template?: MailTemplateView): Promise<void> {
    const form = this.read(body);
    if (text(body.action) === 'preview') {
      try {
        const preview = this.templates.previewSample({ nl: form.nl, en: form.en });
        return this.renderForm(req, reply, form, [], template, preview);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return this.renderForm(req, reply, form, error.fields, template, undefined, 400);
      }
    }
    const { value, errors } = await validateForm(CreateMailTemplateDto, { name: form.name, description: form.description, nl: form.nl, en: form.en });
    if (!value) return this.renderForm(req, reply, form, Object.entries(errors).map(([field, e]) => ({ field, ...e })), template, undefined, 400);
    let saved: MailTemplateView;
    try {
      saved = template
        ? await this.templates.update(actor, template.id, { ...value, description: value.description ?? '' })
        : await this.templates.create(actor, value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.renderForm(req, reply, form, error.fields, template, undefined, 400);
    }
    await this.pages.redirect(req, reply, `${BASE}/${saved.id}/edit`, { type: 'success', key: template ? 'mailings.templates.saved' : 'mailings.templates.created', args: { name: saved.name } });
  }

  private async renderForm(
    req: FastifyRequest,
    reply: FastifyReply,
    form: TemplateForm,
    errors: FieldError[],
    template?: MailTemplateView,
    preview?: Record<Lang, { subject: string; html: string; text: string }>,
    status = 200,
  ): Promise<void> {
    const t = this.translator(req);
    const byField = formErrors(errors, t, (f) => f.replace('.', '_'));
    const templateErrors = templateErrorList(errors, t);
    const otherErrors = Object.entries(byField)
      .filter(([field]) => !templateErrors.some((e) => e.field.replace('.', '_') === field))
      .map(([field, e]) => ({ anchor: `f-${field}`, label: label(field, t), message: e.message }));
    if (preview) {
      // The sample preview is shown in sandboxed frames (srcdoc), which take this page's policy: let them have the mail's inline styles.
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') reply.header('content-security-policy', csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"));
    }
    await this.pages.render(
      req,
      reply,
      'mailings/templates/form',
      {
        titleKey: template ? 'mailings.templates.edit' : 'mailings.templates.new',
        section: 'templates',
        template,
        action: template ? `${BASE}/${template.id}` : BASE,
        values: form,
        errors: byField,
        languages: (['nl', 'en'] as const).map((lang) => ({
          lang,
          label: t(`mailings.languages.${lang}`),
          parts: TEMPLATE_PARTS.filter((p) => p.lang === lang).map(({ part }) => {
            const name = `${lang}_${part}`;
            return { name, id: `f-${name}`, part, label: t(`mailings.parts.${part}`), value: form[lang][part], error: byField[name]?.message, isSubject: part === 'subject', rows: part === 'html' ? 14 : 10 };
          }),
        })),
        templateErrors,
        otherErrors,
        variables: TEMPLATE_VARIABLES.map((v) => ({ code: `{{${v}}}`, meaning: t(`mailings.variables.${v}`) })),
        preview: preview
          ? (['nl', 'en'] as const).map((lang) => ({ lang, label: t(`mailings.languages.${lang}`), ...preview[lang] }))
          : null,
      },
      { status },
    );
  }
}

function label(field: string, t: Translate): string {
  if (field === 'name') return t('mailings.templates.name');
  if (field === 'description') return t('mailings.templates.description');
  const m = /^(nl|en)_(subject|html|text)$/.exec(field);
  return m ? `${t(`mailings.languages.${m[1]}`)} · ${t(`mailings.parts.${m[2]}`)}` : field;
}
