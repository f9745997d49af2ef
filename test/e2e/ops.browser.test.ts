import { loadConfig } from '@keyport/config';
import { MailService } from '@keyport/mail';
import { Role } from '@keyport/users';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { TEST_SECRET } from '../utils/app';
import { describeWithBrowser, describeWithBrowserAndRedis, screenshot, seriousA11yViolations, startBrowserApp } from '../utils/browser';
import { newUser, TEST_PASSWORD } from '../utils/factories';
import { testDatabaseUrl, testRedisUrl } from '../utils/services';
import { SmtpSink } from '../utils/smtp-sink';

async function logIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('E-mailadres').fill(email);
  await page.getByLabel('Wachtwoord').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.waitForURL(`${base}/`);
}

/** Collects what the browser refused under the page's Content Security Policy. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) seen.push(msg.text());
  });
  return seen;
}

describeWithBrowser('queue page in a real browser, jobs in process', () => {
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ app, browser, base } = await startBrowserApp());
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows an admin the in-process counts, reached from the menu, without serious accessibility faults', async () => {
    const admin = await newUser(app, Role.Admin);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    await logIn(page, base, admin.email);
    await page.getByRole('link', { name: 'Wachtrijen' }).click();
    await page.waitForURL(`${base}/admin/queues`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Wachtrijen');
    expect(await page.locator('tbody tr').count()).toBe(3);
    await screenshot(page, 'desktop-ops-queues-in-process');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});


describeWithBrowserAndRedis('bull-board in a real browser (BullMQ on Redis)', () => {
  const prefix = `test-ops-browser-${process.pid}-${Date.now()}`;
  const refusedOnce = `browser-retry-${Date.now()}@example.nl`;
  let app: NestFastifyApplication;
  let worker: INestApplicationContext;
  let browser: Browser;
  let base: string;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink({ refuse: (_n, to, attemptTo) => (to[0] === refusedOnce && attemptTo === 1 ? { code: 550, message: '5.7.1 refused for this test' } : undefined) }).start();
    const env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, SMTP_URL: sink.url };
    ({ app, browser, base } = await startBrowserApp(env));
    worker = await NestFactory.createApplicationContext(
      WorkerAppModule.forRoot(loadConfig({ NODE_ENV: 'test', DATABASE_URL: testDatabaseUrl(), APP_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env })),
      { logger: false },
    );
    await worker.init();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await app?.close();
    await sink?.stop();
  });

  it('renders the dashboard under its CSP, lists the three queues and retries a failed job from the UI', async () => {
    const admin = await newUser(app, Role.Admin);
    await app.get(DataSource).transaction((manager) =>
      app.get(MailService).queue(manager, { template: 'test-mail', lang: 'nl', to: refusedOnce, data: { sender: 'Ops Browser Test', sentAt: new Date() } }),
    );
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    const violations = cspViolations(page);
    await logIn(page, base, admin.email);

    await page.goto(`${base}/admin/queues`);
    for (const queue of ['mail', 'imports', 'mailings']) await page.getByRole('link', { name: queue, exact: true }).first().waitFor();
    await screenshot(page, 'desktop-ops-bull-board');

    // The failed job (550 on its first and only attempt), retried with the UI's own button.
    const deadline = Date.now() + 20_000;
    while (sink.attemptsTo(refusedOnce) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    await page.goto(`${base}/admin/queues/queue/mail?status=failed`);
    await page.getByText('550 5.7.1 refused for this test').first().waitFor();
    await screenshot(page, 'desktop-ops-bull-board-failed');
    // The queue is this test's own (its prefix): "Retry all" retries just this job, through the UI's fetch (Origin checked).
    await page.getByRole('button', { name: 'Retry all' }).click();
    const confirm = page.getByRole('alertdialog').getByRole('button', { name: /Retry|Confirm|OK/i });
    await confirm.first().click({ timeout: 3_000 }).catch(() => undefined);
    await sink.waitForTo(refusedOnce, 1, 20_000);
    expect(sink.attemptsTo(refusedOnce)).toBe(2);
    expect(violations).toEqual([]);
  });
});
