/**
 * Domain errors: what libraries throw. The API maps each code to an HTTP status and a page; the worker
 * never needs HTTP classes.
 */
export enum ErrorCode {
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  Invalid = 'INVALID',
  Forbidden = 'FORBIDDEN',
  Unauthenticated = 'UNAUTHENTICATED',
  Unavailable = 'UNAVAILABLE',
}

export interface FieldError {
  field: string;
  message: string;
  /** The rule that failed (class-validator's constraint name), for translated messages on pages. */
  rule?: string;
}

export class DomainError extends Error {
  /** Extra, machine-readable context for the client (e.g. the likely duplicates). */
  details?: Record<string, unknown>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(ErrorCode.NotFound, `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, fields: FieldError[] = []) {
    super(ErrorCode.Conflict, message, fields);
  }
}

export class ValidationError extends DomainError {
  constructor(fields: FieldError[], message = 'Validation failed') {
    super(ErrorCode.Invalid, message, fields);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You do not have the right role for this') {
    super(ErrorCode.Forbidden, message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Login required') {
    super(ErrorCode.Unauthenticated, message);
  }
}
