import { checkFilters, checkTarget } from './target-rules';

describe('checkTarget', () => {
  const base = { programmeLine: 'innovation', title: ' Doel ', target: 50 };

  it('normalises a valid target', () => {
    const { value, errors } = checkTarget({ ...base, metric: 'group_headcount', filters: { formats: ['employer_meetup', 'employer_meetup'], participantTypes: ['student'], includePersons: true, tags: [] } });
    expect(errors).toEqual([]);
    expect(value).toMatchObject({ title: 'Doel', titleEn: null, manualAggregate: null, baseline: null, filters: { formats: ['employer_meetup'], participantTypes: ['student'], includePersons: true } });
    expect(value.filters).not.toHaveProperty('tags');
  });

  it('names every bad field', () => {
    const fields = (input: Record<string, unknown>) => checkTarget(input).errors.map((e) => e.field).sort();
    expect(fields({ ...base, metric: 'manual', baseline: -1 })).toEqual(['baseline', 'manualAggregate']);
    expect(fields({ ...base, metric: 'events_held', manualAggregate: 'sum' })).toEqual(['manualAggregate']);
    expect(fields({ ...base, metric: 'support_records', filters: { supportKinds: ['gift'] } })).toEqual(['filters.supportKinds']);
    expect(fields({ ...base, metric: 'organisations_visited', filters: { formats: ['workshop'], inRegion: 'yes' } })).toEqual(['filters.formats', 'filters.inRegion']);
    expect(fields({ ...base, metric: 'progress_reports', filters: [] })).toEqual(['filters']);
    expect(fields({ ...base, metric: 'manual', manualAggregate: 'latest', key: 'Not A Key' })).toEqual(['key']);
  });
});

describe('checkFilters', () => {
  it('spells municipalities canonically and keeps "outside"', () => {
    expect(checkFilters('events_held', { municipalities: ['weert', ' Cranendonck ', 'Outside'] })).toEqual({ filters: { municipalities: ['Weert', 'Cranendonck', 'outside'] }, errors: [] });
  });
});
