import { DISPLAY_TIME_ZONE } from '@keyport/common';
import { EventView } from '@keyport/events';
import type { Lang } from '../../pages/page-renderer';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, kind: 'day' | 'time' | 'key'): Intl.DateTimeFormat {
  const id = `${lang}|${kind}`;
  let fmt = formatters.get(id);
  if (!fmt) {
    const locale = kind === 'key' ? 'en-CA' : lang === 'en' ? 'en-GB' : 'nl-NL';
    const options: Intl.DateTimeFormatOptions =
      kind === 'day'
        ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
        : kind === 'time'
          ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : { year: 'numeric', month: '2-digit', day: '2-digit' };
    fmt = new Intl.DateTimeFormat(locale, { timeZone: DISPLAY_TIME_ZONE, ...options });
    formatters.set(id, fmt);
  }
  return fmt;
}

/**
 * When an event (or session) takes place, for people, in Europe/Amsterdam: "donderdag 12 maart 2026,
 * 07:30–09:30", with the end date too when it ends on another day.
 */
export function whenText(startsAt: Date | string, endsAt: Date | string | null, lang: Lang): string {
  const start = new Date(startsAt);
  const day = (d: Date) => formatter(lang, 'day').format(d);
  const time = (d: Date) => formatter(lang, 'time').format(d);
  if (!endsAt) return `${day(start)}, ${time(start)}`;
  const end = new Date(endsAt);
  const sameDay = formatter(lang, 'key').format(start) === formatter(lang, 'key').format(end);
  return sameDay ? `${day(start)}, ${time(start)}–${time(end)}` : `${day(start)}, ${time(start)} – ${day(end)}, ${time(end)}`;
}

/** A description typed as plain text: paragraphs split on blank lines (single line breaks are kept by CSS). */
export function paragraphs(text: string | null): string[] {
  return (text ?? '')
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

export const isFull = (e: Pick<EventView, 'seatsLeft'>): boolean => e.seatsLeft === 0;

/** Why an event takes no sign-ups now, as a catalogue key (with its arguments), or null when it does. */
export function closedReason(e: EventView, lang: Lang): { key: string; args?: Record<string, unknown> } | null {
  if (e.status === 'cancelled') return { key: 'publicEvents.event.cancelled' };
  if (e.status === 'held') return { key: 'publicEvents.event.held' };
  if (e.open) return null;
  if (new Date(e.endsAt).getTime() <= Date.now()) return { key: 'publicEvents.event.ended' };
  if (e.registrationOpensAt && new Date(e.registrationOpensAt).getTime() > Date.now()) {
    return { key: 'publicEvents.event.notYetOpen', args: { date: whenText(e.registrationOpensAt, null, lang) } };
  }
  return { key: 'publicEvents.event.registrationClosed' };
}

/** What the list shows of one event. */
export function eventCard(e: EventView, lang: Lang) {
  return {
    slug: e.slug,
    title: e.title,
    language: e.language,
    when: whenText(e.startsAt, e.endsAt, lang),
    startsIso: new Date(e.startsAt).toISOString(),
    venue: e.venue,
    address: e.address,
    municipality: e.municipality,
    format: e.format,
    programmeLines: e.programmeLines,
    full: isFull(e),
    open: e.open,
    seatsLeft: e.seatsLeft,
    fewSeats: e.seatsLeft !== null && e.seatsLeft > 0 && e.seatsLeft <= 10,
    oneSeat: e.seatsLeft === 1,
  };
}
