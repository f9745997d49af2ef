import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';

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
