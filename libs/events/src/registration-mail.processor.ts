import { APP_CONFIG, AppConfig } from '@keyport/config';
import { formatDateTime, NotFoundError } from '@keyport/common';
import { Language, MailRenderer, MailTransport } from '@keyport/mail';
import { countMail } from '@keyport/metrics';
import { JobContext, JobProcessor, JobProcessorHandler, MailAttachment, PermanentJobError, RegistrationMailJob } from '@keyport/queue';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createEvent, DateArray } from 'ics';
import QRCode from 'qrcode';
import { DataSource } from 'typeorm';
import { RegistrationsService } from './registrations.service';

interface MailContext {
  status: string;
  email: string;
  first_name: string;
  last_name: string;
  language: Language;
  session_title: string | null;
  erased: boolean;
  event_id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  venue: string | null;
  address: string | null;
  description: string | null;
  event_status: string;
}

/** Which registration statuses each kind of mail still makes sense for when it is sent. */
const STILL_TRUE: Record<RegistrationMailJob['kind'], string[]> = {
  confirmed: ['confirmed', 'attended'],
  promoted: ['confirmed', 'attended'],
  reminder: ['confirmed'],
  registration_closed: ['confirmed'],
  waitlisted: ['waitlisted'],
  waitlist_closed: ['waitlisted'],
  cancelled: ['cancelled'],
  event_cancelled: ['cancelled'],
};

const SEAT_KINDS = new Set(['confirmed', 'promoted', 'reminder', 'registration_closed']);

const utcArray = (d: Date): DateArray => [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];

/**
 * Renders and sends one mail about a registration: the confirmation (with the calendar file, the QR code
 * for check-in and the signed link to view or cancel), the waiting-list notice, the promotion, the
 * cancellation, the reminder. A mail that is no longer true when its turn comes (a confirmation for a
 * registration cancelled meanwhile) is skipped.
 */
@Injectable()
@JobProcessor('registration-mail')
export class RegistrationMailProcessor implements JobProcessorHandler<'registration-mail'> {
  private readonly logger = new Logger(RegistrationMailProcessor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly registrations: RegistrationsService,
    private readonly renderer: MailRenderer,
    private readonly transport: MailTransport,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(job: RegistrationMailJob, ctx: JobContext): Promise<void> {
    const [r]: MailContext[] = await this.dataSource.query(
      `SELECT r.status, r.email, c.first_name, c.last_name, c.language, s.title AS session_title, c.erased_at IS NOT NULL AS erased,
              e.id AS event_id, e.title, e.starts_at, e.ends_at, e.venue, e.address, e.description, e.status AS event_status
         FROM registrations r JOIN contacts c ON c.id = r.contact_id JOIN events e ON e.id = r.event_id
         LEFT JOIN event_sessions s ON s.id = r.session_id WHERE r.id = $1`,
      [job.registrationId],
    );
    if (!r) throw new PermanentJobError(`registration ${job.registrationId} does not exist`);
    if (r.erased || !STILL_TRUE[job.kind].includes(r.status)) {
      this.logger.log(`skipped ${job.kind} mail for registration ${job.registrationId}: it is ${r.erased ? 'erased' : r.status} now`);
      return;
    }
    const seat = SEAT_KINDS.has(job.kind);
    const lang: Language = r.language === 'en' ? 'en' : 'nl';
    const checkInCode = seat ? this.registrations.checkInToken(job.registrationId) : null;
    const manageUrl = ['cancelled', 'event_cancelled', 'waitlist_closed'].includes(job.kind)
      ? null
      : `${this.config.app.url}/registrations/${this.registrations.manageToken(job.registrationId)}`;
    const when = `${formatDateTime(r.starts_at, lang)} – ${formatDateTime(r.ends_at, lang).split(' ').pop()}`;
    const rendered = this.renderer.render('registration', lang, {
      kind: job.kind,
      name: `${r.first_name} ${r.last_name}`.trim(),
      event: { title: r.title, when, venue: r.venue, address: r.address },
      session: r.session_title,
      showDetails: job.kind !== 'event_cancelled' && job.kind !== 'waitlist_closed' && job.kind !== 'cancelled',
      hasQr: seat,
      hasCalendar: seat,
      checkInCode,
      manageUrl,
    });
    const attachments: MailAttachment[] = [];
    if (seat && checkInCode) {
      const png = await QRCode.toBuffer(checkInCode, { type: 'png', width: 360, margin: 2, errorCorrectionLevel: 'M' });
      attachments.push({ filename: 'check-in.png', contentType: 'image/png', content: png.toString('base64'), cid: 'checkin-qr' });
      attachments.push({ filename: 'event.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: Buffer.from(this.calendar(job.registrationId, r, manageUrl)).toString('base64') });
    }
    const result = await countMail('transactional', `registration-${job.kind}`, () =>
      this.transport.send({ to: r.email, from: this.config.mail.from, subject: rendered.subject, html: rendered.html, text: rendered.text, attachments }),
    );
    this.logger.log(`sent ${job.kind} mail for registration ${job.registrationId} (job ${ctx.id}): ${result.response}`);
  }

  private calendar(registrationId: string, r: MailContext, url: string | null): string {
    const { error, value } = createEvent({
      uid: `registration-${registrationId}@keyport`,
      title: r.title,
      description: r.description ?? undefined,
      location: [r.venue, r.address].filter(Boolean).join(', ') || undefined,
      start: utcArray(new Date(r.starts_at)),
      startInputType: 'utc',
      startOutputType: 'utc',
      end: utcArray(new Date(r.ends_at)),
      endInputType: 'utc',
      endOutputType: 'utc',
      url: url ?? undefined,
      status: 'CONFIRMED',
      productId: 'keyport-platform',
      method: 'PUBLISH',
    });
    if (error || !value) throw new NotFoundError(`calendar for ${registrationId}: ${error?.message}`);
    return value;
  }
}
