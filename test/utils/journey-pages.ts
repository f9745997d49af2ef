import { Browser, BrowserContext, Page } from 'playwright-core';
import { screenshot, seriousA11yViolations } from './browser';
import { ReceivedMail, SmtpSink } from './smtp-sink';

/** A desktop browser context of its own (its own cookies: one person), pages failing fast. */
export async function personIn(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Logs in through the login page, as a person would. */
export async function logIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('E-mailadres').fill(email);
  await page.getByLabel('Wachtwoord').fill(password);
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.waitForURL(`${base}/`);
}

/** Keeps test-artifacts/journeys-<name>.png and asserts no serious or critical WCAG 2.1 A/AA violation on the page. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, `journeys-${name}`);
  expect([name, await seriousA11yViolations(page)]).toEqual([name, []]);
}

/** The first mail to `to` whose subject starts with `subject`, waiting for it to arrive at the sink. */
export async function mailTo(sink: SmtpSink, to: string, subject: string, timeoutMs = 20_000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = sink.to(to).find((m) => (m.parsed.subject ?? '').startsWith(subject));
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = sink.to(to).map((m) => m.parsed.subject);
      throw new Error(`no mail "${subject}…" to ${to} within ${timeoutMs} ms (got: ${JSON.stringify(seen)})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The HTML of a mail with the entities Handlebars writes in attributes undone, for reading links. */
export function mailHtml(mail: ReceivedMail): string {
  return String(mail.parsed.html || '').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').replace(/&#x27;/g, "'").replace(/&quot;/g, '"');
}

/** The dashboard figure of a target (its data-value) on the page now. */
export async function figure(page: Page, targetId: string): Promise<number> {
  return Number(await page.locator(`#figure-${targetId}`).getAttribute('data-value'));
}
