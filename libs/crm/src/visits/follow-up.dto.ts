import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CrmListQuery, emptyToNull, emptyToUndefined, IsCalendarDate, trim } from './dto-helpers';

export const FOLLOW_UP_DESCRIPTION_MAX = 1_000;
/** `all` is the same as no status filter (a page's way to say "everything"). */
export const FOLLOW_UP_STATUSES = ['open', 'overdue', 'done', 'all'] as const;
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

export class CreateFollowUpDto {
  @ApiProperty({ description: 'The organisation it is about (must exist and not be merged)' }) @IsUUID() organisationId: string;
  @ApiPropertyOptional({ description: 'The visit it came from (of the same organisation)' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() visitId?: string;
  @ApiProperty({ example: 'Offerte Fontys-stageproject nabellen', maxLength: FOLLOW_UP_DESCRIPTION_MAX })
  @Transform(trim) @MaxLength(FOLLOW_UP_DESCRIPTION_MAX) @IsString() @IsNotEmpty() description: string;
  @ApiPropertyOptional({ description: 'Who does it (an active staff user); you when left out' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() assigneeId?: string;
  @ApiPropertyOptional({ example: '2018-06-01', description: 'Due date (YYYY-MM-DD)' }) @Transform(emptyToUndefined) @IsOptional() @IsCalendarDate() dueOn?: string;
}

export class UpdateFollowUpDto {
  @ApiPropertyOptional({ maxLength: FOLLOW_UP_DESCRIPTION_MAX }) @Transform(trim) @IsOptional() @MaxLength(FOLLOW_UP_DESCRIPTION_MAX) @IsString() @IsNotEmpty() description?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() assigneeId?: string;
  @ApiPropertyOptional({ nullable: true, description: "YYYY-MM-DD; null or '' removes the due date" }) @Transform(emptyToNull) @IsOptional() @IsCalendarDate() dueOn?: string | null;
}

export const FOLLOW_UP_SORTS = ['dueOn', 'organisation', 'assignee', 'created', 'done'] as const;

export class FollowUpQuery extends CrmListQuery {
  @ApiPropertyOptional({ description: 'Only follow-ups of this visit' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() visitId?: string;
  @ApiPropertyOptional({ description: 'Only follow-ups for this user' }) @Transform(emptyToUndefined) @IsOptional() @IsUUID() assigneeId?: string;
  @ApiPropertyOptional({ enum: FOLLOW_UP_STATUSES, description: 'overdue: open and due before today (Europe/Amsterdam)' })
  @Transform(emptyToUndefined) @IsOptional() @IsIn(FOLLOW_UP_STATUSES) status?: FollowUpStatus;
  @ApiPropertyOptional({ enum: FOLLOW_UP_SORTS, description: 'Default: dueOn, soonest first, undated last' }) @Transform(emptyToUndefined) @IsOptional() @IsIn(FOLLOW_UP_SORTS) sort?: (typeof FOLLOW_UP_SORTS)[number];
}

export class FollowUpView {
  @ApiProperty() id: string;
  @ApiProperty() organisationId: string;
  @ApiProperty() organisationName: string;
  @ApiProperty({ nullable: true, type: String }) municipality: string | null;
  @ApiProperty({ nullable: true, type: String }) visitId: string | null;
  @ApiProperty({ nullable: true, type: String }) visitedOn: string | null;
  @ApiProperty() description: string;
  @ApiProperty() assigneeId: string;
  @ApiProperty() assigneeName: string;
  @ApiProperty({ nullable: true, type: String, example: '2018-06-01' }) dueOn: string | null;
  @ApiProperty({ nullable: true, type: Date }) doneAt: Date | null;
  @ApiProperty() done: boolean;
  @ApiProperty({ description: 'Open and due before today (Europe/Amsterdam)' }) overdue: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class FollowUpPage {
  @ApiProperty({ type: [FollowUpView] }) items: FollowUpView[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
}
