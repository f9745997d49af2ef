import { FieldError, ValidationError } from '@keyport/common';
import { ValidationPipe, ValidationError as ClassValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

/** Flattens class-validator's tree into `{ field: 'answers.0.value', message }` items. */
export function toFieldErrors(errors: ClassValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([rule, message]) => ({ field, message, rule }));
    return [...own, ...toFieldErrors(e.children ?? [], field)];
  });
}

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/** The API's pipe: unknown fields, wrong types and bad values give 400 with each field and reason. */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...OPTIONS,
    transform: true,
    exceptionFactory: (errors) => new ValidationError(toFieldErrors(errors)),
  });
}

export type FormErrors = Record<string, { rule?: string; message: string }>;

export interface FormResult<T> {
  value?: T;
  errors: FormErrors;
}

/**
 * Validates a posted page form with the same DTO the API uses. Returns errors by field, for the form to
 * show next to each input, instead of throwing.
 */
export async function validateForm<T extends object>(dto: new () => T, body: unknown): Promise<FormResult<T>> {
  const { _csrf, ...fields } = (body ?? {}) as Record<string, unknown>;
  void _csrf;
  const value = plainToInstance(dto, fields, { enableImplicitConversion: false });
  const errors = toFieldErrors(await validate(value, { ...OPTIONS, forbidNonWhitelisted: false }));
  const byField = fieldMap(errors);
  return Object.keys(byField).length ? { errors: byField } : { value, errors: {} };
}

/** Field errors keyed by field (the first per field), for a form to show next to each input. */
export function fieldMap(errors: FieldError[]): FormErrors {
  const map: FormErrors = {};
  for (const f of errors) map[f.field] ??= { rule: f.rule, message: f.message };
  return map;
}
