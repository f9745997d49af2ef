import { PROGRAMME_LINES, SUPPORT_KINDS, ORGANISATION_TYPES, KEYPORT_MUNICIPALITIES } from '@keyport/crm';
import { EDUCATION_LEVELS, EVENT_FORMATS, GROUP_PARTICIPANT_TYPES, PARTICIPANT_TYPES } from '@keyport/events';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import type { PaceStatus, Period, PeriodInput } from './period';
import {
  ItemKind, KEY_PATTERN, MANUAL_AGGREGATES, ManualAggregate, Metric, METRICS, NOTE_MAX, OUTSIDE, TARGET_MAX, TargetFilters, TITLE_MAX, YEAR_MAX, YEAR_MIN,
} from './targets.constants';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export class CreatePlanDto {
  @ApiProperty({ example: 2026, minimum: YEAR_MIN, maximum: YEAR_MAX }) @Type(() => Number) @IsInt() @Min(YEAR_MIN) @Max(YEAR_MAX) year: number;
  @ApiPropertyOptional({ example: 2018, description: "Copy this year's targets (their definitions, not their figures)" })
  @Transform(({ value }) => (value === '' || value === null ? undefined : typeof value === 'string' ? Number(value) : value)) @IsOptional() @IsInt() @Min(YEAR_MIN) @Max(YEAR_MAX) copyFrom?: number;
  @ApiPropertyOptional({ example: 'Jaarplan 2026' }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(200) title?: string;
}

/** The filters a target may have (see TargetFilters for what each means and METRIC_FILTERS for where each applies). */
export class TargetFiltersDto implements TargetFilters {
  @ApiPropertyOptional({ enum: EVENT_FORMATS, isArray: true }) formats?: string[];
  @ApiPropertyOptional({ enum: PROGRAMME_LINES, isArray: true }) programmeLines?: string[];
  @ApiPropertyOptional({ type: [String], example: ['innovation'] }) tags?: string[];
  @ApiPropertyOptional({ enum: ORGANISATION_TYPES, isArray: true }) organisationTypes?: string[];
  @ApiPropertyOptional({ enum: [...KEYPORT_MUNICIPALITIES, OUTSIDE], isArray: true }) municipalities?: string[];
  @ApiPropertyOptional({ description: 'Only organisations (or, for events held, events) inside (true) or outside (false) the region' }) inRegion?: boolean;
  @ApiPropertyOptional({ enum: [...new Set([...PARTICIPANT_TYPES, ...GROUP_PARTICIPANT_TYPES])], isArray: true }) participantTypes?: string[];
  @ApiPropertyOptional({ enum: EDUCATION_LEVELS, isArray: true }) educationLevels?: string[];
  @ApiPropertyOptional({ enum: SUPPORT_KINDS, isArray: true }) supportKinds?: string[];
  @ApiPropertyOptional({ description: 'Group headcount: add the persons checked in' }) includePersons?: boolean;
}

export class CreateTargetDto {
  @ApiProperty({ enum: PROGRAMME_LINES }) @IsIn(PROGRAMME_LINES) programmeLine: string;
  @ApiProperty({ example: '200 bedrijven nemen deel aan bijeenkomsten met innovatieve thema’s', maxLength: TITLE_MAX })
  @Transform(trimmed) @IsString() @IsNotEmpty() @MaxLength(TITLE_MAX) title: string;
  @ApiPropertyOptional({ example: '200 companies attend meetings with innovative themes', maxLength: TITLE_MAX })
  @Transform(emptyToUndefined) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(TITLE_MAX) titleEn?: string | null;
  @ApiProperty({ example: 200, minimum: 1, maximum: TARGET_MAX }) @Type(() => Number) @IsInt() @Min(1) @Max(TARGET_MAX) target: number;
  @ApiProperty({ enum: METRICS }) @IsIn(METRICS) metric: Metric;
  @ApiPropertyOptional({ type: TargetFiltersDto, description: 'Checked against the metric: a filter that does not apply to it is refused' })
  @IsOptional() @IsObject() filters?: TargetFilters;
  @ApiPropertyOptional({ enum: MANUAL_AGGREGATES, description: 'Manual figures only: latest = the most recent entry (a level), sum = entries added up' })
  @Transform(emptyToUndefined) @IsOptional() @IsIn(MANUAL_AGGREGATES) manualAggregate?: ManualAggregate | null;
  @ApiPropertyOptional({ example: 16900, description: 'Manual figures only: the starting level, shown beside the figure' })
  @Transform(emptyToUndefined) @IsOptional() @ValidateIf((_, v) => v !== null) @Type(() => Number) @IsInt() @Min(0) @Max(TARGET_MAX) baseline?: number | null;
  @ApiPropertyOptional({ maxLength: NOTE_MAX }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(NOTE_MAX) countingNote?: string | null;
  @ApiPropertyOptional({ example: 'innovation.companies_innovative_meetings', description: 'A stable key, the same in every year that copies it' })
  @Transform(emptyToUndefined) @IsOptional() @IsString() @Matches(KEY_PATTERN) key?: string | null;
}

export class UpdateTargetDto extends PartialType(CreateTargetDto) {}

export class ManualFigureDto {
  @ApiProperty({ example: '2018-06-30', description: 'The day the figure was measured or the outcome happened (Amsterdam)' })
  @IsString() @Matches(/^\d{4}-\d{2}-\d{2}$/) @IsISO8601({ strict: true }) recordedOn: string;
  @ApiProperty({ example: 17250, minimum: 0 }) @Type(() => Number) @IsInt() @Min(0) @Max(TARGET_MAX) value: number;
  @ApiPropertyOptional({ example: 'Google Analytics, januari t/m juni', maxLength: NOTE_MAX }) @Transform(trimmed) @IsOptional() @IsString() @MaxLength(NOTE_MAX) note?: string;
}

export class IssueProgressReportDto {
  @ApiProperty({ example: 2018 }) @Type(() => Number) @IsInt() @Min(YEAR_MIN) @Max(YEAR_MAX) year: number;
  @ApiProperty({ example: 1, minimum: 1, maximum: 4 }) @Type(() => Number) @IsInt() @Min(1) @Max(4) quarter: number;
  @ApiPropertyOptional({ example: 'Drie ontbijtsessies, 42 bedrijven bezocht.', maxLength: 20_000 })
  @Transform(trimmed) @IsOptional() @IsString() @MaxLength(20_000) highlights?: string;
}

/** A period in a query string: ?year=2018, ?year=2018&quarter=1, ?year=2018&month=3 or ?from=2018-01-15&to=2018-02-14. */
export class PeriodQueryDto {
  @ApiPropertyOptional({ example: 2018 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(YEAR_MIN) @Max(YEAR_MAX) year?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 4 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(4) quarter?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 12 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(12) month?: number;
  @ApiPropertyOptional({ example: '2018-01-15', description: 'First day (with to; both days included)' }) @Transform(emptyToUndefined) @IsOptional() @IsString() from?: string;
  @ApiPropertyOptional({ example: '2018-02-14', description: 'Last day, included' }) @Transform(emptyToUndefined) @IsOptional() @IsString() to?: string;
}

/** The period of a query, or undefined for "the target's own year". */
export function periodFromQuery(q: { year?: number; quarter?: number; month?: number; from?: string; to?: string }): PeriodInput | undefined {
  if (q.from !== undefined || q.to !== undefined) return { from: q.from ?? '', to: q.to ?? '' };
  if (q.year !== undefined) return { year: q.year, quarter: q.quarter, month: q.month };
  return undefined;
}

export interface PlanSummary {
  id: string;
  year: number;
  title: string | null;
  copiedFromYear: number | null;
  targetCount: number;
  createdAt: Date;
}

export interface TargetView {
  id: string;
  planId: string;
  year: number;
  programmeLine: string;
  position: number;
  key: string | null;
  /** Dutch, as in the plan. */
  title: string;
  titleEn: string | null;
  target: number;
  metric: Metric;
  filters: TargetFilters;
  manualAggregate: ManualAggregate | null;
  baseline: number | null;
  countingNote: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PlanView extends PlanSummary {
  targets: TargetView[];
}

export type PeriodView = Pick<Period, 'kind' | 'label' | 'start' | 'end' | 'startsAt' | 'endsAt'>;

export interface Tally {
  targetId: string;
  period: PeriodView;
  /** The figure. Null only for a 'latest' manual figure without an entry in the period. */
  value: number | null;
  /** How many things make up the figure: the drill-down's length. */
  items: number;
  /** Beside attendance metrics: distinct units registered, checked in, and registered but not come (no-show). */
  attendance: { registered: number; attended: number; noShow: number } | null;
}

export interface TargetFigure extends TargetView, Omit<Tally, 'targetId'> {
  pace: { expected: number; elapsedShare: number; progress: number | null; status: PaceStatus };
}

export interface MunicipalityFigure {
  /** 'Weert', … or 'outside' (outside the region or unknown). */
  municipality: string;
  inRegion: boolean;
  value: number;
  items: number;
}

export interface DrillDownItem {
  kind: ItemKind;
  /** The organisation, person, event, group, question, support record, manual figure or report. */
  id: string;
  /** Its name; an erased person is shown anonymised. */
  name: string;
  municipality: string;
  /** When it first counted in the period. */
  at: Date | null;
  /** What it adds to the figure: 1, or a group's headcount, or a manual figure's value. */
  count: number;
  /** The records behind it: registrations, visits, support records, … */
  recordIds: string[];
  detail: Record<string, unknown>;
}

export interface MonthlyPoint {
  month: string;
  /** Cumulative from the start of the period to the end of this month (a 'latest' figure: the latest entry so far). */
  value: number | null;
  /** Added in this month (null for 'latest' figures). */
  added: number | null;
}

export interface ManualFigureView {
  id: string;
  targetId: string;
  recordedOn: string;
  value: number;
  note: string | null;
  recordedBy: string | null;
  recordedByName: string | null;
  createdAt: Date;
}

export interface ProgressReportView {
  id: string;
  year: number;
  quarter: number;
  highlights: string;
  issuedAt: Date | null;
  issuedBy: string | null;
  issuedByName: string | null;
  snapshot: ProgressSnapshot | null;
}

export interface ProgressSnapshot {
  period: PeriodView;
  targets: (Pick<TargetFigure, 'id' | 'programmeLine' | 'key' | 'title' | 'titleEn' | 'target' | 'metric' | 'value' | 'baseline' | 'attendance' | 'pace'> & {
    municipalities: MunicipalityFigure[];
  })[];
  eventsHeld: { id: string; title: string; format: string; startsAt: string; municipality: string | null }[];
}
