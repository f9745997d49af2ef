import { SUPPORT_KINDS } from '../crm.constants';
import { isDateOnly } from './support-record.dto';
import { DEFAULT_PROGRAMME_LINE } from './support.constants';

describe(isDateOnly.name, () => {
  it('takes calendar dates as YYYY-MM-DD that exist', () => {
    for (const date of ['2025-01-01', '2024-02-29', '2025-12-31', '1900-01-01']) expect(isDateOnly(date)).toBe(true);
  });

  it('refuses dates that do not exist, other formats and other types', () => {
    for (const value of ['2025-02-29', '2025-02-30', '2025-13-01', '2025-00-10', '2025-1-1', '01-02-2025', '2025-01-01T00:00:00Z', '1899-12-31', '', null, undefined, 20250101]) {
      expect(isDateOnly(value)).toBe(false);
    }
  });
});

describe('DEFAULT_PROGRAMME_LINE', () => {
  it('gives every kind of support the line of the target it counts for', () => {
    expect(Object.keys(DEFAULT_PROGRAMME_LINE).sort()).toEqual([...SUPPORT_KINDS].sort());
    expect(DEFAULT_PROGRAMME_LINE.cluster).toBe('innovation');
    expect(DEFAULT_PROGRAMME_LINE.strategy_plan_support).toBe('entrepreneurship');
    expect(DEFAULT_PROGRAMME_LINE.training_trajectory).toBe('labour_market');
  });
});
