import { testRedisUrl } from './services';
import AxeBuilder from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Browser, chromium, Page } from 'playwright-core';
import { createTestApp } from './app';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');

/** describe() for browser tests: skipped, saying why, only where Chromium is not installed (never in CI). */
export const describeWithBrowser = (name: string, fn: () => void): void => {
  if (existsSync(CHROMIUM)) return describe(name, fn);
  if (process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} for the browser tests (.ci/run installs it)`);
  // Skipped on purpose: no Chromium here (apt-get install chromium, or set CHROMIUM_PATH).
  describe.skip(`${name} [skipped: no Chromium at ${CHROMIUM}]`, fn);
};

/**
 * describe() for browser tests that also need Redis (BullMQ): skipped, saying why, only where Redis is
 * missing (global-setup fails in CI before that can happen).
 */
export const describeWithBrowserAndRedis = (name: string, fn: () => void): void => {
  if (testRedisUrl()) return describeWithBrowser(name, fn);
  // Skipped on purpose: no Redis reachable here (the reason comes from global-setup).
  describe.skip(`${name} [skipped: ${process.env.TEST_REDIS_MISSING}]`, fn);
};

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Frames hold third-party content (a mail's own HTML, sandboxed without scripts): not our pages.
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ iframes: false }).setLegacyMode(true).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Keeps a screenshot of what a person sees as a test artefact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The whole app listening on 127.0.0.1 (a free port) and a Chromium to drive it. */
export async function startBrowserApp(env: Record<string, string | undefined> = {}): Promise<{ app: NestFastifyApplication; browser: Browser; base: string }> {
  const app = await createTestApp(env);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, browser: await launchBrowser(), base };
}
