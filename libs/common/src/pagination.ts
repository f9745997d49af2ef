export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
}

export const MAX_PAGE_SIZE = 200;

export function pageOf<T>(items: T[], total: number, page: number, pageSize: number): Page<T> {
  return { items, total, page, pageSize, pages: Math.max(1, Math.ceil(total / pageSize)) };
}

/** Normalises page/pageSize from user input to safe bounds. */
export function pageWindow(page?: number, pageSize?: number): { page: number; pageSize: number; offset: number } {
  const size = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(pageSize ?? 25)));
  const p = Math.max(1, Math.floor(page ?? 1));
  return { page: p, pageSize: size, offset: (p - 1) * size };
}

/**
 * Every item of a paged query, fetched a page of 200 at a time: exports stream through this and never
 * hold more than one page of rows.
 */
export async function* allPages<T>(fetch: (page: number, pageSize: number) => Promise<Page<T>>): AsyncGenerator<T> {
  for (let p = 1; ; p++) {
    const result = await fetch(p, MAX_PAGE_SIZE);
    yield* result.items;
    if (p >= result.pages) return;
  }
}
