import { CsvRow, detectDelimiter, ImportFileError, readCsv } from './csv-reader';
import { exampleCsv, headerKey, mapHeader } from './import-format';

async function rowsOf(text: string | Buffer, kind: 'organisations' | 'contacts' = 'organisations', chunk = 7): Promise<CsvRow[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  // Small chunks: a line, a quoted field and a multi-byte character may each be split across chunks.
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const out: CsvRow[] = [];
  for await (const row of readCsv(kind, chunks())) out.push(row);
  return out;
}

describe(readCsv.name, () => {
  it('reads ; with a byte order mark, quoted fields with doubled quotes, line breaks and delimiters, and counts rows as a spreadsheet does', async () => {
    const rows = await rowsOf('\uFEFFname;type;city\r\n"Smit; Zonen";company;Weert\r\n\r\n"De ""Molen""\nB.V.";company;Roermond\r\n;;\r\nCafé Ü;other;Stramproy\r\n');
    expect(rows).toEqual([
      { row: 2, values: { name: 'Smit; Zonen', type: 'company', city: 'Weert' }, extraFields: 0 },
      { row: 4, values: { name: 'De "Molen"\nB.V.', type: 'company', city: 'Roermond' }, extraFields: 0 },
      { row: 6, values: { name: 'Café Ü', type: 'other', city: 'Stramproy' }, extraFields: 0 },
    ]);
  });

  it('reads , and ignores columns that are not part of the format; marks a line with more fields than the header', async () => {
    const rows = await rowsOf('Naam,Soort,Opmerking\nJansen,bedrijf,x\nVos,company,y,extra\nKort\n');
    expect(rows).toEqual([
      { row: 2, values: { name: 'Jansen', type: 'bedrijf' }, extraFields: 0 },
      { row: 3, values: { name: 'Vos', type: 'company' }, extraFields: 1 },
      { row: 4, values: { name: 'Kort', type: '' }, extraFields: 0 },
    ]);
  });

  it('refuses a file without the required columns, or with an unclosed quote', async () => {
    await expect(rowsOf('firstName;email\nA;a@b.nl\n', 'contacts')).rejects.toMatchObject({ problem: 'missingColumns', args: { columns: 'lastName' } });
    await expect(rowsOf('name;name;type\n')).rejects.toMatchObject({ problem: 'repeatedColumns' });
    await expect(rowsOf('name;type\n"open;company\n')).rejects.toBeInstanceOf(ImportFileError);
    await expect(rowsOf('')).rejects.toMatchObject({ problem: 'noHeader' });
  });

  it('reads its own example files', async () => {
    expect((await rowsOf(exampleCsv('organisations'))).map((r) => r.values.name)).toEqual(['Jansen Techniek B.V.', 'Jansen Techniek B.V.', 'Vakcollege Maasland']);
    expect((await rowsOf(exampleCsv('contacts'), 'contacts')).map((r) => r.values.organisationKvk)).toEqual(['12345678', '', '']);
  });
});

describe('header and delimiter', () => {
  it('chooses the delimiter of the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('name;type;"a,b,c"')).toBe(';');
    expect(detectDelimiter('name,type,"a;b;c"')).toBe(',');
    expect(detectDelimiter('name\ttype')).toBe('\t');
  });

  it('matches header names regardless of case, spaces and dashes, and knows Dutch names', () => {
    expect(['KvK-nummer', 'kvk_number', 'kvkNumber', 'KVK'].map(headerKey)).toEqual(['kvknummer', 'kvknumber', 'kvknumber', 'kvk']);
    expect(mapHeader('organisations', ['Naam', 'Soort', 'KvK-nummer', 'E-mail', 'iets'])).toEqual({ fields: ['name', 'type', 'kvkNumber', 'email', null], ignored: ['iets'], missing: [], repeated: [] });
  });
});
