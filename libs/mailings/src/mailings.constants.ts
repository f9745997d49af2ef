export const MAILING_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type MailingStatus = (typeof MAILING_STATUSES)[number];

export const RECIPIENT_STATUSES = ['queued', 'sending', 'sent', 'failed', 'bounced', 'skipped'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

/** Why a contact of the audience gets no mail (recipient status 'skipped'). */
export const SKIP_REASONS = ['no_consent', 'unsubscribed', 'bounced', 'erased', 'cancelled'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const BOUNCE_KINDS = ['hard', 'soft', 'complaint'] as const;
export type BounceKind = (typeof BOUNCE_KINDS)[number];

/** A temporary failure is tried this many times in all before the recipient is marked failed. */
export const MAX_SEND_ATTEMPTS = 6;
/** First retry after this long, doubling each time (2 s, 4 s, 8 s, …), at most MAX_RETRY_DELAY_MS. */
export const RETRY_BASE_MS = 2_000;
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

export const UNSUBSCRIBE_PURPOSE = 'unsubscribe';
export const INVITE_PURPOSE = 'invite';

/** The variables a mailing template may use; the editor lists them and validation renders with these. */
export const TEMPLATE_VARIABLES = [
  'contact.firstName', 'contact.lastName', 'contact.name', 'contact.email',
  'organisation.name', 'organisation.municipality',
  'event.title', 'event.date', 'event.time', 'event.venue', 'event.address', 'event.url',
  'signUpUrl', 'unsubscribeUrl', 'sender.name', 'sender.email', 'lang',
] as const;
