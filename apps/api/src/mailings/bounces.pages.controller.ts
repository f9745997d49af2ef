import { ValidationError } from '@keyport/common';
import { detectDelimiter } from '@keyport/crm/import';
import { BOUNCE_KINDS, BounceDto, BounceResult, SubscriptionsService } from '@keyport/mailings';
import { Role } from '@keyport/users';
import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { parse } from 'csv-parse';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth/auth.decorators';
import { isMultipart, readMultipartForm, UPLOAD_LIMIT_BYTES, UploadedForm } from '../common/multipart-form';
import { validateForm } from '../common/validation';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import { errorText, Translate } from './mailing-pages.util';

/** The most lines one file may have (as the bounce API takes at once). */
const MAX_LINES = 10_000;

const COLUMN_NAMES: Record<string, 'email' | 'kind' | 'reason'> = {
  email: 'email', 'e-mail': 'email', emailadres: 'email', 'e-mailadres': 'email',
  kind: 'kind', type: 'kind', soort: 'kind',
  reason: 'reason', reden: 'reason',
};

type FileProblem = 'missing' | 'notText' | 'empty' | 'noEmailColumn' | 'invalidCsv' | 'tooManyLines' | 'noLines' | 'tooLarge';

class BounceFileError extends Error {
  constructor(
    readonly problem: FileProblem,
    readonly args: Record<string, unknown> = {},
  ) {
    super(problem);
  }
}

interface LineError {
  line: number;
  email: string;
  problems: string[];
}

/** Reads the whole CSV (delimiter `,`, `;` or tab as the header has it): the rows with their line number, or a file error. */
function readCsv(content: Buffer): Promise<{ line: number; values: Record<string, string> }[]> {
  if (content.subarray(0, 8192).includes(0)) return Promise.reject(new BounceFileError('notText'));
  const text = content.toString('utf8').replace(/^\uFEFF/, '');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (!firstLine.trim()) return Promise.reject(new BounceFileError(text.trim() ? 'noEmailColumn' : 'empty'));
  return new Promise((resolve, reject) => {
    parse(
      text,
      { delimiter: detectDelimiter(firstLine), record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, skip_empty_lines: false, max_record_size: 100_000 },
      (error, records: string[][] | undefined) => {
        if (error) {
          const e = error as { lines?: number };
          return reject(new BounceFileError('invalidCsv', { line: e.lines ?? 1 }));
        }
        const all = records ?? [];
        const header = (all[0] ?? []).map((h) => COLUMN_NAMES[h.trim().toLowerCase()]);
        if (!header.includes('email')) return reject(new BounceFileError('noEmailColumn'));
        const rows: { line: number; values: Record<string, string> }[] = [];
        all.slice(1).forEach((record, i) => {
          if (record.every((v) => v.trim() === '')) return;
          const values: Record<string, string> = {};
          header.forEach((field, c) => {
            if (field && values[field] === undefined) values[field] = (record[c] ?? '').trim();
          });
          rows.push({ line: i + 2, values });
        });
        if (rows.length > MAX_LINES) return reject(new BounceFileError('tooManyLines', { max: MAX_LINES }));
        if (!rows.length) return reject(new BounceFileError('noLines'));
        resolve(rows);
      },
    );
  });
}

/**
 * Upload of bounced addresses (from a mail provider's report): email, and optionally kind (hard, soft,
 * complaint; default hard) and reason. The file is read whole before anything is written; the valid lines
 * are recorded in one transaction, the others listed with their line number and why.
 */
@ApiExcludeController()
@Roles(Role.Organiser)
@Controller('manage/mailings/bounces')
export class BouncesPagesController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async form(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.render(req, reply, {});
  }

  @Post()
  async upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const lang = resolveLang(req);
    const t: Translate = (key, args) => this.pages.t(lang, key, args);
    let form: UploadedForm = { fields: {} };
    try {
      if (!isMultipart(req)) throw new BounceFileError('missing');
      form = await readMultipartForm(req);
      if (!form.file || !form.file.content.length) throw new BounceFileError(form.file ? 'empty' : 'missing');
      const rows = await readCsv(form.file.content);
      const valid: BounceDto[] = [];
      const invalid: LineError[] = [];
      for (const row of rows) {
        const kind = (row.values.kind ?? '').toLowerCase() || 'hard';
        const { value, errors } = await validateForm(BounceDto, { email: row.values.email ?? '', kind, reason: row.values.reason || undefined });
        if (value) valid.push(value);
        else {
          invalid.push({
            line: row.line,
            email: row.values.email ?? '',
            problems: Object.entries(errors).map(([field, e]) => `${t(`mailings.bounces.columns.${field}`)}: ${field === 'kind' ? t('mailings.bounces.kindError') : errorText(e, t)}`),
          });
        }
      }
      const result: BounceResult = valid.length ? await this.subscriptions.recordBounces(valid, 'csv') : { recorded: 0, excluded: 0, unknown: 0 };
      await this.render(req, reply, { result, invalid, fileName: form.file.fileName, lines: rows.length }, invalid.length && !valid.length ? 400 : 200);
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        return this.render(req, reply, { fileError: t('mailings.bounces.fileErrors.tooLarge', { mb: UPLOAD_LIMIT_BYTES / 1024 / 1024 }) }, 413);
      }
      if (error instanceof BounceFileError) return this.render(req, reply, { fileError: t(`mailings.bounces.fileErrors.${error.problem}`, error.args) }, 400);
      if (error instanceof ValidationError) return this.render(req, reply, { fileError: t('mailings.bounces.fileErrors.missing') }, 400);
      throw error;
    }
  }

  private async render(
    req: FastifyRequest,
    reply: FastifyReply,
    data: { result?: BounceResult; invalid?: LineError[]; fileName?: string; lines?: number; fileError?: string },
    status = 200,
  ): Promise<void> {
    await this.pages.render(
      req,
      reply,
      'mailings/bounces',
      {
        titleKey: 'mailings.bounces.title',
        section: 'bounces',
        ...data,
        kinds: BOUNCE_KINDS,
        errors: data.fileError ? { file: { message: data.fileError } } : {},
      },
      { status },
    );
  }
}
