import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { buildMessage, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateBy, ValidationOptions } from 'class-validator';
import { PROGRAMME_LINES, ProgrammeLine } from '../crm.constants';
import { OUTSIDE_REGION } from '../municipalities';
import { isCalendarDate, todayInAmsterdam } from './visits.util';

/** Form fields come as '' when left empty: the same as not given. */
export const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
/** For PATCH: '' clears a field (null), like sending null. */
export const emptyToNull = ({ value }: { value: unknown }) => (value === '' ? null : value);
/** Optional text: trimmed, and blank is the same as not given. */
export const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim()) : value);
/** Required text: trimmed, blank stays '' (so the error says "required", not "not a string"). */
export const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A real calendar date written `YYYY-MM-DD` (2023-02-29 is refused). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value) => isCalendarDate(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a date YYYY-MM-DD`, options),
      },
    },
    options,
  );
}

/** A date that is not after today in Amsterdam (checked again by the services, which own the rule). */
export function IsNotInFuture(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notInFuture',
      validator: {
        validate: (value) => !isCalendarDate(value) || value <= todayInAmsterdam(),
        defaultMessage: buildMessage((each) => `${each}$property must not be in the future`, options),
      },
    },
    options,
  );
}

/** What every list of visits, questions and follow-ups can be filtered, paged and exported by. */
export class CrmListQuery {
  @ApiPropertyOptional({ description: 'Search text' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ description: 'Only this organisation' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() organisationId?: string;
  @ApiPropertyOptional({ description: `Municipality of the organisation, by name, or '${OUTSIDE_REGION}' for everything outside the region` })
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(100) municipality?: string;
  @ApiPropertyOptional({ enum: PROGRAMME_LINES, description: 'Programme line of the visit' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(PROGRAMME_LINES) programmeLine?: ProgrammeLine;
  @ApiPropertyOptional({ description: 'On or after (YYYY-MM-DD)', example: '2018-01-01' }) @Transform(emptyToUndefined) @IsOptional() @IsCalendarDate() from?: string;
  @ApiPropertyOptional({ description: 'On or before (YYYY-MM-DD)', example: '2018-12-31' }) @Transform(emptyToUndefined) @IsOptional() @IsCalendarDate() to?: string;
  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['asc', 'desc']) dir?: 'asc' | 'desc';
  @ApiPropertyOptional({ minimum: 1 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], description: 'Export every matching record instead of a page' })
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}
