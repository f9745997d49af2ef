import { AppConfig, loadConfig } from '@keyport/config';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../apps/api/src/setup-app';
import { testDatabaseUrl } from './services';

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** A validated configuration for tests: the run's database, quiet logs, no rate limits unless asked. */
export function testConfig(env: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    APP_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    DB_POOL_SIZE: '5',
    QUEUE_PREFIX: `test-${process.pid}-${Date.now()}`,
    ...env,
  });
}

/** The whole HTTP application, as `npm start` builds it, on a real database. */
export async function createTestApp(env: Record<string, string | undefined> = {}): Promise<NestFastifyApplication> {
  const app = await createApp(testConfig(env));
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
