import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayNotEmpty, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateBy, ValidateIf, ValidationOptions,
} from 'class-validator';
import { PROGRAMME_LINES, ProgrammeLine, SUPPORT_KINDS, SupportKind } from '../crm.constants';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const emptyToNull = ({ value }: { value: unknown }) => (value === '' ? null : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Required on create; on update it may be left out, but not set to null. */
const unlessAbsent = () => ValidateIf((_: object, value: unknown) => value !== undefined);

export const TITLE_MAX = 300;
export const NOTES_MAX = 10_000;
export const MAX_LINKS = 500;

/** A calendar date as YYYY-MM-DD that exists (no 2025-02-30). */
export function isDateOnly(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function IsDateOnly(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isDateOnly', validator: { validate: isDateOnly, defaultMessage: (args) => `${args?.property} must be a date YYYY-MM-DD` } },
    options,
  );
}

export class CreateSupportRecordDto {
  @ApiProperty({ enum: SUPPORT_KINDS, description: 'What kind of support: each kind feeds one of the year plan targets' })
  @IsIn(SUPPORT_KINDS)
  kind: SupportKind;

  @ApiProperty({ example: 'Cluster Smart Maintenance 2025', maxLength: TITLE_MAX })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(TITLE_MAX)
  title: string;

  @ApiPropertyOptional({ enum: PROGRAMME_LINES, description: "Defaults to the kind's programme line (innovation, entrepreneurship or labour_market)" })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(PROGRAMME_LINES)
  programmeLine?: ProgrammeLine;

  @ApiProperty({ example: '2025-03-01', description: 'YYYY-MM-DD' })
  @IsDateOnly()
  startedOn: string;

  @ApiPropertyOptional({ example: '2025-12-31', description: 'YYYY-MM-DD, on or after startedOn; empty while running' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsDateOnly()
  endedOn?: string;

  @ApiPropertyOptional({ maxLength: NOTES_MAX })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(NOTES_MAX)
  notes?: string;

  @ApiProperty({ type: [String], format: 'uuid', description: 'At least one; a merged organisation counts as the one it was merged into' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_LINKS)
  @IsUUID('all', { each: true })
  organisationIds: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Persons involved (not erased ones)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LINKS)
  @IsUUID('all', { each: true })
  contactIds?: string[];
}

/** The record's own fields; linked organisations and contacts change through their own endpoints. */
export class UpdateSupportRecordDto {
  @ApiPropertyOptional({ enum: SUPPORT_KINDS }) @unlessAbsent() @IsIn(SUPPORT_KINDS) kind?: SupportKind;

  @ApiPropertyOptional({ maxLength: TITLE_MAX })
  @Transform(trim)
  @unlessAbsent()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TITLE_MAX)
  title?: string;

  @ApiPropertyOptional({ enum: PROGRAMME_LINES }) @unlessAbsent() @IsIn(PROGRAMME_LINES) programmeLine?: ProgrammeLine;
  @ApiPropertyOptional({ example: '2025-03-01' }) @unlessAbsent() @IsDateOnly() startedOn?: string;

  @ApiPropertyOptional({ example: '2025-12-31', nullable: true, description: 'null or empty clears it' })
  @Transform(emptyToNull)
  @IsOptional()
  @IsDateOnly()
  endedOn?: string | null;

  @ApiPropertyOptional({ nullable: true, maxLength: NOTES_MAX, description: 'null or empty clears them' })
  @Transform(emptyToNull)
  @IsOptional()
  @IsString()
  @MaxLength(NOTES_MAX)
  notes?: string | null;
}

export const SUPPORT_SORTS = ['startedOn', 'endedOn', 'title', 'kind', 'created', 'updated'] as const;
export type SupportSort = (typeof SUPPORT_SORTS)[number];

export class SupportRecordQuery {
  @ApiPropertyOptional({ description: 'Search in the title' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: SUPPORT_KINDS }) @Transform(emptyToUndefined) @IsOptional() @IsIn(SUPPORT_KINDS) kind?: SupportKind;
  @ApiPropertyOptional({ enum: PROGRAMME_LINES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(PROGRAMME_LINES) programmeLine?: ProgrammeLine;
  @ApiPropertyOptional({ format: 'uuid', description: 'Linked to this organisation (or the one it was merged into)' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() organisationId?: string;
  @ApiPropertyOptional({ description: 'A linked organisation whose name contains this text, or whose label is exactly this ("Name (Municipality)", as the pages offer it)' }) @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(300) organisation?: string;
  @ApiPropertyOptional({ description: "Municipality of a linked organisation, or 'outside' for outside the region" }) @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(100) municipality?: string;
  @ApiPropertyOptional({ example: '2025-01-01', description: 'Active on or after this date: not ended before it (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @IsDateOnly() from?: string;
  @ApiPropertyOptional({ example: '2025-12-31', description: 'Active on or before this date: started by then (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @IsDateOnly() to?: string;
  @ApiPropertyOptional({ enum: SUPPORT_SORTS, description: 'Default: startedOn, newest first' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(SUPPORT_SORTS) sort?: SupportSort;
  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['asc', 'desc']) dir?: 'asc' | 'desc';
  @ApiPropertyOptional({ minimum: 1 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], description: 'Export every matching record (one row each) instead of a page' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
  @ApiPropertyOptional({ enum: ['nl', 'en'], description: 'Language of the export (column headers, kinds, programme lines); Dutch by default' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) lang?: 'nl' | 'en';
}

export class LinkedOrganisationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) municipality: string | null;
  @ApiProperty() inRegion: boolean;
}

export class LinkedContactView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ description: 'Personal data erased (GDPR): still counted, without a name' }) erased: boolean;
}

export class SupportRecordSummary {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: SUPPORT_KINDS }) kind: SupportKind;
  @ApiProperty() title: string;
  @ApiProperty({ enum: PROGRAMME_LINES }) programmeLine: ProgrammeLine;
  @ApiProperty({ example: '2025-03-01' }) startedOn: string;
  @ApiProperty({ nullable: true, type: String, example: '2025-12-31' }) endedOn: string | null;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ type: [LinkedOrganisationView] }) organisations: LinkedOrganisationView[];
  @ApiProperty() contactCount: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class SupportRecordView extends SupportRecordSummary {
  @ApiProperty({ type: [LinkedContactView] }) contacts: LinkedContactView[];
}

export class SupportRecordPage {
  @ApiProperty({ type: [SupportRecordSummary] }) items: SupportRecordSummary[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
}
