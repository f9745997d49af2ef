import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: string;
  to: string[];
}

export interface SmtpSinkOptions {
  /** Decide per delivery attempt (1-based, counted over the sink's life) whether to refuse, and how. */
  refuse?: (attempt: number, to: string[]) => { code: number; message: string } | undefined;
}

/**
 * A real SMTP server on 127.0.0.1 for tests: it accepts (or refuses, as told) and keeps every message,
 * parsed, so a test can read what a recipient would get.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  attempts = 0;
  private server!: SMTPServer;
  port = 0;

  constructor(private readonly options: SmtpSinkOptions = {}) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          this.attempts++;
          const refusal = this.options.refuse?.(this.attempts, to);
          if (refusal) {
            const error = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
            return callback(error);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          this.received.push({ raw, to, parsed: await simpleParser(raw) });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) at the SMTP sink, got ${this.received.length} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.received;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
