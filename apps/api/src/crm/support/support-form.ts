import { DISPLAY_TIME_ZONE } from '@keyport/common';
import { SUPPORT_SORTS, SupportRecordQuery, SupportSort } from '@keyport/crm/support';

/** The fields of a record's own form (new and edit). */
export const RECORD_FIELDS = ['kind', 'title', 'programmeLine', 'startedOn', 'endedOn', 'notes'] as const;

/** Filters carried by list links (sorting, pages, exports); never the page number or format. */
const FILTERS = ['q', 'kind', 'programmeLine', 'organisationId', 'organisation', 'municipality', 'from', 'to', 'sort', 'dir'] as const;

/** Form fields arrive as a string, or an array when the name repeats (checkboxes, several inputs). */
export function toArray(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter(Boolean);
}

export function pick(body: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => body[f] !== undefined).map((f) => [f, typeof body[f] === 'string' ? body[f] : undefined]));
}

/** Today in Amsterdam, as YYYY-MM-DD (the default start of a new record). */
export function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: DISPLAY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** The list's filters as a query string, with some changed or removed (undefined). */
export function listParams(query: SupportRecordQuery, changes: Partial<Record<(typeof FILTERS)[number] | 'format', string | undefined>> = {}): string {
  const params = new URLSearchParams();
  const merged: Record<string, unknown> = { ...query, ...changes };
  for (const key of [...FILTERS, 'format']) {
    const value = merged[key];
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

export interface SortHeader {
  key: SupportSort;
  label: string;
  href: string;
  ariaSort: 'ascending' | 'descending' | 'none';
  /** A visible arrow on the sorted column (screen readers get aria-sort). */
  indicator: '' | '↑' | '↓';
}

/** Column headers that sort the list: a second click on the current column reverses the order. */
export function sortHeaders(query: SupportRecordQuery, columns: { key: SupportSort; label: string }[]): SortHeader[] {
  const current = query.sort ?? 'startedOn';
  const dir = query.dir ?? (query.sort ? 'asc' : 'desc');
  return columns
    .filter((c) => (SUPPORT_SORTS as readonly string[]).includes(c.key))
    .map((c) => {
      const active = c.key === current;
      const next = active ? (dir === 'asc' ? 'desc' : 'asc') : c.key === 'startedOn' || c.key === 'endedOn' ? 'desc' : 'asc';
      return {
        ...c,
        href: `/crm/support?${listParams(query, { sort: c.key, dir: next })}`,
        ariaSort: active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none',
        indicator: active ? (dir === 'asc' ? '↑' : '↓') : '',
      };
    });
}
