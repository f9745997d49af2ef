/** The seven municipalities that fund Keyport 2020 (Cranendonck lies in Noord-Brabant). */
export const KEYPORT_MUNICIPALITIES = ['Leudal', 'Maasgouw', 'Nederweert', 'Roerdalen', 'Roermond', 'Weert', 'Cranendonck'] as const;

export const OUTSIDE_REGION = 'outside';

export interface Municipality {
  /** As shown: the canonical spelling for a known one, the given text (trimmed) otherwise. */
  name: string;
  /** For grouping and comparing: lower case, no accents or extra spaces. */
  key: string;
  inRegion: boolean;
}

export function textKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** A municipality given by name, case-insensitive; any other name is kept and grouped as outside the region. */
export function parseMunicipality(input: string | null | undefined): Municipality | null {
  const trimmed = (input ?? '').replace(/\s+/g, ' ').trim();
  if (!trimmed) return null;
  const key = textKey(trimmed);
  const known = KEYPORT_MUNICIPALITIES.find((m) => textKey(m) === key);
  return known ? { name: known, key, inRegion: true } : { name: trimmed, key, inRegion: false };
}

const LEGAL_FORMS = /\b(b ?v|n ?v|v ?o ?f|c ?v|holding|stichting|vereniging|gemeente|bv i o|i o)\b/g;

/**
 * An organisation name reduced for duplicate detection: "Jansen Techniek B.V." and "jansen techniek"
 * give the same key.
 */
export function organisationNameKey(name: string): string {
  const key = textKey(name).replace(LEGAL_FORMS, ' ').replace(/\s+/g, ' ').trim();
  return key || textKey(name);
}
