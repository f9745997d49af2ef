import { KVK_PATTERN, PROGRAMME_LINES, ProgrammeLine, normaliseTags } from '@keyport/crm';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested,
} from 'class-validator';
import { EVENT_FORMATS, EventFormat, PARTICIPANT_TYPES, ParticipantType, QUESTION_KINDS, QuestionKind } from './events.constants';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const trimmed = ({ value }: { value: unknown }) => (value === '' ? undefined : typeof value === 'string' ? value.trim() : value);

export class EventQuestionDto {
  @ApiProperty({ example: 'Dieetwensen?' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(300) label: string;
  @ApiProperty({ enum: QUESTION_KINDS }) @IsIn(QUESTION_KINDS) kind: QuestionKind;
  @ApiPropertyOptional({ type: [String], description: 'Choices for single and multiple choice' })
  @IsOptional() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @MaxLength(200, { each: true }) options?: string[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() required?: boolean;
}

export class EventSessionDto {
  @ApiProperty({ example: 'Track A: Smart Industry' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(200) title: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) startsAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsISO8601({ strict: true }) endsAt?: string;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsInt() @Min(0) @Max(100_000) capacity?: number | null;
}

export class CreateEventDto {
  @ApiProperty({ example: 'Ontbijtsessie Smart Industry' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(200) title: string;
  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(20_000) description?: string;
  @ApiProperty({ enum: EVENT_FORMATS }) @IsIn(EVENT_FORMATS) format: EventFormat;

  @ApiProperty({ enum: PROGRAMME_LINES, isArray: true })
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsIn(PROGRAMME_LINES, { each: true })
  programmeLines: ProgrammeLine[];

  @ApiPropertyOptional({ type: [String] }) @Transform(({ value }) => normaliseTags(value)) @IsOptional() @ArrayMaxSize(30) @IsString({ each: true }) @MaxLength(50, { each: true }) tags?: string[];
  @ApiProperty({ example: '2026-03-12T07:30:00Z', description: 'ISO 8601 with a time zone; stored in UTC' }) @IsISO8601({ strict: true }) startsAt: string;
  @ApiProperty({ example: '2026-03-12T09:30:00Z' }) @IsISO8601({ strict: true }) endsAt: string;
  @ApiPropertyOptional({ example: 'Gilde Opleidingen, Roermond' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) venue?: string;
  @ApiPropertyOptional() @Transform(trimmed) @IsOptional() @IsString() @MaxLength(300) address?: string;
  @ApiPropertyOptional({ example: 'Roermond' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(100) municipality?: string;

  @ApiProperty({ nullable: true, description: 'Seats; null = unlimited' })
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(100_000)
  capacity: number | null;

  @ApiPropertyOptional() @Transform(emptyToUndefined) @IsOptional() @IsISO8601({ strict: true }) registrationOpensAt?: string;
  @ApiPropertyOptional({ description: 'Default: the start of the event' }) @Transform(emptyToUndefined) @IsOptional() @IsISO8601({ strict: true }) registrationClosesAt?: string;
  @ApiPropertyOptional({ enum: ['nl', 'en'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) language?: 'nl' | 'en';
  @ApiPropertyOptional({ description: 'Hours before the start that the reminder goes out (default 48)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(720) reminderHours?: number;

  @ApiPropertyOptional({ type: [EventQuestionDto] }) @IsOptional() @IsArray() @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => EventQuestionDto) questions?: EventQuestionDto[];
  @ApiPropertyOptional({ type: [EventSessionDto], description: 'Parallel tracks with their own capacity; a registrant picks one' })
  @IsOptional() @IsArray() @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => EventSessionDto) sessions?: EventSessionDto[];
}

export class UpdateEventDto extends PartialType(CreateEventDto) {}

export class RegistrationDto {
  @ApiProperty({ example: 'Anouk' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(100) firstName: string;
  @ApiProperty({ example: 'Janssen' }) @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(100) lastName: string;

  @ApiProperty({ example: 'anouk@jansentechniek.nl' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email: string;

  @ApiPropertyOptional({ example: 'Jansen Techniek B.V.' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(300) organisationName?: string;
  @ApiPropertyOptional({ example: '12345678' }) @Transform(({ value }) => (typeof value === 'string' && value.trim() ? value.replace(/[\s.]/g, '') : undefined)) @IsOptional() @IsString() @Matches(KVK_PATTERN, { message: 'kvkNumber must be 8 digits' }) kvkNumber?: string;
  @ApiPropertyOptional({ example: 'Weert' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(100) municipality?: string;
  @ApiPropertyOptional({ enum: PARTICIPANT_TYPES })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(PARTICIPANT_TYPES)
  participantType?: ParticipantType;
  @ApiPropertyOptional({ description: 'Answers to the custom questions, by question id: a string, or an array of strings for multiple choice' })
  @IsOptional()
  answers?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'The chosen session, for events with sessions' }) @Transform(emptyToUndefined) @IsOptional() @IsString() sessionId?: string;
  @ApiPropertyOptional({ description: 'Consent to receive mailings (unticked by default)' })
  @Transform(({ value }) => value === true || value === 'true' || value === 'on')
  @IsOptional()
  @IsBoolean()
  mailingConsent?: boolean;
  @ApiPropertyOptional({ enum: ['nl', 'en'] }) @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) language?: 'nl' | 'en';
}
