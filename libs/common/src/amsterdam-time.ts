/**
 * Date and time inputs on the staff forms are wall-clock time in Europe/Amsterdam; the services take
 * UTC instants. Pure functions over Intl (no time-zone table of our own), DST included.
 */
const ZONE = 'Europe/Amsterdam';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const wallClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function partsOf(instant: number): Record<string, number> {
  return Object.fromEntries(wallClock.formatToParts(new Date(instant)).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

/** The wall-clock time in Amsterdam at `instant`, as milliseconds of a UTC calendar (for arithmetic). */
function wallAt(instant: number): number {
  const p = partsOf(instant);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** Amsterdam's offset from UTC at `instant`, in minutes (60 in winter, 120 in summer). */
export function amsterdamOffsetMinutes(instant: Date | number): number {
  const t = Math.floor(Number(instant) / 1000) * 1000;
  return Math.round((wallAt(t) - t) / MINUTE);
}

export function isDateInput(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export function isTimeInput(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(value);
}

/**
 * `2026-03-12` + `08:30` in Amsterdam → `2026-03-12T07:30:00.000Z`; undefined for a date or time that
 * is not one. On the two switch days it answers like Temporal's "compatible" choice: a time skipped in
 * spring (02:30 on the last Sunday of March) is taken an hour later (03:30 summer time), and a time that
 * happens twice in autumn (02:30 on the last Sunday of October) is the first, still in summer time.
 */
export function amsterdamToUtc(date: string, time: string): string | undefined {
  if (!isDateInput(date) || !isTimeInput(time)) return undefined;
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi, s = 0] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // Amsterdam changes its offset at most once within a day: the offsets a day before and a day after
  // are the only ones that can apply.
  const offsets = [...new Set([amsterdamOffsetMinutes(wall - DAY), amsterdamOffsetMinutes(wall + DAY)])];
  const fits = offsets.map((o) => wall - o * MINUTE).filter((instant) => wallAt(instant) === wall);
  const instant = fits.length ? Math.min(...fits) : wall - amsterdamOffsetMinutes(wall - DAY) * MINUTE;
  return new Date(instant).toISOString();
}

/** The other way, for filling in a form: an instant as Amsterdam `{ date: 'YYYY-MM-DD', time: 'HH:mm' }`. */
export function utcToAmsterdam(value: Date | string | null | undefined): { date: string; time: string } {
  if (value === null || value === undefined || value === '') return { date: '', time: '' };
  const t = new Date(value).getTime();
  if (Number.isNaN(t)) return { date: '', time: '' };
  const p = partsOf(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return { date: `${p.year}-${two(p.month)}-${two(p.day)}`, time: `${two(p.hour)}:${two(p.minute)}` };
}
