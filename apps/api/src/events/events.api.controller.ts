import { Page } from '@keyport/common';
import {
  CreateEventDto, EventQuery, EventsService, EventStats, EventView, REGISTRATION_STATUSES, RegistrationDto, RegistrationResult, RegistrationsService,
  RegistrationStatus, RegistrationView, UpdateEventDto, EVENT_FORMATS, EVENT_STATUSES, EventFormat, EventStatus,
} from '@keyport/events';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../auth/auth.decorators';
import { streamExport } from '../common/export';
import { PageRenderer, resolveLang } from '../pages/page-renderer';
import { registrationColumns } from './registration.columns';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export class EventListQuery implements EventQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: EVENT_STATUSES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(EVENT_STATUSES) status?: EventStatus;
  @ApiPropertyOptional({ enum: EVENT_FORMATS }) @Transform(emptyToUndefined) @IsOptional() @IsIn(EVENT_FORMATS) format?: EventFormat;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(40) programmeLine?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' }) from?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' }) to?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
}

export class RegistrationListQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: REGISTRATION_STATUSES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(REGISTRATION_STATUSES) status?: RegistrationStatus;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

export class CheckInCodeDto {
  @ApiProperty({ description: 'The code from the QR in the confirmation mail' }) @IsString() @MaxLength(1000) code: string;
}

export class MoveDto {
  @ApiProperty({ enum: ['confirmed', 'waitlisted'] }) @IsIn(['confirmed', 'waitlisted']) to: 'confirmed' | 'waitlisted';
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/v1/events')
export class EventsApiController {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  list(@Query() query: EventListQuery): Promise<Page<EventView>> {
    return this.events.list(query);
  }

  @Post()
  @Roles(Role.Organiser)
  @ApiOperation({ summary: 'Create an event (a draft until published)' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateEventDto): Promise<EventView> {
    return this.events.create(actor, dto);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<EventView> {
    return this.events.get(id);
  }

  @Patch(':id')
  @Roles(Role.Organiser)
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateEventDto): Promise<EventView> {
    return this.events.update(actor, id, dto);
  }

  @Post(':id/publish')
  @Roles(Role.Organiser)
  @HttpCode(200)
  publish(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<EventView> {
    return this.events.publish(actor, id);
  }

  @Post(':id/cancel')
  @Roles(Role.Organiser)
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel the event: every registrant is mailed' })
  cancel(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<EventView> {
    return this.events.cancel(actor, id);
  }

  @Post(':id/close-registration')
  @Roles(Role.Organiser)
  @HttpCode(200)
  @ApiOperation({ summary: 'Close registration now: the waiting list and the confirmed are mailed' })
  close(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<EventView> {
    return this.events.closeRegistration(actor, id);
  }

  @Post(':id/held')
  @Roles(Role.Organiser)
  @HttpCode(200)
  @ApiOperation({ summary: 'The event took place: confirmed registrations not checked in become no-shows' })
  held(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<EventView> {
    return this.events.markHeld(actor, id);
  }

  @Get(':id/stats')
  stats(@Param('id') id: string): Promise<EventStats> {
    return this.events.stats(id);
  }

  @Get(':id/registrations')
  async registrationsOf(@Param('id') id: string, @Query() query: RegistrationListQuery): Promise<Page<RegistrationView>> {
    await this.events.get(id);
    return this.registrations.list(id, query);
  }

  @Get(':id/registrations/export')
  @ApiOperation({ summary: 'Registrations with their answers as CSV (default) or XLSX' })
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: RegistrationListQuery): Promise<void> {
    const event = await this.events.get(id);
    const lang = resolveLang(req);
    await streamExport(reply, query.format ?? 'csv', `registrations-${event.slug}`, registrationColumns(event, (k) => this.pages.t(lang, k)), this.registrations.all(id, query));
  }

  @Post(':id/registrations')
  @Roles(Role.Organiser)
  @ApiOperation({ summary: 'Register someone by hand (phone, walk-in), whatever the registration window: 201, or 200 with the existing one' })
  async register(@CurrentActor() _actor: Actor, @Res({ passthrough: true }) reply: FastifyReply, @Param('id') id: string, @Body() dto: RegistrationDto): Promise<RegistrationResult> {
    const result = await this.registrations.register({ id }, dto, { source: 'staff', ignoreWindow: true });
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Post(':id/check-in-code')
  @Roles(Role.Organiser)
  @HttpCode(200)
  @ApiOperation({ summary: 'Check in with the QR code from the confirmation mail' })
  checkInByCode(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: CheckInCodeDto): Promise<RegistrationView> {
    return this.registrations.checkInByCode(actor, id, dto.code);
  }
}

@ApiTags('events')
@ApiBearerAuth()
@Roles(Role.Organiser)
@Controller('api/v1/registrations')
export class RegistrationsApiController {
  constructor(private readonly registrations: RegistrationsService) {}

  @Get(':id')
  @Roles(Role.Organiser, Role.AccountManager)
  get(@Param('id') id: string): Promise<RegistrationView> {
    return this.registrations.get(id);
  }

  @Post(':id/check-in')
  @HttpCode(200)
  checkIn(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<RegistrationView> {
    return this.registrations.checkIn(actor, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel by staff: the seat goes to the first on the waiting list' })
  async cancel(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<RegistrationView> {
    await this.registrations.cancel(id, 'staff', actor);
    return this.registrations.get(id);
  }

  @Post(':id/move')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move between the waiting list and confirmed by hand' })
  move(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: MoveDto): Promise<RegistrationView> {
    return this.registrations.move(actor, id, dto.to);
  }
}
