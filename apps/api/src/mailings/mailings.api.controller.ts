import { Page } from '@keyport/common';
import {
  AudienceFiltersDto, AudiencePreview, BounceResult, BouncesDto, CreateMailingDto, CreateMailTemplateDto, CreateSegmentDto, MailingQueryDto,
  MailingsService, MailingView, MailTemplatesService, MailTemplateView, NameQueryDto, PreviewQueryDto, RecipientQueryDto, RecipientView,
  SegmentsService, SegmentView, SendMailingDto, SubscriptionsService, TemplatePartsDto, UpdateMailingDto, UpdateMailTemplateDto, UpdateSegmentDto,
} from '@keyport/mailings';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse,
  ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { streamExport } from '../common/export';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import { mailingColumns, recipientColumns } from './mailing.columns';

class MailingCountsDoc {
  @ApiProperty() total: number;
  @ApiProperty({ description: 'Waiting or being sent now' }) queued: number;
  @ApiProperty() sent: number;
  @ApiProperty() failed: number;
  @ApiProperty() bounced: number;
  @ApiProperty() skipped: number;
}

class MailingStatusDoc {
  @ApiProperty({ enum: ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] }) status: string;
  @ApiProperty({ type: MailingCountsDoc }) counts: MailingCountsDoc;
  @ApiProperty({ description: 'Share of recipients done, 0–100' }) progress: number;
}

class AudienceRequestDto {
  @ApiProperty({ type: AudienceFiltersDto }) @IsObject() @ValidateNested() @Type(() => AudienceFiltersDto) filters: AudienceFiltersDto;
  @ApiPropertyOptional({ description: 'The event the registration filter refers to' })
  @Transform(({ value }) => (value === '' ? undefined : value)) @IsOptional() @IsUUID() eventId?: string;
}

class TemplatePreviewDto {
  @ApiProperty({ type: TemplatePartsDto }) @IsObject() @ValidateNested() @Type(() => TemplatePartsDto) nl: TemplatePartsDto;
  @ApiProperty({ type: TemplatePartsDto }) @IsObject() @ValidateNested() @Type(() => TemplatePartsDto) en: TemplatePartsDto;
}

class CopyDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
}

class TestSendDto {
  @ApiPropertyOptional({ description: 'Render for this contact of the audience; default the first' })
  @Transform(({ value }) => (value === '' ? undefined : value)) @IsOptional() @IsUUID() contactId?: string;
}

class FollowUpDto {
  @ApiPropertyOptional({ description: 'Name of the new mailing' }) @IsOptional() @IsString() @MaxLength(200) name?: string;
}

@ApiTags('mailings')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: 'Organisers and admins only' })
@Roles(Role.Organiser)
@Controller('api/v1/mailings')
export class MailingsApiController {
  constructor(
    private readonly mailings: MailingsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Mailings, newest first, searchable, a page at a time; or all as CSV/XLSX with ?format=' })
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: MailingQueryDto): Promise<void> {
    const lang = resolveLang(req);
    if (query.format) return streamExport(reply, query.format, 'mailings', mailingColumns((k) => this.pages.t(lang, k)), this.mailings.all(query));
    await reply.send(await this.mailings.list(query));
  }

  @Post()
  @ApiOperation({ summary: 'Creates a draft mailing: a template, an audience (a saved segment or filters) and optionally the event invited to' })
  @ApiCreatedResponse({ description: 'The draft mailing' })
  @ApiBadRequestResponse({ description: 'Each invalid field with the reason (unknown template, event or segment, a bad filter)' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateMailingDto): Promise<MailingView> {
    return this.mailings.create(actor, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The mailing with its status and per-status counts of recipients' })
  @ApiOkResponse({ type: MailingStatusDoc, description: 'Also: name, template, event, audience filters, times' })
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<MailingView> {
    return this.mailings.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Changes a draft (a scheduled mailing goes back to draft)' })
  @ApiConflictResponse({ description: 'The mailing was sent or is being sent' })
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateMailingDto): Promise<MailingView> {
    return this.mailings.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({ description: 'Only a mailing never sent can be deleted' })
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.mailings.delete(actor, id);
  }

  @Get(':id/audience')
  @ApiOperation({ summary: 'Who the mailing reaches now: the count, the number excluded by reason, and a sample' })
  audience(@Param('id') id: string): Promise<AudiencePreview> {
    return this.mailings.audience(id);
  }

  @Post(':id/send')
  @HttpCode(202)
  @ApiOperation({ summary: 'Sends now (or at scheduledAt) through the queue. A second call changes nothing.' })
  @ApiAcceptedResponse({ type: MailingStatusDoc })
  @ApiBadRequestResponse({ description: 'The template has errors (field and line), or scheduledAt is not a date' })
  @ApiConflictResponse({ description: 'The mailing was cancelled' })
  async send(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: SendMailingDto): Promise<MailingView> {
    return this.mailings.send(actor, id, dto?.scheduledAt);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stops sending after the messages in flight; resume continues where it stopped' })
  @ApiOkResponse({ type: MailingStatusDoc })
  @ApiConflictResponse({ description: 'Not sending' })
  pause(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<MailingView> {
    return this.mailings.pause(actor, id);
  }

  @Post(':id/resume')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: MailingStatusDoc })
  @ApiConflictResponse({ description: 'Not paused' })
  resume(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<MailingView> {
    return this.mailings.resume(actor, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stops for good; recipients not yet sent to are skipped (reason "cancelled")' })
  @ApiOkResponse({ type: MailingStatusDoc })
  @ApiConflictResponse({ description: 'Already sent' })
  cancel(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<MailingView> {
    return this.mailings.cancel(actor, id);
  }

  @Post(':id/resend-failed')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queues every failed recipient again (bounced addresses are not retried)' })
  resendFailed(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<MailingView> {
    return this.mailings.resendFailed(actor, id);
  }

  @Post(':id/follow-up')
  @ApiOperation({ summary: "A new draft for the same event to this mailing's recipients who have not registered" })
  @ApiCreatedResponse({ description: 'The new draft mailing' })
  @ApiConflictResponse({ description: 'The mailing has no event or was not sent' })
  followUp(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: FollowUpDto): Promise<MailingView> {
    return this.mailings.followUp(actor, id, dto?.name);
  }

  @Get(':id/preview')
  @ApiOperation({ summary: 'The mailing rendered for one recipient of its audience, in Dutch and English' })
  @ApiBadRequestResponse({ description: 'The template has errors (field and line), or the contact is not in the audience' })
  preview(@Param('id') id: string, @Query() query: PreviewQueryDto) {
    return this.mailings.preview(id, query.contactId);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: "Sends the preview (both languages, marked [TEST]) to the caller's own address" })
  testSend(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: TestSendDto): Promise<{ to: string }> {
    return this.mailings.testSend(actor, id, dto?.contactId);
  }

  @Get(':id/recipients')
  @ApiOperation({ summary: 'Per-recipient status with times and the SMTP answer; or all as CSV/XLSX with ?format=' })
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  async recipients(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: RecipientQueryDto): Promise<void> {
    const lang = resolveLang(req);
    if (query.format) {
      await this.mailings.get(id);
      return streamExport(reply, query.format, `mailing-recipients`, recipientColumns((k) => this.pages.t(lang, k)), this.mailings.allRecipients(id, query));
    }
    await reply.send(await this.mailings.recipients(id, query));
  }
}

@ApiTags('mailings')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: 'Organisers and admins only' })
@Roles(Role.Organiser)
@Controller('api/v1/mail-templates')
export class MailTemplatesApiController {
  constructor(private readonly templates: MailTemplatesService) {}

  @Get()
  list(@Query() query: NameQueryDto): Promise<Page<MailTemplateView>> {
    return this.templates.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Saves a template; syntax errors and unknown variables are a 400 naming the part (nl.html) and the line' })
  @ApiCreatedResponse({ description: 'The saved template' })
  @ApiBadRequestResponse({ description: 'fields: [{ field: "nl.html", message: "unknown variable or helper \\"x\\" on line 3" }]' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateMailTemplateDto): Promise<MailTemplateView> {
    return this.templates.create(actor, dto);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Renders unsaved template text with sample data in both languages (or a 400 with the errors and lines)' })
  preview(@Body() dto: TemplatePreviewDto) {
    return this.templates.previewSample(dto);
  }

  @Get(':id')
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<MailTemplateView> {
    return this.templates.get(id);
  }

  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateMailTemplateDto): Promise<MailTemplateView> {
    return this.templates.update(actor, id, dto);
  }

  @Post(':id/copy')
  @ApiOperation({ summary: 'A new template with the same content' })
  copy(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CopyDto): Promise<MailTemplateView> {
    return this.templates.copy(actor, id, dto?.name);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiConflictResponse({ description: 'A mailing uses it' })
  async delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.templates.delete(actor, id);
  }
}

@ApiTags('mailings')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: 'Organisers and admins only' })
@Roles(Role.Organiser)
@Controller('api/v1/segments')
export class SegmentsApiController {
  constructor(private readonly segments: SegmentsService) {}

  @Get()
  list(@Query() query: NameQueryDto): Promise<Page<SegmentView>> {
    return this.segments.list(query);
  }

  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateSegmentDto): Promise<SegmentView> {
    return this.segments.create(actor, dto);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Counts an audience now: matched, eligible, excluded by reason (no consent, unsubscribed, bounced), and a sample' })
  preview(@Body() dto: AudienceRequestDto): Promise<AudiencePreview> {
    return this.segments.preview(dto.filters, dto.eventId ?? null);
  }

  @Get(':id')
  @ApiNotFoundResponse()
  get(@Param('id') id: string): Promise<SegmentView> {
    return this.segments.get(id);
  }

  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateSegmentDto): Promise<SegmentView> {
    return this.segments.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.segments.delete(id);
  }
}

@ApiTags('mailings')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No or an invalid Bearer token' })
@ApiForbiddenResponse({ description: 'Organisers and admins only' })
@Roles(Role.Organiser)
@Controller('api/v1/bounces')
export class BouncesApiController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Bounce notifications from the mail provider',
    description:
      'Body: `{ "bounces": [{ "email": "x@example.nl", "kind": "hard" | "soft" | "complaint", "reason": "550 5.1.1 user unknown", "mailingId": "…" }] }`. ' +
      'A hard bounce excludes the address from every later mailing; a complaint unsubscribes it; a soft bounce is recorded only. ' +
      'Transactional mail (confirmations, reminders) is still sent. Call it with the Bearer token of an organiser account kept for the integration.',
  })
  @ApiOkResponse({ description: '{ recorded, excluded, unknown }' })
  @ApiBadRequestResponse({ description: 'Each invalid entry with its field, e.g. bounces.0.email' })
  record(@Body() dto: BouncesDto): Promise<BounceResult> {
    return this.subscriptions.recordBounces(dto.bounces, 'webhook');
  }
}
