import { IMPORT_KINDS, IMPORT_STATUSES, ROW_STATUSES } from '@keyport/crm/import';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

export class ImportListQuery {
  @ApiPropertyOptional({ minimum: 1 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200 }) @Transform(emptyToUndefined) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
}

export class ImportRowsQuery extends ImportListQuery {
  @ApiPropertyOptional({ enum: ROW_STATUSES, description: 'Only the lines with this status' })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(ROW_STATUSES)
  status?: (typeof ROW_STATUSES)[number];
}

export class UploadImportDto {
  @ApiProperty({ enum: IMPORT_KINDS }) kind: string;
  @ApiProperty({ type: 'string', format: 'binary', description: 'The CSV file (UTF-8, `;` or `,`, header line first), at most 50 MB' }) file: unknown;
}

export class RowReasonDto {
  @ApiProperty({
    enum: ['invalid', 'columnCount', 'needsEmailOrOrganisation', 'organisationNotFound', 'organisationAmbiguous', 'duplicate', 'duplicateRow', 'addedToExisting', 'contactExists', 'failed'],
  })
  code: string;
  @ApiPropertyOptional({ description: 'The column concerned' }) field?: string;
  @ApiPropertyOptional({ description: "The API's validation rule that failed (class-validator constraint)" }) rule?: string;
  @ApiPropertyOptional({ enum: ['kvk', 'name', 'email'] }) match?: string;
  @ApiPropertyOptional({ enum: ['organisation', 'contact'] }) entity?: string;
  @ApiPropertyOptional({ description: 'The earlier line of the same file this one repeats' }) row?: number;
  @ApiPropertyOptional({ description: 'The existing record this line duplicates', example: { id: '…', name: 'Jansen Techniek B.V.' } }) existing?: { id: string; name: string };
  @ApiProperty({ example: 'kvkNumber must be 8 digits' }) message: string;
}

export class RowResultDto {
  @ApiProperty({ description: 'Line number as a spreadsheet shows it (the header is 1)' }) row: number;
  @ApiProperty({ enum: ROW_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'The organisation or person of the line' }) label: string | null;
  @ApiProperty({ type: [RowReasonDto] }) reasons: RowReasonDto[];
}

export class PreviewSummaryDto {
  @ApiProperty() accepted: number;
  @ApiProperty() duplicate: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ enum: [',', ';', '\t'] }) delimiter: string;
  @ApiProperty({ type: [String], description: 'Header columns that are not part of the format (skipped)' }) ignoredColumns: string[];
  @ApiProperty({ type: [RowResultDto], description: 'The first 200 lines as the preview found them (all: GET /imports/{id}/rows)' }) lines: RowResultDto[];
}

export class ImportViewDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: IMPORT_KINDS }) kind: string;
  @ApiProperty() fileName: string;
  @ApiProperty({ enum: IMPORT_STATUSES, description: 'previewed → (POST run) queued → running → done, or failed (run again to continue)' }) status: string;
  @ApiProperty({ description: 'Lines below the header (empty lines not counted)' }) totalRows: number;
  @ApiProperty({ description: 'Lines the run has processed so far' }) processedRows: number;
  @ApiProperty({ description: 'Lines the run added something from' }) createdCount: number;
  @ApiProperty({ description: "Duplicates: the preview's count until the import is queued, then the run's" }) duplicateCount: number;
  @ApiProperty({ description: "Rejected: the preview's count until the import is queued, then the run's" }) rejectedCount: number;
  @ApiProperty({ type: PreviewSummaryDto, nullable: true }) preview: PreviewSummaryDto | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, example: { id: '…', name: 'Sanne Janssen' } }) createdBy: { id: string; name: string } | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
}

export class ImportPageDto {
  @ApiProperty({ type: [ImportViewDto], description: 'Without preview lines' }) items: ImportViewDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
}

export class RowPageDto {
  @ApiProperty({ type: [RowResultDto] }) items: RowResultDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty() pages: number;
}

/** The pages' query: a page of lines, a status filter, and the language switch every page accepts. */
export class ImportPagesQuery extends ImportRowsQuery {
  @Transform(emptyToUndefined) @IsOptional() @IsIn(['nl', 'en']) lang?: 'nl' | 'en';
}
