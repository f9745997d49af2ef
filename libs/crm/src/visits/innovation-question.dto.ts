import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ANSWERED_BY, AnsweredBy } from '../crm.constants';
import { CrmListQuery, emptyToNull, emptyToUndefined, IsCalendarDate, IsNotInFuture, trim, trimmed } from './dto-helpers';
import type { QuestionStatus } from './visit.entity';

export const QUESTION_TEXT_MAX = 2_000;
export const ANSWER_MAX = 10_000;
export const QUESTION_STATUSES = ['open', 'answered'] as const;

export class CreateQuestionDto {
  @ApiProperty({ description: 'The organisation that asks (must exist and not be merged)' }) @IsUUID() organisationId: string;
  @ApiPropertyOptional({ description: 'The visit during which it was raised (of the same organisation)' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() visitId?: string;
  @ApiPropertyOptional({ description: 'The person who asked it (a contact id)' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() contactId?: string;
  @ApiProperty({ example: 'Welke subsidie past bij ons robotiseringsproject?', maxLength: QUESTION_TEXT_MAX })
  @Transform(trim) @MaxLength(QUESTION_TEXT_MAX) @IsString() @IsNotEmpty() question: string;
  @ApiPropertyOptional({ example: '2018-03-14', description: "When it was raised (YYYY-MM-DD), not in the future; the visit's date or today when left out" })
  @Transform(emptyToUndefined) @IsOptional() @IsCalendarDate() @IsNotInFuture() raisedOn?: string;
}

export class UpdateQuestionDto {
  @ApiPropertyOptional({ maxLength: QUESTION_TEXT_MAX }) @Transform(trim) @IsOptional() @MaxLength(QUESTION_TEXT_MAX) @IsString() @IsNotEmpty() question?: string;
  @ApiPropertyOptional({ nullable: true, description: "null or '' clears it" }) @Transform(emptyToNull) @IsOptional() @IsUUID() contactId?: string | null;
  @ApiPropertyOptional({ example: '2018-03-14' }) @IsOptional() @IsCalendarDate() @IsNotInFuture() raisedOn?: string;
}

export class AnswerQuestionDto {
  @ApiProperty({ enum: ANSWERED_BY, description: 'sme: another company; knowledge_institute: a school or knowledge institute; keyport: Keyport itself' })
  @Transform(emptyToUndefined) @IsIn(ANSWERED_BY) answeredBy: AnsweredBy;
  @ApiPropertyOptional({ example: 'Fontys Hogeschool Engineering', description: 'Which company, institute or person answered it' })
  @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) answeredByName?: string;
  @ApiPropertyOptional({ maxLength: ANSWER_MAX }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(ANSWER_MAX) answer?: string;
  @ApiPropertyOptional({ example: '2018-04-02', description: 'YYYY-MM-DD, not in the future nor before it was raised; today when left out' })
  @Transform(emptyToUndefined) @IsOptional() @IsCalendarDate() @IsNotInFuture() answeredOn?: string;
}

export const QUESTION_SORTS = ['raisedOn', 'answeredOn', 'organisation', 'status'] as const;

export class QuestionQuery extends CrmListQuery {
  @ApiPropertyOptional({ description: 'Only questions raised during this visit' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() visitId?: string;
  @ApiPropertyOptional({ description: "Account manager of the visit where it was raised (else of the organisation)" })
  @Transform(emptyToUndefined) @IsOptional() @IsUUID() accountManagerId?: string;
  @ApiPropertyOptional({ enum: QUESTION_STATUSES }) @Transform(emptyToUndefined) @IsOptional() @IsIn(QUESTION_STATUSES) status?: QuestionStatus;
  @ApiPropertyOptional({ enum: ANSWERED_BY }) @Transform(emptyToUndefined) @IsOptional() @IsIn(ANSWERED_BY) answeredBy?: AnsweredBy;
  @ApiPropertyOptional({ enum: QUESTION_SORTS, description: 'Default: raisedOn, newest first' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(QUESTION_SORTS) sort?: (typeof QUESTION_SORTS)[number];
}

export class QuestionView {
  @ApiProperty() id: string;
  @ApiProperty() organisationId: string;
  @ApiProperty() organisationName: string;
  @ApiProperty({ nullable: true, type: String }) municipality: string | null;
  @ApiProperty({ nullable: true, type: String }) visitId: string | null;
  @ApiProperty({ nullable: true, type: String }) visitedOn: string | null;
  @ApiProperty({ nullable: true, type: String }) accountManagerName: string | null;
  @ApiProperty({ nullable: true, type: String }) contactId: string | null;
  @ApiProperty({ nullable: true, type: String }) contactName: string | null;
  @ApiProperty() question: string;
  @ApiProperty({ example: '2018-03-14' }) raisedOn: string;
  @ApiProperty({ enum: QUESTION_STATUSES }) status: QuestionStatus;
  @ApiProperty({ enum: ANSWERED_BY, nullable: true }) answeredBy: AnsweredBy | null;
  @ApiProperty({ nullable: true, type: String }) answeredByName: string | null;
  @ApiProperty({ nullable: true, type: String }) answer: string | null;
  @ApiProperty({ nullable: true, type: String }) answeredOn: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class QuestionPage {
  @ApiProperty({ type: [QuestionView] }) items: QuestionView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
}
