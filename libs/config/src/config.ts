/**
 * The platform's configuration: read from environment variables once, validated, typed.
 * A missing or wrong value raises ConfigError naming the variable; the process prints that line and stops.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

export interface AppConfig {
  app: {
    env: 'development' | 'production' | 'test';
    port: number;
    url: string;
    secret: string;
    trustProxy: boolean;
    rateLimitPerMinute: number;
    loginRateLimitPerMinute: number;
    logLevel: string;
    /** Run the queue processors inside the API process (always so without Redis). */
    workerInProcess: boolean;
    adminEmail?: string;
    adminPassword?: string;
    dataDir: string;
  };
  db: { url: string; poolSize: number };
  /** jobLockSeconds: how long a running job stays locked to its worker without a sign of life (a dead worker's jobs run again after it). */
  redis: { url?: string; prefix: string; jobLockSeconds: number };
  mail: {
    smtpUrl?: string;
    from: string;
    /** Bulk mailings send at most this many messages per second, over all workers. */
    ratePerSecond: number;
    /** How long a recipient being sent stays claimed before another worker may try it (a worker died mid-send). */
    leaseSeconds: number;
  };
  /** Prometheus metrics (README, Operations): off unless METRICS_TOKEN (API) or METRICS_PORT (worker) is set. */
  metrics: { token?: string; port?: number };
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function required(env: Env, name: string, hint: string): string {
  const v = str(env, name);
  if (v === undefined) throw new ConfigError(name, `is missing: ${hint}`);
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[], value?: string): string | undefined {
  const raw = value ?? str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL (${protocols.join(' or ')})`);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}://`).join(' or ')}, got ${parsed.protocol}//`);
  }
  return raw;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function mailFrom(env: Env): string {
  const raw = str(env, 'MAIL_FROM') ?? 'Keyport 2020 <noreply@keyport2020.nl>';
  const address = raw.match(/<([^>]+)>\s*$/)?.[1] ?? raw;
  if (!EMAIL.test(address)) throw new ConfigError('MAIL_FROM', `must be an email address or "Name <address>", got "${raw}"`);
  return raw;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnv}"`);
  }
  const port = int(env, 'PORT', 3000, 0, 65535);
  const appUrl = (url(env, 'APP_URL', ['http', 'https']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const secret = required(env, 'APP_SECRET', 'set a random string of at least 32 characters (e.g. `openssl rand -hex 32`)');
  if (secret.length < 32) throw new ConfigError('APP_SECRET', `must have at least 32 characters, got ${secret.length}`);
  const dbUrl = url(env, 'DATABASE_URL', ['postgres', 'postgresql']);
  if (!dbUrl) throw new ConfigError('DATABASE_URL', 'is missing: set postgres://user:password@host:5432/database');
  const redisUrl = url(env, 'REDIS_URL', ['redis', 'rediss']);
  const smtpUrl = url(env, 'SMTP_URL', ['smtp', 'smtps']);
  const adminEmail = str(env, 'ADMIN_EMAIL');
  if (adminEmail !== undefined && !EMAIL.test(adminEmail)) throw new ConfigError('ADMIN_EMAIL', `must be an email address, got "${adminEmail}"`);
  const adminPassword = str(env, 'ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 10) throw new ConfigError('ADMIN_PASSWORD', 'must have at least 10 characters');
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'is missing: ADMIN_EMAIL and ADMIN_PASSWORD go together');
  }
  const metricsToken = str(env, 'METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN', `must have at least 16 characters, got ${metricsToken.length}`);
  const metricsPort = str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535);
  return {
    app: {
      env: nodeEnv as AppConfig['app']['env'],
      port,
      url: appUrl,
      secret,
      trustProxy: bool(env, 'TRUST_PROXY', false),
      rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
      loginRateLimitPerMinute: int(env, 'LOGIN_RATE_LIMIT_PER_MINUTE', 10, 0, 1_000_000),
      logLevel: str(env, 'LOG_LEVEL') ?? 'info',
      workerInProcess: redisUrl === undefined ? true : bool(env, 'WORKER_IN_PROCESS', false),
      adminEmail,
      adminPassword,
      dataDir: str(env, 'DATA_DIR') ?? './var',
    },
    db: { url: dbUrl, poolSize: int(env, 'DB_POOL_SIZE', 10, 1, 500) },
    redis: { url: redisUrl, prefix: str(env, 'QUEUE_PREFIX') ?? 'keyport', jobLockSeconds: int(env, 'JOB_LOCK_SECONDS', 30, 5, 600) },
    mail: { smtpUrl, from: mailFrom(env), ratePerSecond: int(env, 'MAIL_RATE_PER_SECOND', 10, 1, 10_000), leaseSeconds: int(env, 'MAIL_LEASE_SECONDS', 120, 5, 3600) },
    metrics: { token: metricsToken, port: metricsPort },
  };
}
