import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { PROGRAMME_LINES, ProgrammeLine } from '../crm.constants';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const trimmed = ({ value }: { value: unknown }) => (value === '' ? undefined : typeof value === 'string' ? value.trim() : value);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class ContactOrganisationDto {
  @ApiProperty() @IsUUID() organisationId: string;
  @ApiPropertyOptional({ example: 'Directeur' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(100) role?: string;
  @ApiPropertyOptional({ example: '2020-01-01' }) @Transform(emptyToUndefined) @IsOptional() @Matches(DATE, { message: 'startedOn must be a date YYYY-MM-DD' }) startedOn?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @Matches(DATE, { message: 'endedOn must be a date YYYY-MM-DD' }) endedOn?: string;
}

export class CreateContactDto {
  @ApiProperty({ example: 'Anouk' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(100) firstName: string;
  @ApiProperty({ example: 'van den Berg' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(100) lastName: string;

  @ApiPropertyOptional({ example: 'anouk@jansentechniek.nl', description: 'Unique; stored in lower case' })
  @Transform(({ value }) => (value === '' ? undefined : typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional() @Transform(trimmed) @IsOptional() @IsString() @MaxLength(40) @Matches(/^[+0-9 ()-]*$/, { message: 'phone may hold digits, spaces, +, - and brackets only' }) phone?: string;
  @ApiPropertyOptional() @Transform(trimmed) @IsOptional() @IsString() @MaxLength(100) jobTitle?: string;
  @ApiPropertyOptional({ enum: ['nl', 'en'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) language?: 'nl' | 'en';

  @ApiPropertyOptional({ description: 'Consent to receive mailings' })
  @Transform(({ value }) => (value === '' || value === undefined ? undefined : value === true || value === 'true' || value === 'on'))
  @IsOptional()
  @IsBoolean()
  mailingConsent?: boolean;

  @ApiPropertyOptional({ example: 'by phone, 12 March', description: 'How consent was given (required when giving consent)' })
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  consentSource?: string;

  @ApiPropertyOptional({ enum: PROGRAMME_LINES, isArray: true, description: 'The programme lines the person wants to hear about; replaces the list when given' })
  @IsOptional() @IsArray() @ArrayMaxSize(PROGRAMME_LINES.length) @IsIn(PROGRAMME_LINES, { each: true }) interests?: ProgrammeLine[];

  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(10_000) notes?: string;

  @ApiPropertyOptional({ type: [ContactOrganisationDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ContactOrganisationDto)
  organisations?: ContactOrganisationDto[];

  @ApiPropertyOptional({ description: 'Save even though likely duplicates exist' })
  @Transform(({ value }) => value === true || value === 'true' || value === 'on')
  @IsOptional()
  @IsBoolean()
  allowDuplicate?: boolean;
}

export class UpdateContactDto extends PartialType(CreateContactDto) {}

export const CONTACT_SORTS = ['name', 'email', 'created', 'updated'] as const;

export class ContactQuery {
  @ApiPropertyOptional({ description: 'Search in name and email' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsUUID() organisationId?: string;
  @ApiPropertyOptional({ description: "Municipality of a current employer, or 'outside'" }) @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(100) municipality?: string;
  @ApiPropertyOptional({ enum: ['yes', 'no'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['yes', 'no']) consent?: 'yes' | 'no';
  @ApiPropertyOptional({ enum: ['nl', 'en'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) language?: 'nl' | 'en';
  @ApiPropertyOptional({ enum: PROGRAMME_LINES, description: 'Only people interested in this programme line' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(PROGRAMME_LINES) interest?: ProgrammeLine;
  @ApiPropertyOptional({ description: 'Created on or after (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @Matches(DATE, { message: 'from must be a date YYYY-MM-DD' }) from?: string;
  @ApiPropertyOptional({ description: 'Created on or before (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @Matches(DATE, { message: 'to must be a date YYYY-MM-DD' }) to?: string;
  @ApiPropertyOptional({ enum: CONTACT_SORTS }) @Transform(emptyToUndefined) @IsOptional() @IsIn(CONTACT_SORTS) sort?: (typeof CONTACT_SORTS)[number];
  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['asc', 'desc']) dir?: 'asc' | 'desc';
  @ApiPropertyOptional({ minimum: 1 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}
