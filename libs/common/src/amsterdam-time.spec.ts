import { amsterdamOffsetMinutes, amsterdamToUtc, isDateInput, utcToAmsterdam } from './amsterdam-time';

describe(amsterdamToUtc.name, () => {
  it.each([
    // Winter time (UTC+1) and summer time (UTC+2).
    ['2026-01-15', '08:30', '2026-01-15T07:30:00.000Z'],
    ['2026-07-01', '08:30', '2026-07-01T06:30:00.000Z'],
    // Midnight in Amsterdam is still the day before in UTC.
    ['2026-01-01', '00:00', '2025-12-31T23:00:00.000Z'],
    ['2026-06-01', '00:15', '2026-05-31T22:15:00.000Z'],
    // 29 March 2026: at 02:00 the clocks jump to 03:00.
    ['2026-03-29', '01:59', '2026-03-29T00:59:00.000Z'],
    ['2026-03-29', '03:00', '2026-03-29T01:00:00.000Z'],
    ['2026-03-29', '09:00', '2026-03-29T07:00:00.000Z'],
    ['2026-03-28', '09:00', '2026-03-28T08:00:00.000Z'],
    // 25 October 2026: at 03:00 the clocks go back to 02:00.
    ['2026-10-25', '01:30', '2026-10-24T23:30:00.000Z'],
    ['2026-10-25', '03:00', '2026-10-25T02:00:00.000Z'],
    ['2026-10-25', '09:00', '2026-10-25T08:00:00.000Z'],
    ['2026-10-24', '09:00', '2026-10-24T07:00:00.000Z'],
    ['2026-10-25', '23:59', '2026-10-25T22:59:00.000Z'],
  ])('%s %s in Amsterdam is %s', (date, time, utc) => {
    expect(amsterdamToUtc(date, time)).toBe(utc);
  });

  it('takes a time skipped in spring an hour later, as the clock on the wall would show it', () => {
    // 02:30 does not exist on 29 March 2026: it is read as 03:30 summer time.
    expect(amsterdamToUtc('2026-03-29', '02:30')).toBe('2026-03-29T01:30:00.000Z');
    expect(amsterdamToUtc('2026-03-29', '02:00')).toBe('2026-03-29T01:00:00.000Z');
  });

  it('takes the first of a time that happens twice in autumn (still summer time)', () => {
    expect(amsterdamToUtc('2026-10-25', '02:30')).toBe('2026-10-25T00:30:00.000Z');
    expect(amsterdamToUtc('2026-10-25', '02:00')).toBe('2026-10-25T00:00:00.000Z');
  });

  it('refuses what is not a date or a time', () => {
    expect(amsterdamToUtc('2026-02-30', '10:00')).toBeUndefined();
    expect(amsterdamToUtc('2026-13-01', '10:00')).toBeUndefined();
    expect(amsterdamToUtc('12-03-2026', '10:00')).toBeUndefined();
    expect(amsterdamToUtc('2026-03-12', '24:00')).toBeUndefined();
    expect(amsterdamToUtc('2026-03-12', '9:00')).toBeUndefined();
    expect(amsterdamToUtc('', '')).toBeUndefined();
    expect(isDateInput('2028-02-29')).toBe(true);
    expect(isDateInput('2026-02-29')).toBe(false);
  });

  it('round-trips with utcToAmsterdam on every hour around both switches', () => {
    for (const start of ['2026-03-28T22:00:00Z', '2026-10-24T22:00:00Z']) {
      for (let h = 0; h < 8; h++) {
        const instant = new Date(Date.parse(start) + h * 3600_000);
        const { date, time } = utcToAmsterdam(instant);
        const back = amsterdamToUtc(date, time);
        // The second 02:xx of an autumn night cannot be told from the first by its wall clock alone.
        const repeated = date === '2026-10-25' && time.startsWith('02:') && amsterdamOffsetMinutes(instant) === 60;
        expect(back).toBe(repeated ? new Date(instant.getTime() - 3600_000).toISOString() : instant.toISOString());
      }
    }
  });
});

describe(utcToAmsterdam.name, () => {
  it('shows instants in Amsterdam wall-clock time', () => {
    expect(utcToAmsterdam('2026-03-29T00:59:00Z')).toEqual({ date: '2026-03-29', time: '01:59' });
    expect(utcToAmsterdam('2026-03-29T01:00:00Z')).toEqual({ date: '2026-03-29', time: '03:00' });
    expect(utcToAmsterdam('2025-12-31T23:30:00Z')).toEqual({ date: '2026-01-01', time: '00:30' });
    expect(utcToAmsterdam(null)).toEqual({ date: '', time: '' });
  });

  it('knows the offset on either side of a switch', () => {
    expect(amsterdamOffsetMinutes(Date.parse('2026-03-29T00:59:00Z'))).toBe(60);
    expect(amsterdamOffsetMinutes(Date.parse('2026-03-29T01:00:00Z'))).toBe(120);
    expect(amsterdamOffsetMinutes(Date.parse('2026-10-25T00:59:00Z'))).toBe(120);
    expect(amsterdamOffsetMinutes(Date.parse('2026-10-25T01:00:00Z'))).toBe(60);
  });
});
