import { FieldError } from '@keyport/common';
import { randomBytes } from 'node:crypto';
import type { QuestionKind } from './events.constants';

/** "Ontbijtsessie Smart Industry!" → "ontbijtsessie-smart-industry-k3x9": readable, unique by its suffix. */
export function slugify(title: string): string {
  const base = title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  const suffix = randomBytes(3).toString('hex');
  return base ? `${base}-${suffix}` : suffix;
}

export interface QuestionDef {
  id: string;
  label: string;
  kind: QuestionKind;
  options: string[];
  required: boolean;
}

/**
 * Checks a registrant's answers against the event's questions: required ones answered, choices from
 * the options, no answers to questions that do not exist. Returns the cleaned answers (by question id)
 * and the errors, each with the field `answers.<id>`.
 */
export function checkAnswers(questions: QuestionDef[], given: unknown): { answers: Record<string, string | string[]>; errors: FieldError[] } {
  const answers: Record<string, string | string[]> = {};
  const errors: FieldError[] = [];
  const input = given && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : {};
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    errors.push({ field: 'answers', message: 'answers must be an object of question id → answer' });
  }
  for (const key of Object.keys(input)) {
    if (!questions.some((q) => q.id === key)) errors.push({ field: `answers.${key}`, message: 'no such question' });
  }
  for (const q of questions) {
    const field = `answers.${q.id}`;
    const raw = input[q.id];
    const values = (Array.isArray(raw) ? raw : raw === undefined || raw === null || raw === '' ? [] : [raw]).map((v) => (typeof v === 'string' ? v.trim() : v));
    if (values.some((v) => typeof v !== 'string')) {
      errors.push({ field, message: 'must be text' });
      continue;
    }
    const texts = (values as string[]).filter((v) => v !== '');
    if (!texts.length) {
      if (q.required) errors.push({ field, message: 'is required', rule: 'isNotEmpty' });
      continue;
    }
    if (texts.some((t) => t.length > 2000)) {
      errors.push({ field, message: 'is too long (2000 characters at most)', rule: 'maxLength' });
      continue;
    }
    switch (q.kind) {
      case 'text':
        if (texts.length > 1) errors.push({ field, message: 'must be one text' });
        else answers[q.id] = texts[0];
        break;
      case 'yes_no':
        if (texts.length > 1 || !['yes', 'no'].includes(texts[0])) errors.push({ field, message: 'must be yes or no', rule: 'isIn' });
        else answers[q.id] = texts[0];
        break;
      case 'single':
        if (texts.length > 1 || !q.options.includes(texts[0])) errors.push({ field, message: 'must be one of the options', rule: 'isIn' });
        else answers[q.id] = texts[0];
        break;
      case 'multiple':
        if (texts.some((t) => !q.options.includes(t))) errors.push({ field, message: 'must be among the options', rule: 'isIn' });
        else answers[q.id] = [...new Set(texts)];
        break;
    }
  }
  return { answers, errors };
}
