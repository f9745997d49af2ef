import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: string;
  to: string[];
}

export interface SmtpSinkOptions {
  /** Decide per delivery attempt whether to refuse, and how: `attempt` counts over the sink's life, `attemptTo` per first recipient. */
  refuse?: (attempt: number, to: string[], attemptTo: number) => { code: number; message: string } | undefined;
  /**
   * Called for every delivery attempt once its data has arrived and before it is answered (before `refuse`):
   * the answer waits for the returned promise, so a test can hold a message unanswered (never accepted),
   * or stop the sending process meanwhile. Optional; without it nothing changes.
   */
  onMessage?: (message: { attempt: number; to: string[]; attemptTo: number; raw: string }) => void | Promise<void>;
  /**
   * Receives the server's errors, such as a connection reset by a client that was killed mid-message;
   * without it (as before) such an error is not handled here.
   */
  onError?: (error: Error) => void;
}

/**
 * A real SMTP server on 127.0.0.1 for tests: it accepts (or refuses, as told) and keeps every message,
 * parsed, so a test can read what a recipient would get.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  attempts = 0;
  private readonly attemptsByAddress = new Map<string, number>();
  private readonly refusalsByAddress = new Map<string, number>();
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
          const attemptTo = (this.attemptsByAddress.get(to[0]) ?? 0) + 1;
          this.attemptsByAddress.set(to[0], attemptTo);
          if (this.options.onMessage) await this.options.onMessage({ attempt: this.attempts, to, attemptTo, raw: Buffer.concat(chunks).toString('utf8') });
          const refusal = this.options.refuse?.(this.attempts, to, attemptTo);
          if (refusal) {
            this.refusalsByAddress.set(to[0], (this.refusalsByAddress.get(to[0]) ?? 0) + 1);
            const error = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
            return callback(error);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          this.received.push({ raw, to, parsed: await simpleParser(raw) });
          callback();
        });
      },
    });
    if (this.options.onError) this.server.on('error', this.options.onError);
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

  attemptsTo(address: string): number {
    return this.attemptsByAddress.get(address) ?? 0;
  }

  refusedTo(address: string): number {
    return this.refusalsByAddress.get(address) ?? 0;
  }

  /** The mails to one address (a shared test database may hold other tests' mail jobs too). */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }

  async waitForTo(address: string, count = 1, timeoutMs = 20_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(address).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${address}, got ${this.to(address).length} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.to(address);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
