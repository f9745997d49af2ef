import { amsterdamTimestamp, checkNotInFuture, isCalendarDate, sortDir, todayInAmsterdam } from './visits.util';
import { FieldError } from '@keyport/common';

describe('visits utilities', () => {
  it('accepts real calendar dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-13-01')).toBe(false);
    expect(isCalendarDate('14-03-2018')).toBe(false);
    expect(isCalendarDate(20180314)).toBe(false);
  });

  it("takes today's date in Amsterdam, not in UTC", () => {
    // 23:30 UTC on 31 December is already New Year's Day in Amsterdam (UTC+1 in winter).
    expect(todayInAmsterdam(new Date('2018-12-31T23:30:00Z'))).toBe('2019-01-01');
    // 22:30 UTC on 30 June is 00:30 on 1 July in summer time (UTC+2).
    expect(todayInAmsterdam(new Date('2018-06-30T22:30:00Z'))).toBe('2018-07-01');
    expect(todayInAmsterdam(new Date('2018-06-30T21:30:00Z'))).toBe('2018-06-30');
  });

  it('writes instants for exports in Amsterdam time', () => {
    expect(amsterdamTimestamp(new Date('2018-03-14T08:05:00Z'))).toBe('2018-03-14 09:05');
    expect(amsterdamTimestamp(new Date('2018-07-14T22:15:00Z'))).toBe('2018-07-15 00:15');
    expect(amsterdamTimestamp(null)).toBe('');
  });

  it('refuses a date after today, with the rule for a translated message', () => {
    const errors: FieldError[] = [];
    checkNotInFuture(errors, 'visitedOn', '2018-03-15', '2018-03-14');
    checkNotInFuture(errors, 'raisedOn', '2018-03-14', '2018-03-14');
    expect(errors).toEqual([{ field: 'visitedOn', message: 'visitedOn must not be in the future', rule: 'notInFuture' }]);
  });

  it('sorts dates newest first unless asked otherwise', () => {
    expect(sortDir(undefined, 'desc')).toBe('DESC');
    expect(sortDir('asc', 'desc')).toBe('ASC');
    expect(sortDir(undefined, 'asc')).toBe('ASC');
  });
});
