export const ORGANISATION_TYPES = ['company', 'education', 'government', 'other'] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

/** SME bands by number of employees: micro < 10, small < 50, medium < 250, large otherwise. */
export const SIZE_CLASSES = ['micro', 'small', 'medium', 'large'] as const;
export type SizeClass = (typeof SIZE_CLASSES)[number];

export const PROGRAMME_LINES = ['innovation', 'entrepreneurship', 'labour_market', 'project_development', 'communication'] as const;
export type ProgrammeLine = (typeof PROGRAMME_LINES)[number];

export const SUPPORT_KINDS = [
  'innovation_trajectory',
  'cluster',
  'cooperation_project',
  'funding_support',
  'startup_plan_support',
  'strategy_plan_support',
  'training_trajectory',
] as const;
export type SupportKind = (typeof SUPPORT_KINDS)[number];

export const ANSWERED_BY = ['sme', 'knowledge_institute', 'keyport'] as const;
export type AnsweredBy = (typeof ANSWERED_BY)[number];

export const KVK_PATTERN = /^[0-9]{8}$/;

/** "12 34 56 78" or "12.345.678" → "12345678"; anything else is kept as typed, for validation to refuse. */
export function normaliseKvk(value: unknown): unknown {
  return typeof value === 'string' && /^[\d\s.]+$/.test(value) ? value.replace(/[\s.]/g, '') : value;
}

/** Tags typed as "a, b" or sent as an array: trimmed, lower case, unique, empty ones dropped. */
export function normaliseTags(value: unknown): unknown {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list)) return value;
  return [...new Set(list.map((t) => (typeof t === 'string' ? t.trim().toLowerCase() : t)).filter((t) => t !== ''))];
}
