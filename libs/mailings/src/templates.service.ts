import { APP_CONFIG, AppConfig } from '@keyport/config';
import { ConflictError, escapeLike, FieldError, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { AuditService } from '@keyport/crm';
import { Language, LANGUAGES, MailRenderer, RenderedMail } from '@keyport/mail';
import { Actor } from '@keyport/users';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CreateMailTemplateDto, NameQueryDto, UpdateMailTemplateDto } from './mailing.dto';
import { CompiledContent, MailingContent, sampleVariables, TemplateErrors } from './mailing-content';

export interface MailTemplateView extends MailingContent {
  id: string;
  name: string;
  description: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** How many mailings use it. */
  mailings: number;
}

const COLUMNS = `t.id, t.name, t.description, t.subject_nl, t.html_nl, t.text_nl, t.subject_en, t.html_en, t.text_en,
  u.name AS created_by, t.created_at, t.updated_at, (SELECT count(*)::int FROM mailings m WHERE m.template_id = t.id) AS mailings`;

/** Reusable mailing templates (Handlebars subject, HTML and text in Dutch and English). */
@Injectable()
export class MailTemplatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly renderer: MailRenderer,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: NameQueryDto): Promise<Page<MailTemplateView>> {
    const w = pageWindow(query.page, query.pageSize);
    const params: unknown[] = [];
    let where = '';
    if (query.q) {
      params.push(`%${escapeLike(query.q)}%`);
      where = `WHERE t.name ILIKE $1`;
    }
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM mail_templates t LEFT JOIN users u ON u.id = t.created_by ${where}
          ORDER BY t.updated_at DESC, t.id LIMIT ${w.pageSize} OFFSET ${w.offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM mail_templates t ${where}`, params),
    ]);
    return pageOf(rows.map(toView), count[0].n, w.page, w.pageSize);
  }

  async get(id: string): Promise<MailTemplateView> {
    if (!isUuid(id)) throw new NotFoundError('Template');
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM mail_templates t LEFT JOIN users u ON u.id = t.created_by WHERE t.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Template');
    return toView(rows[0]);
  }

  async create(actor: Actor, dto: CreateMailTemplateDto): Promise<MailTemplateView> {
    this.assertValid(dto);
    const id = await this.dataSource.transaction(async (m) => {
      const rows = await m.query(
        `INSERT INTO mail_templates (name, description, subject_nl, html_nl, text_nl, subject_en, html_en, text_en, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [dto.name, dto.description ?? null, dto.nl.subject, dto.nl.html, dto.nl.text, dto.en.subject, dto.en.html, dto.en.text, actor.id],
      );
      await this.audit.record(m, actor, 'create', 'mail_template', rows[0].id, {}, dto.name);
      return rows[0].id as string;
    });
    return this.get(id);
  }

  async update(actor: Actor, id: string, dto: UpdateMailTemplateDto): Promise<MailTemplateView> {
    const current = await this.get(id);
    const next = {
      name: dto.name ?? current.name,
      description: dto.description ?? current.description,
      nl: dto.nl ?? current.nl,
      en: dto.en ?? current.en,
    };
    this.assertValid(next);
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE mail_templates SET name = $2, description = $3, subject_nl = $4, html_nl = $5, text_nl = $6,
           subject_en = $7, html_en = $8, text_en = $9, updated_at = now() WHERE id = $1`,
        [id, next.name, next.description, next.nl.subject, next.nl.html, next.nl.text, next.en.subject, next.en.html, next.en.text],
      );
      await this.audit.record(m, actor, 'update', 'mail_template', id, {}, next.name);
    });
    return this.get(id);
  }

  /** A new template with the same content, named "<name> (copy)". */
  async copy(actor: Actor, id: string, name?: string): Promise<MailTemplateView> {
    const source = await this.get(id);
    return this.create(actor, { name: name ?? `${source.name} (kopie)`.slice(0, 200), description: source.description ?? undefined, nl: source.nl, en: source.en });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const current = await this.get(id);
    if (current.mailings > 0) throw new ConflictError('This template is used by a mailing; copy it to make a new one instead');
    await this.dataSource.transaction(async (m) => {
      await m.query(`DELETE FROM mail_templates WHERE id = $1`, [id]);
      await this.audit.record(m, actor, 'delete', 'mail_template', id, {}, current.name);
    });
  }

  /**
   * Every error of the content, each with its field ('nl.html') and line: syntax errors, and variables
   * that no mailing has. With `withEvent: false`, event variables are errors too (a mailing without an event).
   */
  validate(content: MailingContent, withEvent = true): FieldError[] {
    let compiled: CompiledContent;
    try {
      compiled = new CompiledContent(this.renderer, content);
    } catch (error) {
      if (error instanceof TemplateErrors) return error.fields;
      throw error;
    }
    return compiled.check(sampleVariables('nl', withEvent, this.config.app.url));
  }

  /** The content rendered with sample data, in both languages: for the editor's preview. */
  previewSample(content: MailingContent): Record<Language, RenderedMail> {
    const errors = this.validate(content);
    if (errors.length) throw new ValidationError(errors, 'The template has errors');
    const compiled = new CompiledContent(this.renderer, content);
    return Object.fromEntries(LANGUAGES.map((l) => [l, compiled.render(l, sampleVariables(l, true, this.config.app.url))])) as Record<Language, RenderedMail>;
  }

  private assertValid(content: MailingContent): void {
    const errors = this.validate(content);
    if (errors.length) throw new ValidationError(errors, 'The template has errors');
  }
}

export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

function toView(r: Record<string, unknown>): MailTemplateView {
  return {
    id: r.id as string,
    name: r.name as string,
    description: (r.description as string) ?? null,
    nl: { subject: r.subject_nl as string, html: r.html_nl as string, text: r.text_nl as string },
    en: { subject: r.subject_en as string, html: r.html_en as string, text: r.text_en as string },
    createdBy: (r.created_by as string) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    mailings: r.mailings as number,
  };
}
