import { PROGRAMME_LINES, ProgrammeLine, ORGANISATION_TYPES, OrganisationType } from '@keyport/crm';
import { EVENT_FORMATS, EventFormat } from '@keyport/events';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { BOUNCE_KINDS, BounceKind, MAILING_STATUSES, MailingStatus, RECIPIENT_STATUSES, RecipientStatus } from './mailings.constants';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const trimmed = ({ value }: { value: unknown }) => (value === '' ? undefined : typeof value === 'string' ? value.trim() : value);
/** Form posts send one value as a string and several as an array; empty selections as ''. */
const list = ({ value }: { value: unknown }) => {
  if (value === undefined || value === null || value === '') return undefined;
  const values = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
  return values.length ? values : undefined;
};

export class AttendanceFilterDto {
  @ApiProperty({ enum: ['attended', 'not_attended'], description: 'Checked in at (or not at) an event that matches the rest' })
  @IsIn(['attended', 'not_attended'])
  mode: 'attended' | 'not_attended';

  @ApiPropertyOptional({ enum: EVENT_FORMATS, isArray: true }) @Transform(list) @IsOptional() @IsArray() @IsIn(EVENT_FORMATS, { each: true }) formats?: EventFormat[];
  @ApiPropertyOptional({ enum: PROGRAMME_LINES, isArray: true }) @Transform(list) @IsOptional() @IsArray() @IsIn(PROGRAMME_LINES, { each: true }) programmeLines?: ProgrammeLine[];
  @ApiPropertyOptional({ example: '2026-01-01', description: 'Events starting on or after this day (Europe/Amsterdam)' })
  @Transform(emptyToUndefined) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ example: '2026-12-31', description: 'Events starting on or before this day (Europe/Amsterdam)' })
  @Transform(emptyToUndefined) @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

/** Who a mailing goes to. Every filter given must hold (AND); values within one filter are alternatives (OR). */
export class AudienceFiltersDto {
  @ApiPropertyOptional({ enum: ORGANISATION_TYPES, isArray: true }) @Transform(list) @IsOptional() @IsArray() @IsIn(ORGANISATION_TYPES, { each: true }) organisationTypes?: OrganisationType[];
  @ApiPropertyOptional({ type: [String], example: ['Roermond', 'Weert'], description: 'Municipality of a current organisation' })
  @Transform(list) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(100, { each: true }) municipalities?: string[];
  @ApiPropertyOptional({ type: [String], example: ['Logistiek'] }) @Transform(list) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(100, { each: true }) sectors?: string[];
  @ApiPropertyOptional({ type: [String], description: "Tags of a current organisation" }) @Transform(list) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(50, { each: true }) tags?: string[];
  @ApiPropertyOptional({ enum: PROGRAMME_LINES, isArray: true, description: "The person's programme-line interests" })
  @Transform(list) @IsOptional() @IsArray() @IsIn(PROGRAMME_LINES, { each: true }) interests?: ProgrammeLine[];
  @ApiPropertyOptional({ enum: ['nl', 'en'], isArray: true }) @Transform(list) @IsOptional() @IsArray() @IsIn(['nl', 'en'], { each: true }) languages?: ('nl' | 'en')[];
  @ApiPropertyOptional({ type: AttendanceFilterDto }) @IsOptional() @ValidateNested() @Type(() => AttendanceFilterDto) attendance?: AttendanceFilterDto;
  @ApiPropertyOptional({ enum: ['registered', 'not_registered'], description: "Registered (or not) for the mailing's event; cancelled registrations count as not registered" })
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['registered', 'not_registered']) registration?: 'registered' | 'not_registered';
  @ApiPropertyOptional({ description: 'Only those an earlier mailing was sent to (a follow-up)' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() receivedMailingId?: string;
}

export class TemplatePartsDto {
  @ApiProperty({ example: 'Uitnodiging: {{event.title}}' }) @IsString() @IsNotEmpty() @MaxLength(300) subject: string;
  @ApiProperty({ example: '<p>Beste {{contact.firstName}},</p>' }) @IsString() @IsNotEmpty() @MaxLength(100_000) html: string;
  @ApiProperty({ example: 'Beste {{contact.firstName}},' }) @IsString() @IsNotEmpty() @MaxLength(100_000) text: string;
}

export class CreateMailTemplateDto {
  @ApiProperty({ example: 'Uitnodiging ontbijtsessie' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @ApiPropertyOptional() @Transform(trimmed) @IsOptional() @IsString() @MaxLength(1000) description?: string;
  @ApiProperty({ type: TemplatePartsDto, description: 'Dutch' }) @IsObject() @ValidateNested() @Type(() => TemplatePartsDto) nl: TemplatePartsDto;
  @ApiProperty({ type: TemplatePartsDto, description: 'English' }) @IsObject() @ValidateNested() @Type(() => TemplatePartsDto) en: TemplatePartsDto;
}

export class UpdateMailTemplateDto extends PartialType(CreateMailTemplateDto) {}

export class CreateSegmentDto {
  @ApiProperty({ example: 'Ondernemers Roermond, innovatie' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @ApiProperty({ type: AudienceFiltersDto }) @ValidateNested() @Type(() => AudienceFiltersDto) filters: AudienceFiltersDto;
}

export class UpdateSegmentDto extends PartialType(CreateSegmentDto) {}

export class CreateMailingDto {
  @ApiProperty({ example: 'Uitnodiging ontbijtsessie maart' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @ApiProperty() @IsUUID() templateId: string;
  @ApiPropertyOptional({ description: 'The event invited to: its details and a personal sign-up link become template variables' })
  @Transform(emptyToUndefined) @IsOptional() @IsUUID() eventId?: string;
  @ApiPropertyOptional({ description: 'A saved segment: its filters are copied into the mailing' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() segmentId?: string;
  @ApiPropertyOptional({ type: AudienceFiltersDto, description: 'The audience (ignored when segmentId is given)' })
  @IsOptional() @ValidateNested() @Type(() => AudienceFiltersDto) filters?: AudienceFiltersDto;
}

export class UpdateMailingDto extends PartialType(CreateMailingDto) {}

export class SendMailingDto {
  @ApiPropertyOptional({ example: '2026-03-01T08:00:00Z', description: 'Send at this time instead of now' })
  @Transform(emptyToUndefined) @IsOptional() @IsISO8601({ strict: true }) scheduledAt?: string;
}

export class PreviewQueryDto {
  @ApiPropertyOptional({ description: 'A contact of the audience; default: the first one' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() contactId?: string;
}

export class RecipientQueryDto {
  @ApiPropertyOptional({ enum: RECIPIENT_STATUSES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(RECIPIENT_STATUSES) status?: RecipientStatus;
  @ApiPropertyOptional({ description: 'Search in email' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

export class MailingQueryDto {
  @ApiPropertyOptional({ description: 'Search in the name' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: MAILING_STATUSES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(MAILING_STATUSES) status?: MailingStatus;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsUUID() eventId?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

export class NameQueryDto {
  @ApiPropertyOptional({ description: 'Search in the name' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

export class BounceDto {
  @ApiProperty({ example: 'someone@example.nl' }) @Transform(trimmed) @IsEmail() @MaxLength(320) email: string;
  @ApiProperty({ enum: BOUNCE_KINDS, description: 'hard: the address does not exist (excluded from later mailings); soft: a temporary problem (recorded only); complaint: marked as spam (unsubscribed)' })
  @IsIn(BOUNCE_KINDS) kind: BounceKind;
  @ApiPropertyOptional({ example: '550 5.1.1 user unknown' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(1000) reason?: string;
  @ApiPropertyOptional({ description: 'The mailing it bounced from, when known' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() mailingId?: string;
}

export class BouncesDto {
  @ApiProperty({ type: [BounceDto] }) @IsArray() @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => BounceDto) bounces: BounceDto[];
}
