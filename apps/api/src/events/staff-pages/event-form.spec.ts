import { eventFormErrors, eventFormToDto } from './event-form';

const t = (key: string) => (key === 'events.errors.twoOptions' ? 'Minstens twee keuzes.' : key);

describe(eventFormToDto.name, () => {
  const base = { title: 'Ontbijtsessie', format: 'breakfast_session', programmeLines: 'innovation', startsDate: '2026-10-25', startsTime: '07:30', endsDate: '2026-10-25', endsTime: '09:30' };

  it('sends Amsterdam wall-clock times as UTC and blank optional fields as null', () => {
    const { dto, errors } = eventFormToDto({ ...base, capacity: '', reminderHours: '', venue: '  ', opensDate: '', opensTime: '' });
    expect(errors).toEqual([]);
    expect(dto).toMatchObject({
      startsAt: '2026-10-25T06:30:00.000Z', endsAt: '2026-10-25T08:30:00.000Z', capacity: null, reminderHours: 48, venue: null,
      registrationOpensAt: null, programmeLines: ['innovation'], questions: [], sessions: [],
    });
  });

  it('skips blank question and session rows and remembers which row each came from', () => {
    const form = eventFormToDto({
      ...base,
      question0Label: '', question0Options: '',
      question1Label: 'Lunch?', question1Kind: 'yes_no', question1Options: 'ignored', question1Required: 'on',
      question3Label: 'Track?', question3Kind: 'single', question3Options: ' A ;; ',
      session2Title: 'Zaal 1', session2Capacity: '40', session3Title: '', session3Capacity: '',
    });
    expect(form.dto.questions).toEqual([
      { label: 'Lunch?', kind: 'yes_no', options: [], required: true },
      { label: 'Track?', kind: 'single', options: ['A'], required: false },
    ]);
    expect(form.questionRows).toEqual([1, 3]);
    expect(form.dto.sessions).toEqual([{ title: 'Zaal 1', capacity: 40 }]);
    expect(form.sessionRows).toEqual([2]);
    // The second question's error belongs on form row 3.
    expect(eventFormErrors(form.errors, form, t)).toEqual({ question3Options: { message: 'Minstens twee keuzes.' } });
  });

  it('names half-filled and impossible moments, and an end before the start', () => {
    const { errors } = eventFormToDto({ ...base, endsTime: '07:00', opensDate: '2026-10-01', opensTime: '', closesDate: '2026-02-30', closesTime: '10:00' });
    expect(errors.map((e) => [e.field, e.rule])).toEqual([
      ['registrationOpensAt', 'timeMissing'],
      ['registrationClosesAt', 'isDateTime'],
      ['endsAt', 'endsBeforeStart'],
    ]);
    expect(eventFormToDto({ ...base, startsDate: '', startsTime: '' }).errors).toEqual([expect.objectContaining({ field: 'startsAt', rule: 'isNotEmpty' })]);
  });
});
