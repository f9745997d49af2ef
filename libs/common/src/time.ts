export const DISPLAY_TIME_ZONE = 'Europe/Amsterdam';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Formats a UTC instant for people: always in Europe/Amsterdam, in the reader's language. */
export function formatDateTime(value: Date | string | null | undefined, lang: string, withTime = true): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const key = `${lang}|${withTime}`;
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'nl-NL', {
      timeZone: DISPLAY_TIME_ZONE,
      dateStyle: 'medium',
      ...(withTime ? { timeStyle: 'short' } : {}),
    });
    formatters.set(key, fmt);
  }
  return fmt.format(date);
}
