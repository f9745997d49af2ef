import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateNested } from 'class-validator';
import { normaliseTags, PROGRAMME_LINES, ProgrammeLine } from '../crm.constants';
import { CrmListQuery, emptyToNull, emptyToUndefined, IsCalendarDate, IsNotInFuture, trim, trimmed } from './dto-helpers';
import { FOLLOW_UP_DESCRIPTION_MAX, FollowUpView } from './follow-up.dto';
import { QUESTION_TEXT_MAX, QuestionView } from './innovation-question.dto';

export const NOTES_MAX = 10_000;

/** An innovation question raised during the visit being logged (raised on the visit's date). */
export class VisitQuestionDto {
  @ApiProperty({ example: 'Kan onze productielijn met sensoren het onderhoud voorspellen?', maxLength: QUESTION_TEXT_MAX })
  @Transform(trim) @MaxLength(QUESTION_TEXT_MAX) @IsString() @IsNotEmpty() question: string;

  @ApiPropertyOptional({ description: 'The person who asked it (a contact id)' })
  @Transform(emptyToUndefined) @IsOptional() @IsUUID() contactId?: string;
}

/** A follow-up action agreed during the visit being logged. */
export class VisitFollowUpDto {
  @ApiProperty({ example: 'Contact leggen met Fontys over een stageproject', maxLength: FOLLOW_UP_DESCRIPTION_MAX })
  @Transform(trim) @MaxLength(FOLLOW_UP_DESCRIPTION_MAX) @IsString() @IsNotEmpty() description: string;

  @ApiPropertyOptional({ description: "Who does it (a user id); the visit's account manager when left out" })
  @Transform(emptyToUndefined) @IsOptional() @IsUUID() assigneeId?: string;

  @ApiPropertyOptional({ example: '2018-06-01', description: 'Due date (YYYY-MM-DD)' })
  @Transform(emptyToUndefined) @IsOptional() @IsCalendarDate() dueOn?: string;
}

export class CreateVisitDto {
  @ApiProperty({ description: 'The organisation visited (must exist and not be merged)' })
  @IsUUID() organisationId: string;

  @ApiProperty({ example: '2018-03-14', description: 'Date of the visit (YYYY-MM-DD), not in the future' })
  @IsCalendarDate() @IsNotInFuture() visitedOn: string;

  @ApiPropertyOptional({ description: 'The account manager who visited (an active staff user); you when left out' })
  @Transform(emptyToUndefined) @IsOptional() @IsUUID() accountManagerId?: string;

  @ApiPropertyOptional({ type: [String], description: 'Contacts met (contact ids)' })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true }) contactIds?: string[];

  @ApiPropertyOptional({ enum: PROGRAMME_LINES, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(PROGRAMME_LINES.length) @IsIn(PROGRAMME_LINES, { each: true }) programmeLines?: ProgrammeLine[];

  @ApiPropertyOptional({ type: [String], example: ['smart industry', 'sensoring'], description: 'Free tags; "a, b" is split' })
  @Transform(({ value }) => normaliseTags(value))
  @IsOptional() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @MaxLength(50, { each: true }) themes?: string[];

  @ApiPropertyOptional({ maxLength: NOTES_MAX })
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(NOTES_MAX) notes?: string;

  @ApiPropertyOptional({ type: [VisitQuestionDto], description: 'Innovation questions raised during the visit' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => VisitQuestionDto) questions?: VisitQuestionDto[];

  @ApiPropertyOptional({ type: [VisitFollowUpDto], description: 'Follow-up actions agreed during the visit' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => VisitFollowUpDto) followUps?: VisitFollowUpDto[];
}

/** Every field optional; questions and follow-ups are changed through their own endpoints. */
export class UpdateVisitDto {
  @ApiPropertyOptional({ description: "Moves the visit, with its questions and follow-ups, to another organisation" })
  @IsOptional() @IsUUID() organisationId?: string;

  @ApiPropertyOptional({ example: '2018-03-14' }) @IsOptional() @IsCalendarDate() @IsNotInFuture() visitedOn?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() accountManagerId?: string;

  @ApiPropertyOptional({ type: [String], description: 'Replaces the contacts met' })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsUUID('all', { each: true }) contactIds?: string[];

  @ApiPropertyOptional({ enum: PROGRAMME_LINES, isArray: true })
  @IsOptional() @IsArray() @ArrayMaxSize(PROGRAMME_LINES.length) @IsIn(PROGRAMME_LINES, { each: true }) programmeLines?: ProgrammeLine[];

  @ApiPropertyOptional({ type: [String] })
  @Transform(({ value }) => normaliseTags(value))
  @IsOptional() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @MaxLength(50, { each: true }) themes?: string[];

  @ApiPropertyOptional({ maxLength: NOTES_MAX, nullable: true, description: "'' or null clears the notes" })
  @Transform(emptyToNull) @IsOptional() @IsString() @MaxLength(NOTES_MAX) notes?: string | null;
}

export const VISIT_SORTS = ['visitedOn', 'organisation', 'accountManager', 'created'] as const;

export class VisitQuery extends CrmListQuery {
  @ApiPropertyOptional({ description: 'Only visits by this account manager (a user id)' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() accountManagerId?: string;
  @ApiPropertyOptional({ description: 'Only visits with this theme' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(50) theme?: string;
  @ApiPropertyOptional({ enum: VISIT_SORTS, description: 'Default: visitedOn, newest first' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(VISIT_SORTS) sort?: (typeof VISIT_SORTS)[number];
}

export class PersonRef {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

export class VisitView {
  @ApiProperty() id: string;
  @ApiProperty() organisationId: string;
  @ApiProperty() organisationName: string;
  @ApiProperty({ nullable: true, type: String }) municipality: string | null;
  @ApiProperty({ example: '2018-03-14' }) visitedOn: string;
  @ApiProperty() accountManagerId: string;
  @ApiProperty() accountManagerName: string;
  @ApiProperty({ enum: PROGRAMME_LINES, isArray: true }) programmeLines: ProgrammeLine[];
  @ApiProperty({ type: [String] }) themes: string[];
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ type: [PersonRef] }) contacts: PersonRef[];
  @ApiProperty() questionCount: number;
  @ApiProperty() openFollowUpCount: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class VisitDetail extends VisitView {
  @ApiProperty({ type: () => [QuestionView] }) questions: QuestionView[];
  @ApiProperty({ type: () => [FollowUpView] }) followUps: FollowUpView[];
}

export class VisitPage {
  @ApiProperty({ type: [VisitView] }) items: VisitView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
}
