import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { PassThrough, Readable } from 'node:stream';

export type ExportFormat = 'csv' | 'xlsx';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | Date | null | undefined;
}

/**
 * Makes a cell safe for spreadsheets: text starting with = + - @ (or tab / carriage return) would be
 * run as a formula by Excel or LibreOffice, so it gets a leading apostrophe (OWASP CSV injection).
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? neutraliseCell(value) : String(value);
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<T>(columns: Column<T>[], rows: Iterable<T>): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row))).join(','));
  // A byte order mark so Excel opens UTF-8 (accents in Dutch names) correctly.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function toXlsx<T>(sheetName: string, columns: Column<T>[], rows: Iterable<T>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName.slice(0, 31));
  sheet.addRow(columns.map((c) => c.header)).font = { bold: true };
  for (const row of rows) {
    sheet.addRow(columns.map((c) => {
      const v = c.value(row);
      return typeof v === 'string' ? neutraliseCell(v) : (v ?? null);
    }));
  }
  sheet.columns.forEach((col) => (col.width = 24));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function sendExport<T>(reply: FastifyReply, format: ExportFormat, baseName: string, columns: Column<T>[], rows: T[]): Promise<void> {
  const stamp = new Date().toISOString().slice(0, 10);
  const filename = `${baseName}-${stamp}.${format}`;
  reply.header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store');
  if (format === 'xlsx') {
    await reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(baseName, columns, rows));
  } else {
    await reply.type('text/csv; charset=utf-8').send(toCsv(columns, rows));
  }
}

/**
 * Streams every row of a (possibly large) list as CSV or XLSX: rows are written as they come from the
 * async iterable (a page of 200 at a time), never all held in memory.
 */
export async function streamExport<T>(reply: FastifyReply, format: ExportFormat, baseName: string, columns: Column<T>[], rows: AsyncIterable<T>): Promise<void> {
  const stamp = new Date().toISOString().slice(0, 10);
  reply.header('content-disposition', `attachment; filename="${baseName}-${stamp}.${format}"`).header('cache-control', 'no-store');
  if (format === 'csv') {
    async function* lines() {
      yield `\uFEFF${columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
      for await (const row of rows) yield `${columns.map((c) => csvCell(c.value(row))).join(',')}\r\n`;
    }
    await reply.type('text/csv; charset=utf-8').send(Readable.from(lines()));
    return;
  }
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const sheet = workbook.addWorksheet(baseName.slice(0, 31));
  sheet.columns = columns.map((c) => ({ header: c.header, width: 24 }));
  const writing = (async () => {
    for await (const row of rows) {
      sheet.addRow(columns.map((c) => {
        const v = c.value(row);
        return typeof v === 'string' ? neutraliseCell(v) : (v ?? null);
      })).commit();
    }
    sheet.commit();
    await workbook.commit();
  })();
  writing.catch((error) => out.destroy(error));
  await reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(out);
}

/** A list's filters as extra query parameters for its export links (without paging, format or language). */
export function exportQuery(url: string): string {
  const params = new URL(url, 'http://x').searchParams;
  for (const p of ['page', 'format', 'lang']) params.delete(p);
  const rest = params.toString();
  return rest ? `&${rest}` : '';
}
