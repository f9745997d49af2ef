import { PROGRAMME_LINES } from '../crm.constants';
import { textKey } from '../municipalities';

export const IMPORT_KINDS = ['organisations', 'contacts'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ColumnSpec {
  /** The column's name in the header, as documented; also the DTO property it fills. */
  key: string;
  required?: boolean;
  /** Other header names accepted for it (Dutch ones, as a Dutch spreadsheet would have them). */
  aliases: string[];
  /** What goes in it, for the import page (an English example; the page explains in the reader's language). */
  example: string;
}

const ORGANISATION_COLUMNS: ColumnSpec[] = [
  { key: 'name', required: true, aliases: ['naam', 'organisatie', 'bedrijfsnaam'], example: 'Jansen Techniek B.V.' },
  { key: 'type', required: true, aliases: ['soort'], example: 'company' },
  { key: 'kvkNumber', aliases: ['kvk', 'kvknummer'], example: '12345678' },
  { key: 'municipality', aliases: ['gemeente'], example: 'Weert' },
  { key: 'street', aliases: ['straat', 'adres'], example: 'Industrieweg 12' },
  { key: 'postcode', aliases: [], example: '6006 AB' },
  { key: 'city', aliases: ['plaats', 'woonplaats'], example: 'Weert' },
  { key: 'sector', aliases: ['branche'], example: 'Maakindustrie' },
  { key: 'sizeClass', aliases: ['grootte', 'omvang'], example: 'small' },
  { key: 'website', aliases: [], example: 'https://www.jansentechniek.nl' },
  { key: 'tags', aliases: ['labels'], example: 'smart industry;export' },
];

/** The optional person working at the organisation of the same line. */
export const ORGANISATION_CONTACT_COLUMNS: ColumnSpec[] = [
  { key: 'firstName', aliases: ['voornaam'], example: 'Anouk' },
  { key: 'lastName', aliases: ['achternaam'], example: 'van den Berg' },
  { key: 'email', aliases: ['emailadres', 'e mail', 'mail'], example: 'anouk@jansentechniek.nl' },
  { key: 'phone', aliases: ['telefoon', 'telefoonnummer'], example: '0495 123 456' },
  { key: 'jobTitle', aliases: ['functie'], example: 'Directeur' },
  { key: 'role', aliases: ['rol'], example: 'Eigenaar' },
];

const CONTACT_COLUMNS: ColumnSpec[] = [
  { key: 'firstName', required: true, aliases: ['voornaam'], example: 'Anouk' },
  { key: 'lastName', required: true, aliases: ['achternaam'], example: 'van den Berg' },
  { key: 'email', aliases: ['emailadres', 'e mail', 'mail'], example: 'anouk@jansentechniek.nl' },
  { key: 'phone', aliases: ['telefoon', 'telefoonnummer'], example: '0495 123 456' },
  { key: 'jobTitle', aliases: ['functie'], example: 'Directeur' },
  { key: 'language', aliases: ['taal'], example: 'nl' },
  { key: 'organisationKvk', aliases: ['organisatie kvk', 'kvk', 'kvknummer'], example: '12345678' },
  { key: 'organisationName', aliases: ['organisatie', 'organisatienaam'], example: 'Jansen Techniek B.V.' },
  { key: 'organisationMunicipality', aliases: ['organisatie gemeente', 'gemeente'], example: 'Weert' },
  { key: 'role', aliases: ['rol'], example: 'Eigenaar' },
  { key: 'interests', aliases: ['interesses', 'interesse', 'programmalijnen'], example: 'innovation;labour_market' },
];

export const IMPORT_COLUMNS: Record<ImportKind, ColumnSpec[]> = {
  organisations: [...ORGANISATION_COLUMNS, ...ORGANISATION_CONTACT_COLUMNS],
  contacts: CONTACT_COLUMNS,
};

/** Header text reduced for matching: "KvK-nummer", "kvk_nummer" and "kvkNummer" are the same. */
export function headerKey(header: string): string {
  return textKey(header.replace(/([a-z])([A-Z])/g, '$1 $2')).replace(/ /g, '');
}

export interface HeaderMapping {
  /** For each CSV column, the field it fills, or null when the column is not ours (ignored). */
  fields: (string | null)[];
  ignored: string[];
  missing: string[];
  repeated: string[];
}

/** Maps a header line onto the kind's columns: unknown columns are ignored, required ones must be there. */
export function mapHeader(kind: ImportKind, header: string[]): HeaderMapping {
  const specs = IMPORT_COLUMNS[kind];
  const byKey = new Map<string, string>();
  for (const spec of specs) {
    for (const name of [spec.key, ...spec.aliases]) if (!byKey.has(headerKey(name))) byKey.set(headerKey(name), spec.key);
  }
  const seen = new Set<string>();
  const repeated: string[] = [];
  const ignored: string[] = [];
  const fields = header.map((h) => {
    const field = byKey.get(headerKey(h)) ?? null;
    if (!field) {
      if (h.trim()) ignored.push(h.trim().slice(0, 100));
      return null;
    }
    if (seen.has(field)) repeated.push(field);
    seen.add(field);
    return field;
  });
  const missing = specs.filter((s) => s.required && !seen.has(s.key)).map((s) => s.key);
  return { fields, ignored, missing, repeated };
}

/** Values typed in Dutch for the fixed lists, translated to what the DTOs accept. */
const VALUE_ALIASES: Record<string, Record<string, string>> = {
  type: { bedrijf: 'company', onderneming: 'company', onderwijs: 'education', kennisinstelling: 'education', overheid: 'government', gemeente: 'government', anders: 'other', overig: 'other', overige: 'other' },
  sizeClass: { klein: 'small', middelgroot: 'medium', midden: 'medium', groot: 'large' },
  language: { nederlands: 'nl', engels: 'en', english: 'en', dutch: 'nl' },
};

/** Programme lines as typed: the code ("labour_market"), or the Dutch or English label, in any case. */
const INTEREST_ALIASES = new Map<string, string>([
  ...PROGRAMME_LINES.map((line) => [textKey(line), line] as [string, string]),
  ['innovatie', 'innovation'],
  ['ondernemerschap', 'entrepreneurship'],
  ['arbeidsmarktoptimalisatie', 'labour_market'],
  ['arbeidsmarkt', 'labour_market'],
  ['labor market', 'labour_market'],
  ['projectontwikkeling', 'project_development'],
  ['communicatie', 'communication'],
]);

/**
 * An interests cell, values separated by ';' or ',', as programme lines. Unknown values are kept as
 * typed, for CreateContactDto's rule to refuse the line.
 */
export function parseInterests(value: string): string[] {
  const values = value.split(/[;,]/).map((v) => v.trim()).filter((v) => v !== '');
  return [...new Set(values.map((v) => INTEREST_ALIASES.get(textKey(v)) ?? v))];
}

export function normaliseValue(field: string, value: string): string {
  const aliases = VALUE_ALIASES[field];
  if (!aliases) return value;
  const key = value.trim().toLowerCase();
  return aliases[key] ?? (key === '' ? '' : key);
}

/** A small, valid example file of the kind, as offered for download on the import page. */
export function exampleCsv(kind: ImportKind): string {
  const rows: string[][] =
    kind === 'organisations'
      ? [
          IMPORT_COLUMNS.organisations.map((c) => c.key),
          ['Jansen Techniek B.V.', 'company', '12345678', 'Weert', 'Industrieweg 12', '6006 AB', 'Weert', 'Maakindustrie', 'small', 'https://www.jansentechniek.nl', 'smart industry;export', 'Anouk', 'van den Berg', 'anouk@jansentechniek.nl', '0495 123 456', 'Directeur', 'Eigenaar'],
          ['Jansen Techniek B.V.', 'company', '12345678', 'Weert', '', '', '', '', '', '', '', 'Bram', 'Hendriks', 'bram@jansentechniek.nl', '', 'Werkvoorbereider', ''],
          ['Vakcollege Maasland', 'education', '', 'Roermond', 'Schoolstraat 1', '6041 AA', 'Roermond', 'Onderwijs', 'medium', '', '', '', '', '', '', '', ''],
        ]
      : [
          IMPORT_COLUMNS.contacts.map((c) => c.key),
          ['Anouk', 'van den Berg', 'anouk@jansentechniek.nl', '0495 123 456', 'Directeur', 'nl', '12345678', '', '', 'Eigenaar', 'innovation;labour_market'],
          ['Peter', 'Smeets', 'peter.smeets@example.nl', '', 'Docent', 'nl', '', 'Vakcollege Maasland', 'Roermond', 'Docent techniek', ''],
          ['Sarah', 'Miller', 'sarah.miller@example.com', '', '', 'en', '', '', '', '', 'entrepreneurship'],
        ];
  const cell = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  // Semicolons, as Dutch Excel writes and reads them; a byte order mark so Excel reads UTF-8.
  return `\uFEFF${rows.map((r) => r.map(cell).join(';')).join('\r\n')}\r\n`;
}
