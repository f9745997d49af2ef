import { ConfigError, loadConfig } from './config';

const base = { APP_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://u@localhost:5432/db' };

describe(loadConfig.name, () => {
  it('fills defaults for an otherwise empty environment', () => {
    const sut = loadConfig(base);
    expect(sut.app.port).toBe(3000);
    expect(sut.app.url).toBe('http://localhost:3000');
    expect(sut.app.workerInProcess).toBe(true);
    expect(sut.redis.url).toBeUndefined();
    expect(sut.mail.smtpUrl).toBeUndefined();
    expect(sut.app.rateLimitPerMinute).toBe(60);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: '' }, 'DATABASE_URL'],
    [{ APP_SECRET: 'short' }, 'APP_SECRET'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'nobody' }, 'MAIL_FROM'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ ADMIN_EMAIL: 'a@b.nl' }, 'ADMIN_PASSWORD'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ METRICS_TOKEN: 'too-short' }, 'METRICS_TOKEN'],
    [{ METRICS_PORT: 'ninety' }, 'METRICS_PORT'],
  ])('refuses %j naming %s', (override, variable) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...override });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('keeps the worker out of the API process when Redis is configured', () => {
    const sut = loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379', SMTP_URL: 'smtp://localhost:1025' });
    expect(sut.app.workerInProcess).toBe(false);
    expect(sut.mail.smtpUrl).toBe('smtp://localhost:1025');
  });

  it('accepts RATE_LIMIT_PER_MINUTE=0 to switch rate limits off', () => {
    expect(loadConfig({ ...base, RATE_LIMIT_PER_MINUTE: '0' }).app.rateLimitPerMinute).toBe(0);
  });
});
