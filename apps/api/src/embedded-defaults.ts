import { startEmbeddedPostgres } from '@keyport/database';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface EmbeddedDefaults {
  env: Record<string, string | undefined>;
  /** What was filled in, for the start banner. */
  notes: string[];
  adminLogin?: { email: string; password: string };
  stop(): Promise<void>;
}

export const EMBEDDED_ADMIN_EMAIL = 'admin@keyport.local';

/** A value kept in a file under the data folder: made once, the same on every later start. */
function persisted(dir: string, name: string, make: () => string): string {
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/**
 * The run command's embedded default: with no DATABASE_URL the platform starts a PostgreSQL of its own
 * (data in ./var, kept across restarts) and makes up what a local install needs (a secret, a first admin).
 * With DATABASE_URL set nothing is invented: a real deployment must configure itself.
 */
export async function applyEmbeddedDefaults(source: Record<string, string | undefined>, log: (line: string) => void): Promise<EmbeddedDefaults> {
  const env = { ...source };
  const notes: string[] = [];
  let stop: () => Promise<void> = async () => undefined;
  let adminLogin: EmbeddedDefaults['adminLogin'];

  if (!env.DATABASE_URL?.trim()) {
    const dataDir = resolve(env.DATA_DIR?.trim() || './var');
    mkdirSync(dataDir, { recursive: true });
    const pg = await startEmbeddedPostgres(join(dataDir, 'postgres'), 'keyport', log);
    env.DATABASE_URL = pg.url;
    stop = pg.stop;
    notes.push(`PostgreSQL: embedded, data in ${join(dataDir, 'postgres')} (set DATABASE_URL to use your own)`);
    env.APP_SECRET ||= persisted(dataDir, 'app-secret', () => randomBytes(32).toString('hex'));
    if (!env.ADMIN_EMAIL) {
      env.ADMIN_EMAIL = EMBEDDED_ADMIN_EMAIL;
      env.ADMIN_PASSWORD = persisted(dataDir, 'initial-admin-password', () => randomBytes(9).toString('base64url'));
      adminLogin = { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD };
    }
  }
  notes.push(env.REDIS_URL?.trim() ? 'Queue: Redis (REDIS_URL)' : 'Queue: in this process (set REDIS_URL for Redis and separate workers)');
  notes.push(env.SMTP_URL?.trim() ? 'Mail: SMTP (SMTP_URL)' : 'Mail: kept in the local mailbox, readable at /admin/mail (set SMTP_URL to send)');
  return { env, notes, adminLogin, stop };
}
