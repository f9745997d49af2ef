/**
 * Which real services the tests use, decided once by the global setup and handed to the test files
 * through environment variables:
 *   TEST_DATABASE_URL  a fresh database with every migration applied
 *   TEST_PG_SERVER_URL the server's maintenance database, to create more databases
 *   TEST_REDIS_URL     Redis, or empty when none could be found (TEST_REDIS_MISSING says why)
 */
export const testDatabaseUrl = (): string => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  return url;
};

export const pgServerUrl = (): string => process.env.TEST_PG_SERVER_URL as string;

export const testRedisUrl = (): string | undefined => process.env.TEST_REDIS_URL || undefined;

/** describe() for tests that need Redis: skipped, saying why, only where no Redis exists at all. */
export const describeWithRedis = (name: string, fn: () => void): void => {
  if (testRedisUrl()) return describe(name, fn);
  // Skipped on purpose: no Redis on this machine (the global setup fails instead when CI=true).
  describe.skip(`${name} [skipped: ${process.env.TEST_REDIS_MISSING}]`, fn);
};

export function databaseUrlFor(database: string): string {
  const url = new URL(pgServerUrl());
  url.pathname = `/${database}`;
  return url.toString();
}
