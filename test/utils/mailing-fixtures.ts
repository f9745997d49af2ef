import { loadConfig } from '@keyport/config';
import { Contact, Organisation } from '@keyport/crm';
import { MailingsService, MailingView, MailTemplatesService, MailTemplateView, RecipientView } from '@keyport/mailings';
import { Actor, Role } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { TEST_SECRET } from './app';
import { newContact, newOrganisation } from './crm-factories';
import { newUser } from './factories';
import { testDatabaseUrl } from './services';
import { ReceivedMail, SmtpSink } from './smtp-sink';

/** A short tag no other test uses: audiences are filtered on it (the test database is shared). */
export const uniqueTag = (label: string): string => `${label}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`.toLowerCase();

/** The worker module as apps/worker runs it (every processor, the outbox relay), in this process. */
export async function startMailingWorker(env: Record<string, string | undefined>): Promise<INestApplicationContext> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    APP_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '5',
    ...env,
  });
  return NestFactory.createApplicationContext(WorkerAppModule.forRoot(config), { logger: false });
}

/** An organiser (a real user row, so mailings have a sender) as the services' Actor. */
export async function newOrganiser(app: INestApplicationContext): Promise<Actor> {
  const user = await newUser(app, Role.Organiser);
  return { id: user.id, role: user.role, name: user.name, email: user.email } as Actor;
}

export interface Audience {
  tag: string;
  organisation: Organisation;
  contacts: Contact[];
}

/**
 * `size` people with mailing consent working at one new organisation tagged `tag` (so `{ tags: [tag] }`
 * is exactly them). `language(i)` picks each one's language (default Dutch).
 */
export async function newAudience(
  app: INestApplicationContext,
  size: number,
  options: { tag?: string; language?: (i: number) => 'nl' | 'en'; emailPrefix?: string } = {},
): Promise<Audience> {
  const tag = options.tag ?? uniqueTag('aud');
  const organisation = await newOrganisation(app, { tags: [tag] });
  const contacts: Contact[] = [];
  for (let i = 0; i < size; i++) contacts.push(await addPerson(app, organisation, { language: options.language?.(i) ?? 'nl', emailPrefix: options.emailPrefix }));
  return { tag, organisation, contacts };
}

/** One more person at the organisation; with consent unless told otherwise. */
export function addPerson(
  app: INestApplicationContext,
  organisation: Organisation,
  options: { consent?: boolean; language?: 'nl' | 'en'; emailPrefix?: string; firstName?: string } = {},
): Promise<Contact> {
  const consent = options.consent ?? true;
  const local = `${options.emailPrefix ?? 'ontvanger'}.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;
  return newContact(app, {
    firstName: options.firstName ?? (options.language === 'en' ? 'Emma' : 'Sanne'),
    email: `${local}@example.nl`,
    language: options.language ?? 'nl',
    mailingConsent: consent,
    ...(consent ? { consentSource: 'test: signed up on paper' } : {}),
    organisations: [{ organisationId: organisation.id }],
  });
}

/** Subjects that tell the languages apart; bodies with the personal sign-up link and the unsubscribe link. */
export const INVITATION = {
  nl: {
    subject: 'Uitnodiging: {{event.title}}',
    html: '<p>Beste {{contact.firstName}},</p>\n<p>U bent welkom bij {{event.title}} op {{event.date}} om {{event.time}}.</p>\n<p><a href="{{signUpUrl}}">Meld u aan</a></p>\n<p><a href="{{unsubscribeUrl}}">Afmelden voor uitnodigingen</a></p>',
    text: 'Beste {{contact.firstName}},\n\nU bent welkom bij {{event.title}}.\nMeld u aan: {{signUpUrl}}\nAfmelden: {{unsubscribeUrl}}',
  },
  en: {
    subject: 'Invitation: {{event.title}}',
    html: '<p>Dear {{contact.firstName}},</p>\n<p>You are welcome at {{event.title}} on {{event.date}} at {{event.time}}.</p>\n<p><a href="{{signUpUrl}}">Sign up</a></p>\n<p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
    text: 'Dear {{contact.firstName}},\n\nYou are welcome at {{event.title}}.\nSign up: {{signUpUrl}}\nUnsubscribe: {{unsubscribeUrl}}',
  },
};

/** Without event variables: for mailings that invite to nothing in particular. */
export const NEWSLETTER = {
  nl: { subject: 'Nieuws van Keyport', html: '<p>Beste {{contact.firstName}},</p><p>Nieuws.</p>', text: 'Beste {{contact.firstName}},\nNieuws.' },
  en: { subject: 'News from Keyport', html: '<p>Dear {{contact.firstName}},</p><p>News.</p>', text: 'Dear {{contact.firstName}},\nNews.' },
};

export function newTemplate(app: INestApplicationContext, actor: Actor, content = INVITATION): Promise<MailTemplateView> {
  return app.get(MailTemplatesService).create(actor, { name: `Sjabloon ${uniqueTag('t')}`, nl: content.nl, en: content.en });
}

/** Polls `check` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check();
    if (value) return value;
    last = value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function waitForMailingStatus(app: INestApplicationContext, id: string, status: MailingView['status'], timeoutMs = 30_000): Promise<MailingView> {
  const mailings = app.get(MailingsService);
  return waitUntil(`mailing ${id} to be ${status}`, async () => {
    const view = await mailings.get(id);
    return view.status === status ? view : undefined;
  }, timeoutMs);
}

/** Every recipient row of a mailing, keyed by email. */
export async function recipientsOf(app: INestApplicationContext, id: string): Promise<Map<string, RecipientView>> {
  const out = new Map<string, RecipientView>();
  for await (const r of app.get(MailingsService).allRecipients(id, {})) out.set(r.email, r);
  return out;
}

/** The messages of one mailing at the sink (each carries X-Keyport-Mailing). */
export function mailsOf(sink: SmtpSink, mailingId: string): ReceivedMail[] {
  return sink.received.filter((m) => m.parsed.headers.get('x-keyport-mailing') === mailingId);
}

/** How many messages of the mailing each address got. */
export function countsByAddress(sink: SmtpSink, mailingId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of mailsOf(sink, mailingId)) for (const to of mail.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

/** Addresses that got more than one message of the mailing (should always be empty). */
export function duplicates(sink: SmtpSink, mailingId: string): string[] {
  return [...countsByAddress(sink, mailingId)].filter(([, n]) => n > 1).map(([a]) => a);
}

/** Undoes the HTML escaping Handlebars applies to attribute values (= becomes &#x3D;). */
export function unescapeHtml(html: string): string {
  return html
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
