import { listParams, sortHeaders, toArray } from './support-form';

describe('support list links', () => {
  it('keeps the filters in links, without the page, and changes or drops what is asked', () => {
    const query = { q: 'robot & co', kind: 'cluster' as const, page: 3, organisationId: 'abc', format: undefined };
    expect(listParams(query)).toBe('q=robot+%26+co&kind=cluster&organisationId=abc');
    expect(listParams(query, { organisationId: undefined, format: 'csv' })).toBe('q=robot+%26+co&kind=cluster&format=csv');
  });

  it('sorts newest start first by default; a click on the sorted column reverses it', () => {
    const columns = [{ key: 'title' as const, label: 'Titel' }, { key: 'startedOn' as const, label: 'Start' }];
    const [title, start] = sortHeaders({}, columns);
    expect(start).toMatchObject({ ariaSort: 'descending', indicator: '↓', href: '/crm/support?sort=startedOn&dir=asc' });
    expect(title).toMatchObject({ ariaSort: 'none', indicator: '', href: '/crm/support?sort=title&dir=asc' });
    const [byTitle] = sortHeaders({ sort: 'title', q: 'x' }, columns);
    expect(byTitle).toMatchObject({ ariaSort: 'ascending', href: '/crm/support?q=x&sort=title&dir=desc' });
  });

  it('reads a form field given once, repeated, or not at all', () => {
    expect(toArray('a')).toEqual(['a']);
    expect(toArray(['a', ' ', ' b '])).toEqual(['a', 'b']);
    expect(toArray(undefined)).toEqual([]);
  });
});
