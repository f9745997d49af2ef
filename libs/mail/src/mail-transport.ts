import { OutgoingMail, PermanentJobError } from '@keyport/queue';
import { Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';

export interface DeliveryResult {
  messageId: string;
  /** The server's answer, e.g. "250 2.0.0 Ok: queued". */
  response: string;
}

export interface TransportHealth {
  ok: boolean;
  driver: 'smtp' | 'local';
  detail?: string;
}

/** Where mail goes: an SMTP server (SMTP_URL) or, without one, the local mailbox staff read in the app. */
export abstract class MailTransport {
  abstract readonly driver: 'smtp' | 'local';
  abstract send(mail: OutgoingMail & { from: string }): Promise<DeliveryResult>;
  abstract health(): Promise<TransportHealth>;
  close(): void {}
  onApplicationShutdown(): void {
    this.close();
  }
}

function toNodemailer(mail: OutgoingMail & { from: string }) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    headers: mail.headers,
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
    ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
    attachments: mail.attachments?.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content, 'base64'),
      ...(a.cid ? { cid: a.cid } : {}),
    })),
  };
}

/**
 * Is a failed delivery worth retrying? 4xx answers, time-outs and refused connections are temporary;
 * a 5xx answer is final (RFC 5321).
 */
/** A 5xx answer: the server will not take this message, now or later. */
export class SmtpRefusal extends PermanentJobError {
  constructor(
    readonly responseCode: number,
    /** The server's answer, e.g. "550 5.1.1 <x@example.nl>: user unknown". */
    readonly response: string,
  ) {
    super(`SMTP refused: ${response}`);
    this.name = 'SmtpRefusal';
  }

  /** The address does not exist (enhanced status 5.1.x): a hard bounce. */
  get isBadMailbox(): boolean {
    return /\b5\.1\.\d+\b/.test(this.response);
  }
}

export function isPermanentSmtpFailure(error: unknown): boolean {
  const code = (error as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export class SmtpMailTransport extends MailTransport {
  readonly driver = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(url: string) {
    super();
    const parsed = new URL(url);
    this.transporter = createTransport({
      url,
      pool: true,
      maxConnections: 5,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // Local and test servers speak plain SMTP; STARTTLS is still used when the server offers it.
      ignoreTLS: parsed.searchParams.get('ignoreTLS') === 'true',
      tls: { rejectUnauthorized: parsed.searchParams.get('tlsRejectUnauthorized') !== 'false' },
    } as never);
  }

  async send(mail: OutgoingMail & { from: string }): Promise<DeliveryResult> {
    try {
      const info = await this.transporter.sendMail(toNodemailer(mail));
      return { messageId: info.messageId, response: String(info.response ?? '') };
    } catch (error) {
      if (isPermanentSmtpFailure(error)) {
        const e = error as { responseCode: number; response?: string; message: string };
        throw new SmtpRefusal(e.responseCode, String(e.response ?? e.message).slice(0, 1000));
      }
      throw error;
    }
  }

  async health(): Promise<TransportHealth> {
    try {
      await Promise.race([
        this.transporter.verify(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5_000)),
      ]);
      return { ok: true, driver: this.driver };
    } catch (error) {
      return { ok: false, driver: this.driver, detail: `SMTP server unusable: ${(error as Error).message}` };
    }
  }

  override close(): void {
    this.transporter.close();
  }
}

/** Keeps every message in PostgreSQL (table local_mail): nothing is silently dropped without SMTP. */
export class LocalMailTransport extends MailTransport {
  readonly driver = 'local' as const;
  private readonly logger = new Logger('LocalMail');
  private readonly builder = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async send(mail: OutgoingMail & { from: string }): Promise<DeliveryResult> {
    const info = await this.builder.sendMail(toNodemailer(mail));
    const raw = info.message as unknown as Buffer;
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO local_mail (sender, recipients, subject, html, text, headers, attachments, raw)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        mail.from,
        mail.to,
        mail.subject,
        mail.html,
        mail.text,
        JSON.stringify(mail.headers ?? {}),
        JSON.stringify((mail.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: Buffer.byteLength(a.content, 'base64') }))),
        raw,
      ],
    );
    this.logger.debug(`kept message ${rows[0].id} in the local mailbox`);
    return { messageId: info.messageId, response: `250 kept in local mailbox as ${rows[0].id}` };
  }

  async health(): Promise<TransportHealth> {
    return { ok: true, driver: this.driver, detail: 'no SMTP_URL: mail is kept in the local mailbox' };
  }
}
