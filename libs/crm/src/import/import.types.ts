import type { ImportKind } from './import-format';

/** Preview: accepted / duplicate / rejected. After the run, an accepted line became created (or turned out a duplicate meanwhile). */
export const ROW_STATUSES = ['accepted', 'duplicate', 'rejected', 'created'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export const IMPORT_STATUSES = ['previewed', 'queued', 'running', 'done', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/**
 * Why a line has its status. `code` is stable (the pages translate it); `message` is English for API
 * clients. Reasons name fields and records, never repeat the line's own values.
 */
export interface RowReason {
  code:
    | 'invalid' // a field breaks the rule of the API (rule: class-validator's constraint)
    | 'columnCount' // more fields than the header: a stray delimiter
    | 'needsEmailOrOrganisation' // a person without both cannot be recognised on a second import
    | 'organisationNotFound'
    | 'organisationAmbiguous'
    | 'duplicate' // of an existing record (match: kvk, name, email)
    | 'duplicateRow' // of an earlier line of the same file
    | 'addedToExisting' // the organisation exists; the person of the line is added to it
    | 'contactExists' // the organisation is new, the person of the line exists already
    | 'failed'; // could not be saved (the run counts it as rejected)
  field?: string;
  rule?: string;
  match?: 'kvk' | 'name' | 'email';
  entity?: 'organisation' | 'contact';
  row?: number;
  existing?: { id: string; name: string };
  message: string;
}

export interface RowResult {
  row: number;
  status: RowStatus;
  /** What the line is about (organisation or person name), to recognise it in a list. */
  label: string | null;
  reasons: RowReason[];
}

export interface PreviewSummary {
  accepted: number;
  duplicate: number;
  rejected: number;
  delimiter: string;
  ignoredColumns: string[];
  /** The first lines, as the preview found them. */
  lines: RowResult[];
}

export interface ImportView {
  id: string;
  kind: ImportKind;
  fileName: string;
  status: ImportStatus;
  totalRows: number;
  processedRows: number;
  createdCount: number;
  duplicateCount: number;
  rejectedCount: number;
  preview: PreviewSummary | null;
  error: string | null;
  createdBy: { id: string; name: string } | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface ImportProgress {
  status: ImportStatus;
  totalRows: number;
  processedRows: number;
  createdCount: number;
  duplicateCount: number;
  rejectedCount: number;
  percent: number;
}
