/** Reading posted form values (application/x-www-form-urlencoded or multipart) the same way on every page. */

export type Translate = (key: string, args?: Record<string, unknown>) => string;

/** One posted value as trimmed text ('' when missing). */
export function text(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v.trim() : '';
}

/** Ticked checkboxes or a multiple select: none (missing), one (a string) or several (an array); trimmed, empty ones dropped. */
export function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter(Boolean);
}
