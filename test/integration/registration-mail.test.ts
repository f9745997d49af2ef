import { RegistrationsService } from '@keyport/events';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '../utils/app';
import { newEvent } from '../utils/event-factories';
import { SmtpSink } from '../utils/smtp-sink';

describe('registration mails through the outbox, the queue and a real SMTP sink', () => {
  let app: NestFastifyApplication;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    app = await createTestApp({ SMTP_URL: sink.url, APP_URL: 'https://events.keyport.test' });
  });
  afterAll(async () => {
    await app.close();
    await sink.stop();
  });

  const mailsTo = (email: string) => sink.received.filter((m) => m.to.includes(email));
  async function waitForMail(email: string, count: number) {
    const deadline = Date.now() + 20_000;
    while (mailsTo(email).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mail(s) to ${email}, got ${mailsTo(email).length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return mailsTo(email);
  }

  it('confirms with the calendar file, the QR code for check-in and a signed link; waitlists and promotes with their own mails', async () => {
    const event = await newEvent(app, { capacity: 1, title: 'Masterclass <Financiering>', venue: 'Keyport-huis', address: 'Roermond' });
    const registrations = app.get(RegistrationsService);
    const first = `eerste.${Date.now()}@example.nl`;
    const second = `tweede.${Date.now()}@example.nl`;
    const a = await registrations.register({ id: event.id }, { firstName: 'Eva', lastName: 'Eerst', email: first }, { source: 'public' });
    const b = await registrations.register({ id: event.id }, { firstName: 'Tom', lastName: 'Twee', email: second, language: 'en' }, { source: 'public' });

    const [confirmation] = await waitForMail(first, 1);
    expect(confirmation.parsed.subject).toBe('Aanmelding bevestigd: Masterclass <Financiering>');
    expect(confirmation.parsed.html).toContain('Masterclass &lt;Financiering&gt;');
    expect(confirmation.parsed.text).toContain('Masterclass <Financiering>');
    const ics = confirmation.parsed.attachments.find((x) => x.filename === 'event.ics');
    expect(ics?.content.toString()).toContain('BEGIN:VEVENT');
    expect(ics?.content.toString()).toContain(`DTSTART:${event.startsAt.toISOString().replace(/[-:]/g, '').slice(0, 13)}`);
    const qr = confirmation.parsed.attachments.find((x) => x.filename === 'check-in.png');
    expect(qr?.contentType).toBe('image/png');
    expect(confirmation.raw).toContain('cid:checkin-qr');
    const link = (confirmation.parsed.text ?? '').match(/https:\/\/events\.keyport\.test\/registrations\/(\S+)/);
    expect(link).not.toBeNull();
    expect((await registrations.fromManageToken(link![1])).id).toBe(a.id);
    expect(confirmation.raw).not.toContain(a.id.toUpperCase());

    const [waitlisted] = await waitForMail(second, 1);
    expect(waitlisted.parsed.subject).toBe('On the waiting list: Masterclass <Financiering>');
    expect(waitlisted.parsed.attachments).toHaveLength(0);

    await registrations.cancel(a.id, 'registrant');
    const afterCancel = await waitForMail(second, 2);
    expect(afterCancel[1].parsed.subject).toBe('A seat is yours: Masterclass <Financiering>');
    expect(afterCancel[1].parsed.attachments.map((x) => x.filename).sort()).toEqual(['check-in.png', 'event.ics']);
    const cancelled = await waitForMail(first, 2);
    expect(cancelled[1].parsed.subject).toBe('Afmelding ontvangen: Masterclass <Financiering>');
    expect((await registrations.get(b.id)).status).toBe('confirmed');
  });

  it('refuses a tampered manage link', async () => {
    const registrations = app.get(RegistrationsService);
    const event = await newEvent(app, { capacity: 5 });
    const r = await registrations.register({ id: event.id }, { firstName: 'A', lastName: 'B', email: `tamper.${Date.now()}@example.nl` }, { source: 'public' });
    const token = registrations.manageToken(r.id);
    await expect(registrations.fromManageToken(`${token}x`)).rejects.toThrow('Registration not found');
    await expect(registrations.fromManageToken(registrations.checkInToken(r.id))).rejects.toThrow('Registration not found');
  });
});

describe('reminders', () => {
  let app: NestFastifyApplication;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    app = await createTestApp({ SMTP_URL: sink.url });
  });
  afterAll(async () => {
    await app.close();
    await sink.stop();
  });

  it('reminds each confirmed registrant once, not the cancelled, not before it is due', async () => {
    const { EventRemindersProcessor } = await import('@keyport/events');
    const registrations = app.get(RegistrationsService);
    const soon = new Date(Date.now() + 3600_000);
    const due = await newEvent(app, { capacity: 10, startsAt: soon.toISOString(), endsAt: new Date(soon.getTime() + 3600_000).toISOString(), reminderHours: 48 });
    const later = await newEvent(app, { capacity: 10, reminderHours: 24 });
    const stamp = Date.now();
    const emails = [0, 1, 2].map((i) => `herinner.${i}.${stamp}@example.nl`);
    const regs = [];
    for (const email of emails) regs.push(await registrations.register({ id: due.id }, { firstName: 'H', lastName: 'R', email }, { source: 'public' }));
    await registrations.cancel(regs[2].id, 'registrant');
    const notYet = `nogniet.${stamp}@example.nl`;
    await registrations.register({ id: later.id }, { firstName: 'N', lastName: 'N', email: notYet }, { source: 'public' });

    const sweep = app.get(EventRemindersProcessor);
    await Promise.all([sweep.process(), sweep.process(), sweep.process()]);
    await sweep.process();

    const deadline = Date.now() + 20_000;
    const reminders = () => sink.received.filter((m) => m.parsed.subject?.startsWith('Herinnering') && emails.includes(m.to[0]));
    while (reminders().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    expect(reminders().map((m) => m.to[0]).sort()).toEqual([emails[0], emails[1]].sort());
    expect(reminders()[0].parsed.attachments.map((a) => a.filename).sort()).toEqual(['check-in.png', 'event.ics']);
    expect(sink.received.filter((m) => m.to.includes(notYet) && m.parsed.subject?.startsWith('Herinnering'))).toHaveLength(0);
  });
});
