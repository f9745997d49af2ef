import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, Min,
} from 'class-validator';
import { KVK_PATTERN, normaliseKvk, normaliseTags, ORGANISATION_TYPES, OrganisationType, SIZE_CLASSES, SizeClass } from '../crm.constants';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateOrganisationDto {
  @ApiProperty({ example: 'Jansen Techniek B.V.' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name: string;

  @ApiProperty({ enum: ORGANISATION_TYPES })
  @IsIn(ORGANISATION_TYPES)
  type: OrganisationType;

  @ApiPropertyOptional({ example: '12345678', description: 'KvK number: 8 digits; unique when present' })
  @Transform(({ value }) => normaliseKvk(emptyToUndefined({ value })))
  @IsOptional()
  @IsString()
  @Matches(KVK_PATTERN, { message: 'kvkNumber must be 8 digits' })
  kvkNumber?: string;

  @ApiPropertyOptional({ example: 'Weert', description: 'By name, case-insensitive; the seven Keyport municipalities are known, others are kept as outside the region' })
  @Transform(({ value }) => trim({ value: emptyToUndefined({ value }) }))
  @IsOptional()
  @IsString()
  @MaxLength(100)
  municipality?: string;

  @ApiPropertyOptional() @Transform(({ value }) => trim({ value: emptyToUndefined({ value }) })) @IsOptional() @IsString() @MaxLength(200) street?: string;
  @ApiPropertyOptional() @Transform(({ value }) => trim({ value: emptyToUndefined({ value }) })) @IsOptional() @IsString() @MaxLength(20) postcode?: string;
  @ApiPropertyOptional() @Transform(({ value }) => trim({ value: emptyToUndefined({ value }) })) @IsOptional() @IsString() @MaxLength(100) city?: string;
  @ApiPropertyOptional({ example: 'Maakindustrie' }) @Transform(({ value }) => trim({ value: emptyToUndefined({ value }) })) @IsOptional() @IsString() @MaxLength(100) sector?: string;

  @ApiPropertyOptional({ enum: SIZE_CLASSES, description: 'micro <10, small <50, medium <250 employees, large' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(SIZE_CLASSES)
  sizeClass?: SizeClass;

  @ApiPropertyOptional({ example: 'https://www.jansentechniek.nl' })
  @Transform(({ value }) => trim({ value: emptyToUndefined({ value }) }))
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'website must be a URL starting with http:// or https://' })
  @MaxLength(300)
  website?: string;

  @ApiPropertyOptional({ type: [String], example: ['smart industry'] })
  @Transform(({ value }) => normaliseTags(value))
  @IsOptional()
  @ArrayMaxSize(30)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];

  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(10_000) notes?: string;

  @ApiPropertyOptional({ description: 'The responsible account manager (a user id)' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUUID()
  accountManagerId?: string;

  @ApiPropertyOptional({ description: 'Save even though likely duplicates exist (they are returned with 409 otherwise)' })
  @Transform(({ value }) => value === true || value === 'true' || value === 'on')
  @IsOptional()
  @IsBoolean()
  allowDuplicate?: boolean;
}

export class UpdateOrganisationDto extends PartialType(CreateOrganisationDto) {}

export const ORGANISATION_SORTS = ['name', 'municipality', 'created', 'updated'] as const;

export class OrganisationQuery {
  @ApiPropertyOptional({ description: 'Search in name, KvK number and city' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ enum: ORGANISATION_TYPES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(ORGANISATION_TYPES) type?: OrganisationType;
  @ApiPropertyOptional({ description: "A municipality's name, or 'outside' for everything outside the region" }) @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(100) municipality?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(100) sector?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(50) tag?: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsUUID() accountManagerId?: string;
  @ApiPropertyOptional({ description: 'Created on or after (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date YYYY-MM-DD' }) from?: string;
  @ApiPropertyOptional({ description: 'Created on or before (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date YYYY-MM-DD' }) to?: string;
  @ApiPropertyOptional({ description: 'Only records created from the public sign-up that staff should check' }) @Transform(({ value }) => (value === '' ? undefined : value === 'true' || value === true)) @IsOptional() @IsBoolean() needsReview?: boolean;
  @ApiPropertyOptional({ enum: ORGANISATION_SORTS }) @Transform(emptyToUndefined) @IsOptional() @IsIn(ORGANISATION_SORTS) sort?: (typeof ORGANISATION_SORTS)[number];
  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['asc', 'desc']) dir?: 'asc' | 'desc';
  @ApiPropertyOptional({ minimum: 1 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], description: 'Export every matching record instead of a page' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

export class MergeDto {
  @ApiProperty({ description: 'The record that disappears into the one in the path' })
  @IsUUID()
  mergeId: string;
}
