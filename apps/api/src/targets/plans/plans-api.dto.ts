import { MAX_PAGE_SIZE } from '@keyport/common';
import { PROGRAMME_LINES } from '@keyport/crm';
import { MANUAL_AGGREGATES, METRICS, PeriodQueryDto, TargetFiltersDto, YEAR_MAX, YEAR_MIN } from '@keyport/targets';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The drill-down: a period, a page, or everything as CSV/XLSX. */
export class ItemsQueryDto extends PeriodQueryDto {
  @ApiPropertyOptional({ minimum: 1, default: 1 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE) pageSize?: number;
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], description: 'The whole list as a file instead of a page of JSON' })
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['csv', 'xlsx']) format?: 'csv' | 'xlsx';
}

export class ReportsQueryDto {
  @ApiPropertyOptional({ example: 2018 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(YEAR_MIN) @Max(YEAR_MAX) year?: number;
}

// ---- Response shapes, for the OpenAPI document only (the services return plain objects of these shapes).

export class PlanSummaryDoc {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 2026 }) year: number;
  @ApiProperty({ nullable: true, example: 'Jaarplan 2026' }) title: string | null;
  @ApiProperty({ nullable: true, example: 2018 }) copiedFromYear: number | null;
  @ApiProperty() targetCount: number;
  @ApiProperty() createdAt: Date;
}

export class TargetDoc {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) planId: string;
  @ApiProperty({ example: 2018 }) year: number;
  @ApiProperty({ enum: PROGRAMME_LINES }) programmeLine: string;
  @ApiProperty({ description: 'Order within the programme line' }) position: number;
  @ApiProperty({ nullable: true, example: 'innovation.companies_innovative_meetings' }) key: string | null;
  @ApiProperty({ description: 'Dutch, as in the plan' }) title: string;
  @ApiProperty({ nullable: true }) titleEn: string | null;
  @ApiProperty({ example: 200, description: 'The number to reach' }) target: number;
  @ApiProperty({ enum: METRICS }) metric: string;
  @ApiProperty({ type: TargetFiltersDto }) filters: TargetFiltersDto;
  @ApiProperty({ enum: MANUAL_AGGREGATES, nullable: true }) manualAggregate: string | null;
  @ApiProperty({ nullable: true, example: 16900, description: 'Manual figures: the starting level' }) baseline: number | null;
  @ApiProperty({ nullable: true }) countingNote: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class PlanDoc extends PlanSummaryDoc {
  @ApiProperty({ type: [TargetDoc] }) targets: TargetDoc[];
}

export class PeriodDoc {
  @ApiProperty({ enum: ['year', 'quarter', 'month', 'range'] }) kind: string;
  @ApiProperty({ example: 'Q1 2018' }) label: string;
  @ApiProperty({ example: '2018-01-01', description: 'First day counted (Amsterdam)' }) start: string;
  @ApiProperty({ example: '2018-04-01', description: 'First day no longer counted' }) end: string;
  @ApiProperty() startsAt: Date;
  @ApiProperty() endsAt: Date;
}

export class AttendanceDoc {
  @ApiProperty({ description: 'Distinct units registered (confirmed, attended or no-show)' }) registered: number;
  @ApiProperty({ description: 'Distinct units checked in' }) attended: number;
  @ApiProperty({ description: 'Registered but not come' }) noShow: number;
}

export class PaceDoc {
  @ApiProperty({ description: 'Where the figure should be by today: baseline + (target − baseline) × elapsed share of the year' }) expected: number;
  @ApiProperty({ description: 'Elapsed share of the plan year inside the period, 0..1' }) elapsedShare: number;
  @ApiProperty({ nullable: true, description: '(value − baseline) / (target − baseline); 1 = reached' }) progress: number | null;
  @ApiProperty({ enum: ['achieved', 'on_track', 'at_risk', 'behind', 'not_started', 'no_data'] }) status: string;
}

export class TargetFigureDoc extends TargetDoc {
  @ApiProperty({ type: PeriodDoc }) period: PeriodDoc;
  @ApiProperty({ nullable: true, description: 'The figure; null only for a level-type manual figure without an entry in the period' }) value: number | null;
  @ApiProperty({ description: 'How many things make up the figure: the length of the drill-down' }) items: number;
  @ApiProperty({ type: AttendanceDoc, nullable: true, description: 'Beside attendance metrics only' }) attendance: AttendanceDoc | null;
  @ApiProperty({ type: PaceDoc }) pace: PaceDoc;
}

export class DrillDownItemDoc {
  @ApiProperty({ enum: ['organisation', 'person', 'group', 'event', 'question', 'support_record', 'manual_figure', 'progress_report'] }) kind: string;
  @ApiProperty({ description: 'The organisation, person, event, … counted' }) id: string;
  @ApiProperty({ description: 'Its name; an erased person anonymised' }) name: string;
  @ApiProperty({ example: 'Weert', description: "A Keyport municipality or 'outside'" }) municipality: string;
  @ApiProperty({ nullable: true, description: 'When it first counted in the period' }) at: Date | null;
  @ApiProperty({ description: "What it adds to the figure: 1, a group's headcount or a manual figure's value" }) count: number;
  @ApiProperty({ type: [String], description: 'The records behind it (registrations, visits, …)' }) recordIds: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) detail: Record<string, unknown>;
}

export class DrillDownPageDoc {
  @ApiProperty({ type: [DrillDownItemDoc] }) items: DrillDownItemDoc[];
  @ApiProperty({ description: 'The whole list’s length (for distinct counts: the figure)' }) total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
  @ApiProperty({ nullable: true, description: 'The figure over the same period' }) value: number | null;
  @ApiProperty({ type: PeriodDoc }) period: PeriodDoc;
}

export class MunicipalityFigureDoc {
  @ApiProperty({ example: 'Roermond', description: "A Keyport municipality, or 'outside' (outside the region or unknown)" }) municipality: string;
  @ApiProperty() inRegion: boolean;
  @ApiProperty() value: number;
  @ApiProperty() items: number;
}

export class MonthlyPointDoc {
  @ApiProperty({ example: '2018-03' }) month: string;
  @ApiProperty({ nullable: true, description: 'Cumulative to the end of the month' }) value: number | null;
  @ApiProperty({ nullable: true, description: 'Added in the month' }) added: number | null;
}

export class ManualFigureDoc {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) targetId: string;
  @ApiProperty({ example: '2018-06-30' }) recordedOn: string;
  @ApiProperty({ example: 17250 }) value: number;
  @ApiProperty({ nullable: true }) note: string | null;
  @ApiProperty({ nullable: true }) recordedBy: string | null;
  @ApiProperty({ nullable: true }) recordedByName: string | null;
  @ApiProperty() createdAt: Date;
}

export class ProgressReportDoc {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 2018 }) year: number;
  @ApiProperty({ example: 1 }) quarter: number;
  @ApiProperty() highlights: string;
  @ApiProperty({ nullable: true }) issuedAt: Date | null;
  @ApiProperty({ nullable: true }) issuedBy: string | null;
  @ApiProperty({ nullable: true }) issuedByName: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'What was reported: period, targets with figures, pace and municipalities, events held' })
  snapshot: Record<string, unknown> | null;
}
