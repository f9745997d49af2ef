import { ValidationError } from '@keyport/common';
import { exampleCsv, IMPORT_KINDS, ImportProgress, ImportsService, ImportView, parseKind } from '@keyport/crm/import';
import { Actor, Role } from '@keyport/users';
import { Controller, Delete, Get, HttpCode, Param, PayloadTooLargeException, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConflictResponse, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiPayloadTooLargeResponse,
  ApiProduces, ApiQuery, ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { isMultipart, readMultipartForm, UPLOAD_LIMIT_BYTES, UploadedForm } from '../../common/multipart-form';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { ImportListQuery, ImportPageDto, ImportRowsQuery, ImportViewDto, RowPageDto, UploadImportDto } from './dto';
import { sendImportReport } from './import-report';

/** Reads an upload; a file over the limit is a 413 with a plain message. */
export async function readUpload(req: FastifyRequest): Promise<UploadedForm> {
  if (!isMultipart(req)) throw new ValidationError([{ field: 'file', message: 'send the form as multipart/form-data with the CSV in field "file"' }]);
  try {
    return await readMultipartForm(req);
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLargeException(`The file is larger than ${UPLOAD_LIMIT_BYTES / 1024 / 1024} MB`);
    throw error;
  }
}

@ApiTags('imports')
@ApiBearerAuth()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/imports')
export class ImportsApiController {
  constructor(
    private readonly imports: ImportsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Imports, newest first' })
  @ApiOkResponse({ type: ImportPageDto })
  list(@CurrentActor() actor: Actor, @Query() query: ImportListQuery) {
    return this.imports.list(actor, query.page, query.pageSize);
  }

  @Post()
  @ApiOperation({
    summary: 'Upload a CSV and preview it',
    description:
      'Stores the file and checks every line with the rules of POST /organisations and /contacts: accepted, duplicate (of an existing record or an earlier line) or rejected, with the reasons. Nothing is written to organisations or contacts. The format of each kind is on the import page and in GET /imports/example/{kind}.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadImportDto })
  @ApiCreatedResponse({ type: ImportViewDto })
  @ApiPayloadTooLargeResponse({ description: 'The file is larger than 50 MB' })
  async upload(@CurrentActor() actor: Actor, @Req() req: FastifyRequest): Promise<ImportView> {
    const form = await readUpload(req);
    const kind = parseKind(form.fields.kind);
    if (!form.file) throw new ValidationError([{ field: 'file', message: 'the CSV file is missing (field "file")' }]);
    return this.imports.preview(actor, { kind, fileName: form.file.fileName, content: form.file.content });
  }

  @Get('example/:kind')
  @ApiOperation({ summary: 'An example file of the kind' })
  @ApiParam({ name: 'kind', enum: IMPORT_KINDS })
  @ApiProduces('text/csv')
  async example(@Param('kind') kind: string, @Res() reply: FastifyReply): Promise<void> {
    const valid = parseKind(kind);
    await reply.header('content-disposition', `attachment; filename="${valid}-example.csv"`).type('text/csv; charset=utf-8').send(exampleCsv(valid));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status, counts and the first lines of the preview' })
  @ApiOkResponse({ type: ImportViewDto })
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<ImportView> {
    return this.imports.get(actor, id);
  }

  @Get(':id/progress')
  @ApiOperation({ summary: 'How far the run is' })
  progress(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<ImportProgress> {
    return this.imports.progress(actor, id);
  }

  @Get(':id/rows')
  @ApiOperation({ summary: "Every line's outcome, a page at a time (the preview's, or the run's once it ran)" })
  @ApiOkResponse({ type: RowPageDto })
  rows(@CurrentActor() actor: Actor, @Param('id') id: string, @Query() query: ImportRowsQuery) {
    return this.imports.rows(actor, id, query.status, query.page, query.pageSize);
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiOperation({ summary: 'Import the accepted lines', description: 'Queues the import; follow it with GET /imports/{id}. A failed import continues where it stopped.' })
  @ApiAcceptedResponse({ type: ImportViewDto })
  @ApiConflictResponse({ description: 'The import is already queued, running or done' })
  run(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<ImportView> {
    return this.imports.requestRun(actor, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an import: its stored file and per-line results (what it created stays)' })
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.imports.delete(actor, id);
  }

  @Get(':id/report')
  @ApiOperation({ summary: 'Every line with its status and explanation, as CSV', description: 'Language: ?lang=nl (default) or en.' })
  @ApiQuery({ name: 'lang', required: false, enum: ['nl', 'en'] })
  @ApiProduces('text/csv')
  async report(@CurrentActor() actor: Actor, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await sendImportReport(reply, this.imports, this.pages, resolveLang(req), actor, id);
  }
}
