import { ValidationError } from '@keyport/common';
import {
  exampleCsv, IMPORT_COLUMNS, IMPORT_KINDS, ImportFileError, ImportKind, ImportsService, ImportView, parseKind, parseRowStatus, ROW_STATUSES, RowStatus,
} from '@keyport/crm/import';
import { Actor, Role } from '@keyport/users';
import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { isMultipart, readMultipartForm, UPLOAD_LIMIT_BYTES, UploadedForm } from '../../common/multipart-form';
import { FormErrors } from '../../common/validation';
import { Lang, PageRenderer, resolveLang } from '../../pages/page-renderer';
import { ImportPagesQuery } from './dto';
import { sendImportReport } from './import-report';
import { ImportTexts } from './import-texts';

const ACTIVE = ['queued', 'running'];

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/imports')
export class ImportsPagesController {
  constructor(
    private readonly imports: ImportsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: ImportPagesQuery): Promise<void> {
    await this.renderList(actor, req, reply, query.page, { kind: 'organisations' }, {});
  }

  @Post()
  async upload(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const lang = resolveLang(req);
    const texts = new ImportTexts(this.pages, lang);
    const errors: FormErrors = {};
    let form: UploadedForm = { fields: {} };
    try {
      if (!isMultipart(req)) throw new ValidationError([{ field: 'file', message: 'not a file upload', rule: 'missing' }]);
      form = await readMultipartForm(req);
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        errors.file = { message: texts.fileError(new ImportFileError('tooLarge', 'too large', { mb: UPLOAD_LIMIT_BYTES / 1024 / 1024 })) };
        return this.renderList(actor, req, reply, 1, { kind: form.fields.kind }, errors, 413);
      }
      if (!(error instanceof ValidationError)) throw error;
      errors.file = { message: this.pages.t(lang, 'imports.fileErrors.missing') };
    }
    const kind = IMPORT_KINDS.includes(form.fields.kind as ImportKind) ? (form.fields.kind as ImportKind) : undefined;
    if (!kind) errors.kind = { message: this.pages.t(lang, 'imports.kindError') };
    if (!form.file && !errors.file) errors.file = { message: this.pages.t(lang, 'imports.fileErrors.missing') };
    if (kind && form.file) {
      try {
        const view = await this.imports.preview(actor, { kind, fileName: form.file.fileName, content: form.file.content });
        return this.pages.redirect(req, reply, `/crm/imports/${view.id}`, { type: 'success', key: 'imports.previewed', args: { total: view.totalRows } });
      } catch (error) {
        if (!(error instanceof ImportFileError)) throw error;
        errors.file = { message: texts.fileError(error) };
      }
    }
    await this.renderList(actor, req, reply, 1, { kind: form.fields.kind }, errors, 400);
  }

  @Get('example/:kind')
  async example(@Param('kind') kind: string, @Res() reply: FastifyReply): Promise<void> {
    const valid = parseKind(kind.replace(/\.csv$/, ''));
    await reply.header('content-disposition', `attachment; filename="${valid}-example.csv"`).type('text/csv; charset=utf-8').send(exampleCsv(valid));
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: ImportPagesQuery): Promise<void> {
    const lang = resolveLang(req);
    const texts = new ImportTexts(this.pages, lang);
    const view = await this.imports.get(actor, id);
    const status = parseRowStatus(query.status);
    const rows = await this.imports.rows(actor, id, status, query.page, 50);
    await this.pages.render(req, reply, 'crm/imports/show', {
      titleKey: 'imports.title',
      imp: view,
      active: ACTIVE.includes(view.status),
      canRun: view.status === 'previewed',
      canRetry: view.status === 'failed',
      hasRun: view.status !== 'previewed',
      accepted: view.preview?.accepted ?? 0,
      ignoredColumns: view.preview?.ignoredColumns.join(', '),
      statuses: ROW_STATUSES.filter((s) => (view.status === 'previewed' ? s !== 'created' : s !== 'accepted' || view.status !== 'done')),
      filter: status ?? '',
      page: { ...rows, items: rows.items.map((r) => ({ ...r, reasonText: texts.reasons(r.reasons) })) },
      currentUrl: req.url,
      progressText: this.progressText(lang, view),
    });
  }

  @Get(':id/progress.json')
  async progress(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Param('id') id: string) {
    const progress = await this.imports.progress(actor, id);
    return { ...progress, text: this.pages.t(resolveLang(req), 'imports.progressText', { processed: progress.processedRows, total: progress.totalRows }) };
  }

  @Post(':id/run')
  async run(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    await this.imports.requestRun(actor, id);
    await this.pages.redirect(req, reply, `/crm/imports/${id}`, { type: 'success', key: 'imports.queuedFlash' });
  }

  @Get(':id/report.csv')
  async report(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    await sendImportReport(reply, this.imports, this.pages, resolveLang(req), actor, id);
  }

  private progressText(lang: Lang, view: ImportView): string {
    return this.pages.t(lang, 'imports.progressText', { processed: view.processedRows, total: view.totalRows });
  }

  private async renderList(actor: Actor, req: FastifyRequest, reply: FastifyReply, page: number | undefined, values: Record<string, unknown>, errors: FormErrors, status = 200): Promise<void> {
    const lang = resolveLang(req);
    const imports = await this.imports.list(actor, page, 25);
    const formats = IMPORT_KINDS.map((kind) => ({
      kind,
      note: `imports.${kind}Note`,
      columns: IMPORT_COLUMNS[kind].map((c) => ({ ...c, meaning: this.pages.t(lang, `imports.columns.${c.key}`) })),
    }));
    await this.pages.render(req, reply, 'crm/imports/list', { titleKey: 'imports.title', page: imports, kinds: IMPORT_KINDS, formats, values, errors, currentUrl: req.url }, { status });
  }
}
