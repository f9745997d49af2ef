import { ValidationError } from '@keyport/common';
import { addDays, amsterdamDate, amsterdamMidnight, pace, resolvePeriod } from './period';

describe('resolvePeriod', () => {
  it('puts Q1 2018 between Amsterdam midnights: [2018-01-01 00:00, 2018-04-01 00:00)', () => {
    const q1 = resolvePeriod({ year: 2018, quarter: 1 });
    expect(q1).toMatchObject({ kind: 'quarter', start: '2018-01-01', end: '2018-04-01', label: 'Q1 2018' });
    expect(q1.startsAt.toISOString()).toBe('2017-12-31T23:00:00.000Z'); // winter time, UTC+1
    expect(q1.endsAt.toISOString()).toBe('2018-03-31T22:00:00.000Z'); // summer time, UTC+2
    // An event at 2018-03-31T22:30Z is in Q2 in Amsterdam; one at 21:30Z is still in Q1.
    const inQ1 = (iso: string) => new Date(iso) >= q1.startsAt && new Date(iso) < q1.endsAt;
    expect(inQ1('2018-03-31T21:30:00Z')).toBe(true);
    expect(inQ1('2018-03-31T22:30:00Z')).toBe(false);
    expect(amsterdamDate(new Date('2018-03-31T22:30:00Z'))).toBe('2018-04-01');
  });

  it('resolves years, quarters, months and ranges of days (both ends included)', () => {
    expect(resolvePeriod({ year: 2018 })).toMatchObject({ kind: 'year', start: '2018-01-01', end: '2019-01-01', label: '2018' });
    expect(resolvePeriod({ year: 2018, quarter: 4 })).toMatchObject({ start: '2018-10-01', end: '2019-01-01' });
    expect(resolvePeriod({ year: 2018, month: 12 })).toMatchObject({ kind: 'month', start: '2018-12-01', end: '2019-01-01', label: '2018-12' });
    expect(resolvePeriod({ from: '2018-02-14', to: '2018-02-28' })).toMatchObject({ kind: 'range', start: '2018-02-14', end: '2018-03-01' });
    expect(resolvePeriod({ year: 2018, quarter: 4 }).endsAt.toISOString()).toBe('2018-12-31T23:00:00.000Z');
    expect(amsterdamMidnight('2018-10-28').toISOString()).toBe('2018-10-27T22:00:00.000Z'); // the day summer time ends
    expect(addDays('2020-02-28', 2)).toBe('2020-03-01');
  });

  it('refuses bad periods, naming the field', () => {
    const fields = (input: unknown) => {
      try {
        resolvePeriod(input as never);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).fields.map((f) => f.field);
      }
      return [];
    };
    expect(fields({ year: 2018, quarter: 5 })).toEqual(['quarter']);
    expect(fields({ year: 1850 })).toEqual(['year']);
    expect(fields({ year: 2018, quarter: 1, month: 2 })).toEqual(['month']);
    expect(fields({ from: '2018-02-30', to: '2018-01-01' })).toEqual(['from']);
    expect(fields({ from: '2018-02-10', to: '2018-02-01' })).toEqual(['to']);
  });
});

describe('pace', () => {
  const year = resolvePeriod({ year: 2018 });
  const midYear = new Date('2018-07-02T11:00:00Z');

  it('expects target × the elapsed share of the year, from the baseline when there is one', () => {
    const half = pace({ target: 200, value: 100 }, year, 2018, midYear);
    expect(half.elapsedShare).toBeCloseTo(0.5, 2);
    expect(half.expected).toBeCloseTo(100, 0);
    expect(pace({ target: 18020, baseline: 16900, value: 17460 }, year, 2018, midYear).expected).toBeCloseTo(17460, -1);
    expect(pace({ target: 200, value: 0 }, year, 2018, new Date('2017-06-01')).status).toBe('not_started');
    expect(pace({ target: 200, value: 250 }, year, 2018, midYear)).toMatchObject({ status: 'achieved', progress: 1.25 });
    expect(pace({ target: 200, value: null }, year, 2018, midYear)).toMatchObject({ status: 'no_data', progress: null });
    expect(pace({ target: 200, value: 200 }, year, 2018, new Date('2030-01-01')).expected).toBe(200);
  });

  it('colours by pace: on track from the expected figure, at risk from 75 % of it, behind below', () => {
    expect(pace({ target: 200, value: 101 }, year, 2018, midYear).status).toBe('on_track');
    expect(pace({ target: 200, value: 80 }, year, 2018, midYear).status).toBe('at_risk');
    expect(pace({ target: 200, value: 60 }, year, 2018, midYear).status).toBe('behind');
  });

  it('expects only the part of the year inside a quarter for a quarter', () => {
    const q2 = resolvePeriod({ year: 2018, quarter: 2 });
    expect(pace({ target: 400, value: 0 }, q2, 2018, new Date('2019-01-01')).expected).toBeCloseTo((400 * 91) / 365, 1);
    expect(pace({ target: 400, value: 0 }, q2, 2018, new Date('2018-03-01')).expected).toBe(0);
  });
});
