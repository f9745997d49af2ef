import { APP_CONFIG, AppConfig } from '@keyport/config';
import { TokenSigner } from '@keyport/common';
import { AuditService } from '@keyport/crm';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { BounceDto } from './mailing.dto';
import { INVITE_PURPOSE, UNSUBSCRIBE_PURPOSE } from './mailings.constants';

export interface SubscriptionState {
  /** The address, partly hidden ("a***@example.nl"): the page shows whose subscription it is without exposing it. */
  maskedEmail: string;
  subscribed: boolean;
  language: 'nl' | 'en';
}

export interface InvitePrefill {
  contactId: string;
  mailingId: string;
  firstName: string;
  lastName: string;
  email: string;
  organisation: string | null;
  municipality: string | null;
}

export interface BounceResult {
  recorded: number;
  /** Addresses now excluded from mailings (hard bounces and complaints). */
  excluded: number;
  /** Bounces whose address no contact has (recorded all the same: a contact added later is excluded too). */
  unknown: number;
}

/**
 * Unsubscribe and re-subscribe through signed links, bounces and complaints. An unsubscribe or hard bounce
 * applies to the email address: every contact with it is excluded from every later mailing. Transactional
 * mail (confirmations, reminders) is not affected.
 */
@Injectable()
export class SubscriptionsService {
  private readonly signer: TokenSigner;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.signer = new TokenSigner(config.app.secret);
  }

  unsubscribeUrl(contactId: string, mailingId: string): string {
    return `${this.config.app.url}/unsubscribe/${this.signer.sign(UNSUBSCRIBE_PURPOSE, { c: contactId, m: mailingId })}`;
  }

  /** The personal sign-up link: the event page with the form filled in for this contact. */
  inviteUrl(slug: string, contactId: string, mailingId: string): string {
    return `${this.config.app.url}/events/${slug}?invite=${this.signer.sign(INVITE_PURPOSE, { c: contactId, m: mailingId }, 180 * 24 * 3600)}`;
  }

  private verify(token: string): { c: string; m: string } | null {
    const payload = this.signer.verify<{ c: string; m: string }>(UNSUBSCRIBE_PURPOSE, token);
    return payload && typeof payload.c === 'string' ? payload : null;
  }

  async state(token: string): Promise<SubscriptionState | null> {
    const payload = this.verify(token);
    if (!payload) return null;
    const rows = await this.dataSource.query(
      `SELECT c.email, c.language,
              NOT EXISTS (SELECT 1 FROM contacts u WHERE lower(u.email) = lower(c.email) AND u.unsubscribed_at IS NOT NULL) AS subscribed
         FROM contacts c WHERE c.id = $1 AND c.erased_at IS NULL AND c.email IS NOT NULL`,
      [payload.c],
    );
    if (!rows.length) return null;
    return { maskedEmail: maskEmail(rows[0].email), subscribed: rows[0].subscribed, language: rows[0].language };
  }

  /** Unsubscribes the link's address at once (RFC 8058 one-click, or the page's button). false: not a valid link. */
  async unsubscribe(token: string, via: 'one-click' | 'page'): Promise<boolean> {
    const payload = this.verify(token);
    if (!payload) return false;
    return this.dataSource.transaction(async (m) => {
      const contacts = await this.sameAddress(m, payload.c);
      if (!contacts.length) return false;
      await m.query(
        `UPDATE contacts SET unsubscribed_at = COALESCE(unsubscribed_at, now()), mailing_consent = false, updated_at = now() WHERE id = ANY($1::uuid[])`,
        [contacts],
      );
      // Anything of any mailing not yet sent to this address is not sent.
      await m.query(
        `UPDATE mailing_recipients SET status = 'skipped', reason = 'unsubscribed', updated_at = now()
          WHERE email_key = (SELECT lower(email) FROM contacts WHERE id = $1) AND status = 'queued'`,
        [payload.c],
      );
      for (const id of contacts) await this.audit.record(m, 'system', 'unsubscribe', 'contact', id, { mailingId: payload.m, via });
      return true;
    });
  }

  /** Subscribes the link's address again: consent recorded with this link as its source. */
  async resubscribe(token: string): Promise<boolean> {
    const payload = this.verify(token);
    if (!payload) return false;
    return this.dataSource.transaction(async (m) => {
      const contacts = await this.sameAddress(m, payload.c);
      if (!contacts.length) return false;
      await m.query(
        `UPDATE contacts SET unsubscribed_at = NULL, updated_at = now(),
                mailing_consent = CASE WHEN id = $2 THEN true ELSE mailing_consent END,
                consent_at = CASE WHEN id = $2 THEN now() ELSE consent_at END,
                consent_source = CASE WHEN id = $2 THEN 'resubscribed via mailing link' ELSE consent_source END
          WHERE id = ANY($1::uuid[])`,
        [contacts, payload.c],
      );
      for (const id of contacts) await this.audit.record(m, 'system', 'resubscribe', 'contact', id, { mailingId: payload.m });
      return true;
    });
  }

  /** The contact (and mailing) a personal sign-up link is for, to fill the form in; null when not valid. */
  async invite(token: string | undefined): Promise<InvitePrefill | null> {
    const payload = this.signer.verify<{ c: string; m: string }>(INVITE_PURPOSE, token);
    if (!payload || typeof payload.c !== 'string') return null;
    const rows = await this.dataSource.query(
      `SELECT c.id, c.first_name, c.last_name, c.email, o.name AS organisation, o.municipality
         FROM contacts c
         LEFT JOIN LATERAL (SELECT o.name, o.municipality FROM contact_organisations co JOIN organisations o ON o.id = co.organisation_id
                             WHERE co.contact_id = c.id AND co.ended_on IS NULL ORDER BY co.started_on DESC NULLS LAST LIMIT 1) o ON true
        WHERE c.id = $1 AND c.erased_at IS NULL AND c.email IS NOT NULL`,
      [payload.c],
    );
    if (!rows.length) return null;
    const r = rows[0];
    return { contactId: r.id, mailingId: payload.m, firstName: r.first_name, lastName: r.last_name, email: r.email, organisation: r.organisation, municipality: r.municipality };
  }

  /**
   * Records bounce notifications. Hard bounces exclude the address from later mailings (contacts.bounced_at
   * and the bounce row, which also covers an address no contact has yet); complaints unsubscribe it;
   * soft bounces are recorded only. The recipient row of the mailing, when given, becomes 'bounced'.
   */
  async recordBounces(bounces: BounceDto[], source: 'webhook' | 'csv' | 'smtp' | 'staff', manager?: EntityManager): Promise<BounceResult> {
    const run = async (m: EntityManager): Promise<BounceResult> => {
      const result: BounceResult = { recorded: 0, excluded: 0, unknown: 0 };
      for (const bounce of bounces) {
        const key = bounce.email.trim().toLowerCase();
        await m.query(`INSERT INTO mail_bounces (email_key, kind, reason, mailing_id, source) VALUES ($1, $2, $3, $4, $5)`, [
          key,
          bounce.kind,
          bounce.reason?.slice(0, 1000) ?? null,
          bounce.mailingId && (await this.mailingExists(m, bounce.mailingId)) ? bounce.mailingId : null,
          source,
        ]);
        result.recorded++;
        let touched: { id: string }[] = [];
        if (bounce.kind === 'hard') {
          [touched] = await m.query(
            `UPDATE contacts SET bounced_at = COALESCE(bounced_at, now()), bounce_reason = $2, updated_at = now() WHERE lower(email) = $1 RETURNING id`,
            [key, bounce.reason?.slice(0, 1000) ?? 'hard bounce'],
          );
        } else if (bounce.kind === 'complaint') {
          [touched] = await m.query(
            `UPDATE contacts SET unsubscribed_at = COALESCE(unsubscribed_at, now()), mailing_consent = false, updated_at = now() WHERE lower(email) = $1 RETURNING id`,
            [key],
          );
        } else {
          touched = await m.query(`SELECT id FROM contacts WHERE lower(email) = $1`, [key]);
        }
        if (!touched.length) result.unknown++;
        if (bounce.kind !== 'soft') {
          result.excluded++;
          await m.query(
            `UPDATE mailing_recipients SET status = 'skipped', reason = $2, updated_at = now() WHERE email_key = $1 AND status = 'queued'`,
            [key, bounce.kind === 'hard' ? 'bounced' : 'unsubscribed'],
          );
          for (const c of touched) await this.audit.record(m, 'system', bounce.kind === 'hard' ? 'bounce' : 'unsubscribe', 'contact', c.id, { source, kind: bounce.kind });
        }
        if (bounce.mailingId && bounce.kind === 'hard') {
          await m.query(
            `UPDATE mailing_recipients SET status = 'bounced', reason = 'hard bounce', smtp_response = COALESCE($3, smtp_response), updated_at = now()
              WHERE mailing_id::text = $1 AND email_key = $2 AND status = 'sent'`,
            [bounce.mailingId, key, bounce.reason ?? null],
          );
        }
      }
      return result;
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  private async mailingExists(m: EntityManager, id: string): Promise<boolean> {
    return (await m.query(`SELECT 1 FROM mailings WHERE id = $1`, [id])).length > 0;
  }

  /** The link's contact and every other contact with the same address. */
  private async sameAddress(m: EntityManager, contactId: string): Promise<string[]> {
    const rows = await m.query(
      `SELECT c2.id FROM contacts c JOIN contacts c2 ON lower(c2.email) = lower(c.email) WHERE c.id = $1 AND c.email IS NOT NULL`,
      [contactId],
    );
    return rows.map((r: { id: string }) => r.id);
  }
}

export function maskEmail(email: string): string {
  const [local, domain] = email.split('@');
  return `${local.slice(0, 1)}***@${domain ?? ''}`;
}
