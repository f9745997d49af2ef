import { APP_CONFIG, AppConfig } from '@keyport/config';
import { allPages, ConflictError, escapeLike, formatDateTime, NotFoundError, Page, pageOf, pageWindow, ValidationError } from '@keyport/common';
import { AuditService } from '@keyport/crm';
import { Language, LANGUAGES, MailRenderer, RenderedMail } from '@keyport/mail';
import { OutboxService } from '@keyport/queue';
import { Actor } from '@keyport/users';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { audienceSql } from './audience';
import { AudienceFiltersDto, CreateMailingDto, MailingQueryDto, RecipientQueryDto, UpdateMailingDto } from './mailing.dto';
import { CompiledContent, MailingContent, RecipientVariables } from './mailing-content';
import { MailingStatus, RecipientStatus } from './mailings.constants';
import { AudiencePreview, cleanFilters, SegmentsService } from './segments.service';
import { SubscriptionsService } from './subscriptions.service';
import { isUuid, MailTemplatesService } from './templates.service';

export interface MailingCounts {
  total: number;
  /** Waiting or being sent now. */
  queued: number;
  sent: number;
  failed: number;
  bounced: number;
  skipped: number;
}

export interface MailingView {
  id: string;
  name: string;
  status: MailingStatus;
  templateId: string;
  templateName: string;
  eventId: string | null;
  eventTitle: string | null;
  eventSlug: string | null;
  segmentId: string | null;
  segmentName: string | null;
  filters: AudienceFiltersDto;
  parentId: string | null;
  parentName: string | null;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  counts: MailingCounts;
  /** Skipped recipients by reason (no_consent, unsubscribed, bounced, erased, cancelled). */
  skippedBy: Record<string, number>;
  /** Share of recipients done (sent, failed, bounced or skipped), 0–100. */
  progress: number;
}

export interface RecipientView {
  id: string;
  contactId: string;
  email: string;
  name: string;
  language: Language;
  status: RecipientStatus;
  reason: string | null;
  attempts: number;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  smtpResponse: string | null;
}

export interface MailingPreview {
  recipient: { contactId: string; name: string; email: string; language: Language };
  nl: RenderedMail;
  en: RenderedMail;
}

/** What a mailing's messages are built from, loaded once per pump or preview. */
export interface MailingSource {
  id: string;
  status: MailingStatus;
  generation: number;
  content: MailingContent;
  event: { slug: string; title: string; startsAt: Date; venue: string | null; address: string | null } | null;
  sender: { name: string; email: string };
}

const SELECT = `
  SELECT m.*, t.name AS template_name, e.title AS event_title, e.slug AS event_slug, s.name AS segment_name,
         p.name AS parent_name, u.name AS creator,
         COALESCE(c.total, 0) AS total, COALESCE(c.queued, 0) AS queued, COALESCE(c.sent, 0) AS sent, COALESCE(c.failed, 0) AS failed,
         COALESCE(c.bounced, 0) AS bounced, COALESCE(c.skipped, 0) AS skipped, COALESCE(c.skipped_by, '{}') AS skipped_by
    FROM mailings m
    JOIN mail_templates t ON t.id = m.template_id
    LEFT JOIN events e ON e.id = m.event_id
    LEFT JOIN segments s ON s.id = m.segment_id
    LEFT JOIN mailings p ON p.id = m.parent_id
    LEFT JOIN users u ON u.id = m.created_by
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE r.status IN ('queued', 'sending'))::int AS queued,
             count(*) FILTER (WHERE r.status = 'sent')::int AS sent,
             count(*) FILTER (WHERE r.status = 'failed')::int AS failed,
             count(*) FILTER (WHERE r.status = 'bounced')::int AS bounced,
             count(*) FILTER (WHERE r.status = 'skipped')::int AS skipped,
             (SELECT jsonb_object_agg(reason, n) FROM (SELECT reason, count(*)::int AS n FROM mailing_recipients
                WHERE mailing_id = m.id AND status = 'skipped' GROUP BY reason) x) AS skipped_by
        FROM mailing_recipients r WHERE r.mailing_id = m.id
    ) c ON true`;

/**
 * Invitation mailings: created as drafts (template, audience, optional event), sent now or at a time,
 * paused, resumed and cancelled. Starting a mailing writes one row per address of the audience in the same
 * transaction as the status and the pump job (outbox): from then on, the rows are the truth, the queue only
 * wakes the senders (MailingSender).
 */
@Injectable()
export class MailingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: MailTemplatesService,
    private readonly segments: SegmentsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly renderer: MailRenderer,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: MailingQueryDto): Promise<Page<MailingView>> {
    const w = pageWindow(query.page, query.pageSize);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.q) {
      params.push(`%${escapeLike(query.q)}%`);
      where.push(`m.name ILIKE $${params.length}`);
    }
    if (query.status) {
      params.push(query.status);
      where.push(`m.status = $${params.length}`);
    }
    if (query.eventId) {
      params.push(query.eventId);
      where.push(`m.event_id = $${params.length}`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, count] = await Promise.all([
      this.dataSource.query(`${SELECT} ${clause} ORDER BY m.created_at DESC, m.id LIMIT ${w.pageSize} OFFSET ${w.offset}`, params),
      this.dataSource.query(`SELECT count(*)::int AS n FROM mailings m ${clause}`, params),
    ]);
    return pageOf(rows.map(toView), count[0].n, w.page, w.pageSize);
  }

  all(query: MailingQueryDto): AsyncGenerator<MailingView> {
    return allPages((page, pageSize) => this.list({ ...query, page, pageSize }));
  }

  async get(id: string): Promise<MailingView> {
    if (!isUuid(id)) throw new NotFoundError('Mailing');
    const rows = await this.dataSource.query(`${SELECT} WHERE m.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Mailing');
    return toView(rows[0]);
  }

  async create(actor: Actor, dto: CreateMailingDto, parentId?: string): Promise<MailingView> {
    const filters = await this.resolveAudience(dto);
    await this.checkReferences(dto.templateId, dto.eventId ?? null);
    const id = await this.dataSource.transaction(async (m) => {
      const rows = await m.query(
        `INSERT INTO mailings (name, template_id, event_id, segment_id, filters, parent_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [dto.name, dto.templateId, dto.eventId ?? null, dto.segmentId ?? null, JSON.stringify(filters), parentId ?? null, actor.id],
      );
      await this.audit.record(m, actor, 'create', 'mailing', rows[0].id, {}, dto.name);
      return rows[0].id as string;
    });
    return this.get(id);
  }

  /** Changes a draft (or a scheduled mailing, which goes back to draft). */
  async update(actor: Actor, id: string, dto: UpdateMailingDto): Promise<MailingView> {
    const current = await this.get(id);
    if (current.status !== 'draft' && current.status !== 'scheduled') throw new ConflictError('Only a draft mailing can be changed');
    const merged: CreateMailingDto = {
      name: dto.name ?? current.name,
      templateId: dto.templateId ?? current.templateId,
      eventId: dto.eventId !== undefined ? dto.eventId : (current.eventId ?? undefined),
      segmentId: dto.segmentId,
      filters: dto.filters ?? (dto.segmentId ? undefined : current.filters),
    };
    const filters = await this.resolveAudience(merged);
    await this.checkReferences(merged.templateId, merged.eventId ?? null);
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE mailings SET name = $2, template_id = $3, event_id = $4, segment_id = $5, filters = $6, status = 'draft', scheduled_at = NULL, updated_at = now()
          WHERE id = $1`,
        [id, merged.name, merged.templateId, merged.eventId ?? null, merged.segmentId ?? null, JSON.stringify(filters)],
      );
      await this.audit.record(m, actor, 'update', 'mailing', id, {}, merged.name);
    });
    return this.get(id);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const current = await this.get(id);
    if (current.status !== 'draft' && current.status !== 'scheduled') throw new ConflictError('Only a mailing that was never sent can be deleted; cancel it instead');
    await this.dataSource.transaction(async (m) => {
      await m.query(`DELETE FROM mailings WHERE id = $1`, [id]);
      await this.audit.record(m, actor, 'delete', 'mailing', id, {}, current.name);
    });
  }

  /** Who the mailing reaches, counted now (before sending; afterwards its recipient rows tell). */
  async audience(id: string): Promise<AudiencePreview> {
    const mailing = await this.get(id);
    return this.segments.preview(mailing.filters, mailing.eventId);
  }

  /**
   * Sends now, or at `scheduledAt`. Clicking twice changes nothing: only a draft or scheduled mailing
   * starts, and each address gets one row (UNIQUE mailing + address).
   */
  async send(actor: Actor, id: string, scheduledAt?: string): Promise<MailingView> {
    const at = scheduledAt ? new Date(scheduledAt) : null;
    if (at && Number.isNaN(at.getTime())) throw new ValidationError([{ field: 'scheduledAt', message: 'is not a date and time' }]);
    await this.dataSource.transaction(async (m) => {
      const mailing = await this.lock(m, id);
      if (['sending', 'sent', 'paused'].includes(mailing.status)) return;
      if (mailing.status === 'cancelled') throw new ConflictError('This mailing was cancelled');
      await this.assertSendable(mailing.template_id, mailing.event_id);
      if (at && at.getTime() > Date.now() + 30_000) {
        await m.query(`UPDATE mailings SET status = 'scheduled', scheduled_at = $2, updated_at = now() WHERE id = $1`, [id, at]);
        await this.audit.record(m, actor, 'send', 'mailing', id, { scheduledAt: at.toISOString() }, mailing.name);
        return;
      }
      await this.start(m, id);
      await this.audit.record(m, actor, 'send', 'mailing', id, {}, mailing.name);
    });
    return this.get(id);
  }

  /**
   * Starts a locked draft or due scheduled mailing: snapshots the template, writes the recipient rows
   * (the excluded as 'skipped' with the reason) and queues the first pump, all in `m`'s transaction.
   */
  async start(m: EntityManager, id: string): Promise<void> {
    const [mailing] = await m.query(`SELECT * FROM mailings WHERE id = $1`, [id]);
    const [template] = await m.query(`SELECT * FROM mail_templates WHERE id = $1`, [mailing.template_id]);
    const content: MailingContent = {
      nl: { subject: template.subject_nl, html: template.html_nl, text: template.text_nl },
      en: { subject: template.subject_en, html: template.html_en, text: template.text_en },
    };
    const audience = audienceSql(mailing.filters, mailing.event_id);
    const n = audience.params.length;
    await m.query(
      `INSERT INTO mailing_recipients (mailing_id, contact_id, email, email_key, language, status, reason)
       SELECT $${n + 1}, a.contact_id, a.email, a.email_key, a.language, CASE WHEN a.skip IS NULL THEN 'queued' ELSE 'skipped' END, a.skip
         FROM (${audience.sql}) a
       ON CONFLICT (mailing_id, email_key) DO NOTHING`,
      [...audience.params, id],
    );
    const [creator] = await m.query(`SELECT name, email FROM users WHERE id = $1`, [mailing.created_by]);
    await m.query(
      `UPDATE mailings SET status = 'sending', content = $2, started_at = COALESCE(started_at, now()), generation = generation + 1,
              sender_name = $3, sender_email = $4, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(content), creator?.name ?? 'Keyport 2020', creator?.email ?? this.config.mail.from],
    );
    await this.outbox.add(m, 'mailing-pump', { mailingId: id });
  }

  async pause(actor: Actor, id: string): Promise<MailingView> {
    await this.transition(actor, id, 'pause', ['sending'], `status = 'paused'`);
    return this.get(id);
  }

  async resume(actor: Actor, id: string): Promise<MailingView> {
    await this.dataSource.transaction(async (m) => {
      const mailing = await this.lock(m, id);
      if (mailing.status === 'sending') return;
      if (mailing.status !== 'paused') throw new ConflictError(`A ${mailing.status} mailing cannot be resumed`);
      await m.query(`UPDATE mailings SET status = 'sending', generation = generation + 1, updated_at = now() WHERE id = $1`, [id]);
      await this.outbox.add(m, 'mailing-pump', { mailingId: id });
      await this.audit.record(m, actor, 'resume', 'mailing', id, {}, mailing.name);
    });
    return this.get(id);
  }

  /** Stops for good: what was not sent yet is skipped ('cancelled'); what is being sent this moment finishes. */
  async cancel(actor: Actor, id: string): Promise<MailingView> {
    await this.dataSource.transaction(async (m) => {
      const mailing = await this.lock(m, id);
      if (mailing.status === 'cancelled') return;
      if (mailing.status === 'sent') throw new ConflictError('This mailing has been sent already');
      await m.query(`UPDATE mailings SET status = 'cancelled', finished_at = now(), updated_at = now() WHERE id = $1`, [id]);
      await m.query(`UPDATE mailing_recipients SET status = 'skipped', reason = 'cancelled', updated_at = now() WHERE mailing_id = $1 AND status = 'queued'`, [id]);
      await this.audit.record(m, actor, 'cancel', 'mailing', id, {}, mailing.name);
    });
    return this.get(id);
  }

  /** Queues every failed recipient again (not bounced ones: that address does not exist). */
  async resendFailed(actor: Actor, id: string): Promise<MailingView> {
    await this.dataSource.transaction(async (m) => {
      const mailing = await this.lock(m, id);
      if (!['sending', 'paused', 'sent'].includes(mailing.status)) throw new ConflictError(`A ${mailing.status} mailing has nothing to resend`);
      const [rows] = await m.query(
        `UPDATE mailing_recipients SET status = 'queued', attempts = 0, next_attempt_at = now(), reason = NULL, updated_at = now()
          WHERE mailing_id = $1 AND status = 'failed' RETURNING id`,
        [id],
      );
      if (!rows.length) return;
      if (mailing.status === 'sent') {
        await m.query(`UPDATE mailings SET status = 'sending', finished_at = NULL, generation = generation + 1, updated_at = now() WHERE id = $1`, [id]);
      }
      if (mailing.status !== 'paused') await this.outbox.add(m, 'mailing-pump', { mailingId: id });
      await this.audit.record(m, actor, 'send', 'mailing', id, { resendFailed: rows.length }, mailing.name);
    });
    return this.get(id);
  }

  /** A new draft for the same event to those this mailing reached who have not registered (yet). */
  async followUp(actor: Actor, id: string, name?: string): Promise<MailingView> {
    const mailing = await this.get(id);
    if (!mailing.eventId) throw new ConflictError('Only a mailing for an event can have a follow-up for those not registered');
    if (mailing.status === 'draft' || mailing.status === 'scheduled') throw new ConflictError('Send this mailing first');
    return this.create(
      actor,
      {
        name: (name ?? `${mailing.name} – herinnering`).slice(0, 200),
        templateId: mailing.templateId,
        eventId: mailing.eventId,
        filters: { receivedMailingId: id, registration: 'not_registered' },
      },
      id,
    );
  }

  async status(id: string): Promise<{ status: MailingStatus; counts: MailingCounts; progress: number }> {
    const view = await this.get(id);
    return { status: view.status, counts: view.counts, progress: view.progress };
  }

  async recipients(id: string, query: RecipientQueryDto): Promise<Page<RecipientView>> {
    await this.get(id);
    const w = pageWindow(query.page, query.pageSize);
    const params: unknown[] = [id];
    const where = [`r.mailing_id = $1`];
    if (query.status) {
      params.push(query.status === 'queued' ? ['queued', 'sending'] : [query.status]);
      where.push(`r.status = ANY($${params.length}::text[])`);
    }
    if (query.q) {
      params.push(`%${escapeLike(query.q.toLowerCase())}%`);
      where.push(`r.email_key LIKE $${params.length}`);
    }
    const clause = where.join(' AND ');
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT r.*, c.first_name, c.last_name FROM mailing_recipients r JOIN contacts c ON c.id = r.contact_id
          WHERE ${clause} ORDER BY r.id LIMIT ${w.pageSize} OFFSET ${w.offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM mailing_recipients r WHERE ${clause}`, params),
    ]);
    return pageOf(
      rows.map((r: Record<string, unknown>) => ({
        id: String(r.id),
        contactId: r.contact_id as string,
        email: r.email as string,
        name: `${r.first_name} ${r.last_name}`.trim(),
        language: r.language as Language,
        status: r.status as RecipientStatus,
        reason: (r.reason as string) ?? null,
        attempts: r.attempts as number,
        lastAttemptAt: (r.last_attempt_at as Date) ?? null,
        nextAttemptAt: r.status === 'queued' ? (r.next_attempt_at as Date) : null,
        sentAt: (r.sent_at as Date) ?? null,
        smtpResponse: (r.smtp_response as string) ?? null,
      })),
      count[0].n,
      w.page,
      w.pageSize,
    );
  }

  allRecipients(id: string, query: RecipientQueryDto): AsyncGenerator<RecipientView> {
    return allPages((page, pageSize) => this.recipients(id, { ...query, page, pageSize }));
  }

  /**
   * The mailing as one recipient of its audience gets it, in both languages (default: the first of the
   * audience). Template errors (syntax, unknown variables) come back as a 400 with the field and line.
   */
  async preview(id: string, contactId?: string): Promise<MailingPreview> {
    const mailing = await this.get(id);
    const member = await this.previewRecipient(mailing, contactId);
    const source = await this.source(id);
    const compiled = this.compile(source.content);
    const variables = Object.fromEntries(
      await Promise.all(LANGUAGES.map(async (lang) => [lang, (await this.variables(source, [member.contactId], lang)).get(member.contactId)!])),
    ) as Record<Language, RecipientVariables>;
    const errors = compiled.check(variables.nl);
    if (errors.length) throw new ValidationError(errors, 'The template has errors');
    return {
      recipient: member,
      nl: compiled.render('nl', variables.nl),
      en: compiled.render('en', variables.en),
    };
  }

  /** Sends the preview to the organiser's own address, both languages, marked [TEST]; nothing is recorded as sent. */
  async testSend(actor: Actor, id: string, contactId?: string): Promise<{ to: string }> {
    const preview = await this.preview(id, contactId);
    await this.dataSource.transaction(async (m) => {
      for (const lang of LANGUAGES) {
        const mail = preview[lang];
        await this.outbox.add(m, 'send-mail', {
          kind: 'transactional',
          template: 'mailing-test',
          mail: { to: actor.email, subject: `[TEST] ${mail.subject}`, html: mail.html, text: mail.text },
        });
      }
    });
    return { to: actor.email };
  }

  /** The mailing's content (snapshot once started, else its template's), event and sender. */
  async source(id: string): Promise<MailingSource> {
    const rows = await this.dataSource.query(
      `SELECT m.id, m.status, m.generation, m.content, m.sender_name, m.sender_email,
              t.subject_nl, t.html_nl, t.text_nl, t.subject_en, t.html_en, t.text_en,
              e.slug, e.title, e.starts_at, e.venue, e.address, u.name AS creator_name, u.email AS creator_email
         FROM mailings m JOIN mail_templates t ON t.id = m.template_id
         LEFT JOIN events e ON e.id = m.event_id LEFT JOIN users u ON u.id = m.created_by
        WHERE m.id = $1`,
      [id],
    );
    if (!rows.length) throw new NotFoundError('Mailing');
    const r = rows[0];
    return {
      id: r.id,
      status: r.status,
      generation: r.generation,
      content: r.content ?? {
        nl: { subject: r.subject_nl, html: r.html_nl, text: r.text_nl },
        en: { subject: r.subject_en, html: r.html_en, text: r.text_en },
      },
      event: r.slug ? { slug: r.slug, title: r.title, startsAt: r.starts_at, venue: r.venue, address: r.address } : null,
      sender: { name: r.sender_name ?? r.creator_name ?? 'Keyport 2020', email: r.sender_email ?? r.creator_email ?? this.config.mail.from },
    };
  }

  compile(content: MailingContent): CompiledContent {
    return new CompiledContent(this.renderer, content);
  }

  /** The template variables of these contacts (by contact id), in `lang` (or each contact's own language). */
  async variables(source: MailingSource, contactIds: string[], lang?: Language): Promise<Map<string, RecipientVariables>> {
    const rows = await this.dataSource.query(
      `SELECT c.id, c.first_name, c.last_name, c.email, c.language, o.name AS organisation, o.municipality
         FROM contacts c
         LEFT JOIN LATERAL (SELECT o.name, o.municipality FROM contact_organisations co JOIN organisations o ON o.id = co.organisation_id
                             WHERE co.contact_id = c.id AND co.ended_on IS NULL ORDER BY co.started_on DESC NULLS LAST, co.created_at DESC LIMIT 1) o ON true
        WHERE c.id = ANY($1::uuid[])`,
      [contactIds],
    );
    const out = new Map<string, RecipientVariables>();
    for (const r of rows) {
      const language: Language = lang ?? (r.language === 'en' ? 'en' : 'nl');
      const variables: RecipientVariables = {
        contact: { firstName: r.first_name, lastName: r.last_name, name: `${r.first_name} ${r.last_name}`.trim(), email: r.email ?? '' },
        organisation: { name: r.organisation ?? '', municipality: r.municipality ?? '' },
        unsubscribeUrl: this.subscriptions.unsubscribeUrl(r.id, source.id),
        sender: source.sender,
      };
      if (source.event) {
        variables.event = {
          title: source.event.title,
          date: formatDateTime(source.event.startsAt, language, false),
          time: new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit' }).format(source.event.startsAt),
          venue: source.event.venue ?? '',
          address: source.event.address ?? '',
          url: `${this.config.app.url}/events/${source.event.slug}`,
        };
        variables.signUpUrl = this.subscriptions.inviteUrl(source.event.slug, r.id, source.id);
      }
      out.set(r.id, variables);
    }
    return out;
  }

  private async previewRecipient(mailing: MailingView, contactId?: string): Promise<MailingPreview['recipient']> {
    if (mailing.status === 'draft' || mailing.status === 'scheduled') {
      const [member] = await this.segments.members(mailing.filters, mailing.eventId, 1, contactId);
      if (!member) {
        if (contactId) throw new ValidationError([{ field: 'contactId', message: 'is not in the audience of this mailing' }]);
        throw new ConflictError('The audience of this mailing is empty: there is no one to preview for');
      }
      return { contactId: member.contactId, name: member.name, email: member.email, language: member.language };
    }
    const params: unknown[] = [mailing.id];
    if (contactId) params.push(contactId);
    const rows = await this.dataSource.query(
      `SELECT r.contact_id, r.email, r.language, c.first_name, c.last_name FROM mailing_recipients r JOIN contacts c ON c.id = r.contact_id
        WHERE r.mailing_id = $1 ${contactId ? 'AND r.contact_id = $2' : ''} ORDER BY r.id LIMIT 1`,
      params,
    );
    if (!rows.length) throw new ValidationError([{ field: 'contactId', message: 'is not a recipient of this mailing' }]);
    const r = rows[0];
    return { contactId: r.contact_id, name: `${r.first_name} ${r.last_name}`.trim(), email: r.email, language: r.language };
  }

  private async resolveAudience(dto: CreateMailingDto): Promise<AudienceFiltersDto> {
    if (dto.segmentId) {
      try {
        return (await this.segments.get(dto.segmentId)).filters;
      } catch {
        throw new ValidationError([{ field: 'segmentId', message: 'is not a saved segment' }]);
      }
    }
    return cleanFilters(dto.filters);
  }

  private async checkReferences(templateId: string, eventId: string | null): Promise<void> {
    const [row] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM mail_templates WHERE id = $1) AS template, ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM events WHERE id = $2)) AS event`,
      [templateId, eventId],
    );
    const errors = [];
    if (!row.template) errors.push({ field: 'templateId', message: 'is not a saved template' });
    if (!row.event) errors.push({ field: 'eventId', message: 'is not an event' });
    if (errors.length) throw new ValidationError(errors);
  }

  /** A template that uses event variables needs an event; any error stops the send with the field and line. */
  private async assertSendable(templateId: string, eventId: string | null): Promise<void> {
    const template = await this.templates.get(templateId);
    const errors = this.templates.validate(template, eventId !== null);
    if (errors.length) {
      // Handlebars names only the last part of a missing path ("title" for {{event.title}}): an error that
      // goes away with an event is one of an event variable.
      const withEvent = eventId === null ? new Set(this.templates.validate(template, true).map((e) => `${e.field}\n${e.message}`)) : null;
      throw new ValidationError(
        errors.map((e) => ({ ...e, message: withEvent && !withEvent.has(`${e.field}\n${e.message}`) ? `${e.message} (this mailing has no event)` : e.message })),
        'The template has errors',
      );
    }
  }

  private async lock(m: EntityManager, id: string): Promise<{ id: string; name: string; status: MailingStatus; template_id: string; event_id: string | null }> {
    if (!isUuid(id)) throw new NotFoundError('Mailing');
    const rows = await m.query(`SELECT id, name, status, template_id, event_id FROM mailings WHERE id = $1 FOR UPDATE`, [id]);
    if (!rows.length) throw new NotFoundError('Mailing');
    return rows[0];
  }

  private async transition(actor: Actor, id: string, action: 'pause', from: MailingStatus[], set: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const mailing = await this.lock(m, id);
      if (action === 'pause' && mailing.status === 'paused') return;
      if (!from.includes(mailing.status)) throw new ConflictError(`A ${mailing.status} mailing cannot be ${action}d`);
      await m.query(`UPDATE mailings SET ${set}, updated_at = now() WHERE id = $1`, [id]);
      await this.audit.record(m, actor, action, 'mailing', id, {}, mailing.name);
    });
  }
}

function toView(r: Record<string, unknown>): MailingView {
  const counts: MailingCounts = {
    total: r.total as number,
    queued: r.queued as number,
    sent: r.sent as number,
    failed: r.failed as number,
    bounced: r.bounced as number,
    skipped: r.skipped as number,
  };
  const done = counts.total - counts.queued;
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as MailingStatus,
    templateId: r.template_id as string,
    templateName: r.template_name as string,
    eventId: (r.event_id as string) ?? null,
    eventTitle: (r.event_title as string) ?? null,
    eventSlug: (r.event_slug as string) ?? null,
    segmentId: (r.segment_id as string) ?? null,
    segmentName: (r.segment_name as string) ?? null,
    filters: (r.filters as AudienceFiltersDto) ?? {},
    parentId: (r.parent_id as string) ?? null,
    parentName: (r.parent_name as string) ?? null,
    scheduledAt: (r.scheduled_at as Date) ?? null,
    startedAt: (r.started_at as Date) ?? null,
    finishedAt: (r.finished_at as Date) ?? null,
    createdBy: (r.creator as string) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    counts,
    skippedBy: (r.skipped_by as Record<string, number>) ?? {},
    progress: counts.total === 0 ? (r.status === 'sent' ? 100 : 0) : Math.floor((done / counts.total) * 100),
  };
}
