import { checkAnswers, QuestionDef, slugify } from './events.util';

describe(slugify.name, () => {
  it('makes a readable, URL-safe slug with a random suffix', () => {
    expect(slugify('Ontbijtsessie: Smart Industry & IoT!')).toMatch(/^ontbijtsessie-smart-industry-iot-[0-9a-f]{6}$/);
    expect(slugify('Café Élan')).toMatch(/^cafe-elan-[0-9a-f]{6}$/);
    expect(slugify('!!!')).toMatch(/^[0-9a-f]{6}$/);
    expect(slugify('x')).not.toBe(slugify('x'));
  });
});

describe(checkAnswers.name, () => {
  const questions: QuestionDef[] = [
    { id: 'q1', label: 'Dieet', kind: 'text', options: [], required: false },
    { id: 'q2', label: 'Lunch', kind: 'yes_no', options: [], required: true },
    { id: 'q3', label: 'Track', kind: 'single', options: ['A', 'B'], required: true },
    { id: 'q4', label: 'Thema', kind: 'multiple', options: ['IoT', 'Robotica'], required: false },
  ];

  it('accepts good answers and cleans them', () => {
    expect(checkAnswers(questions, { q1: ' vegetarisch ', q2: 'yes', q3: 'B', q4: ['IoT', 'IoT', 'Robotica'] })).toEqual({
      answers: { q1: 'vegetarisch', q2: 'yes', q3: 'B', q4: ['IoT', 'Robotica'] },
      errors: [],
    });
  });

  it('names each wrong answer', () => {
    const { errors } = checkAnswers(questions, { q2: 'maybe', q3: 'C', q4: ['Blockchain'], q9: 'x' });
    expect(errors.map((e) => e.field).sort()).toEqual(['answers.q2', 'answers.q3', 'answers.q4', 'answers.q9']);
  });

  it('requires the required ones, and refuses non-objects and non-text', () => {
    expect(checkAnswers(questions, undefined).errors.map((e) => e.field)).toEqual(['answers.q2', 'answers.q3']);
    expect(checkAnswers(questions, 'yes').errors[0].field).toBe('answers');
    expect(checkAnswers(questions, { q2: 'yes', q3: 'A', q1: { $ne: 1 } }).errors.map((e) => e.field)).toEqual(['answers.q1']);
  });
});
