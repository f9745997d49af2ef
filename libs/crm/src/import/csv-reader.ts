import { ValidationError } from '@keyport/common';
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { ImportKind, mapHeader } from './import-format';

export interface CsvRow {
  /** The line's number as a spreadsheet shows it: the header is row 1. */
  row: number;
  /** Field → value, for the kind's columns only. */
  values: Record<string, string>;
  /** More fields than the header has (a stray delimiter): the line cannot be read reliably. */
  extraFields: number;
}

export interface CsvHeader {
  delimiter: ',' | ';' | '\t';
  columns: string[];
  ignored: string[];
}

export type ImportFileProblem = 'empty' | 'notText' | 'tooLarge' | 'noHeader' | 'missingColumns' | 'repeatedColumns' | 'invalidCsv' | 'noRows';

/**
 * A file that is not a CSV of this kind at all: answered with 400 before anything is stored. `problem`
 * and `args` let a page say it in the reader's language.
 */
export class ImportFileError extends ValidationError {
  constructor(
    readonly problem: ImportFileProblem,
    message: string,
    readonly args: Record<string, string | number> = {},
  ) {
    super([{ field: 'file', message, rule: problem }], `The file cannot be imported: ${message}`);
  }
}

const MAX_HEADER_BYTES = 64 * 1024;

/** The delimiter of the header line: the one of `;`, `,` and tab that occurs most outside quotes. */
export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = { ';': 0, ',': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts]++;
  }
  if (counts['\t'] > counts[';'] && counts['\t'] > counts[',']) return '\t';
  return counts[';'] > counts[','] ? ';' : ',';
}

/**
 * Reads a CSV file as it arrives, a row at a time (csv-parse, with back-pressure: the parser never runs
 * far ahead of the consumer). `;` or `,` (or tab) as the header line has it, an optional UTF-8 byte order
 * mark, quoted fields with doubled quotes and line breaks. Empty lines are skipped but counted, so row
 * numbers match a spreadsheet's. `onHeader` is called once, before the first row.
 */
export async function* readCsv(kind: ImportKind, source: AsyncIterable<Buffer>, onHeader?: (header: CsvHeader) => void): AsyncGenerator<CsvRow> {
  const chunks = source[Symbol.asyncIterator]();
  // Collect the start of the file until the header line is complete, to choose the delimiter.
  const head: Buffer[] = [];
  let headBytes = 0;
  for (;;) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
    if (next.value.includes(0x0a) || headBytes > MAX_HEADER_BYTES) break;
  }
  const start = Buffer.concat(head);
  if (start.subarray(0, 8192).includes(0)) throw new ImportFileError('notText', 'this is not a text (CSV) file');
  const firstLine = start.toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0];
  if (!firstLine.trim()) throw new ImportFileError('noHeader', 'the first line must be the header with the column names');
  const delimiter = detectDelimiter(firstLine);

  async function* all(): AsyncGenerator<Buffer> {
    yield start;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const parser = Readable.from(all()).pipe(
    parse({
      delimiter,
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      // One runaway quoted field must not make a record of the whole file.
      max_record_size: 1_000_000,
    }),
  );

  let row = 0;
  let fields: (string | null)[] | undefined;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row++;
      if (!fields) {
        const header = mapHeader(kind, record);
        if (header.missing.length) throw new ImportFileError('missingColumns', `the header lacks the column(s) ${header.missing.join(', ')}`, { columns: header.missing.join(', ') });
        if (header.repeated.length) throw new ImportFileError('repeatedColumns', `the header has the column(s) ${header.repeated.join(', ')} more than once`, { columns: header.repeated.join(', ') });
        fields = header.fields;
        onHeader?.({ delimiter, columns: header.fields.filter((f): f is string => f !== null), ignored: header.ignored });
        continue;
      }
      if (record.every((v) => v.trim() === '')) continue;
      const values: Record<string, string> = {};
      fields.forEach((field, i) => {
        if (field) values[field] = record[i] ?? '';
      });
      yield { row, values, extraFields: Math.max(0, record.length - fields.length) };
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    const e = error as { code?: string; lines?: number; message?: string };
    if (e.code?.startsWith('CSV_')) throw new ImportFileError('invalidCsv', `it is not valid CSV near line ${e.lines ?? row + 1} (${e.code})`, { line: e.lines ?? row + 1 });
    throw error;
  } finally {
    parser.destroy();
  }
  if (!fields) throw new ImportFileError('empty', 'the file is empty');
}
