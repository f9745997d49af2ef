import type { FastifyRequest } from 'fastify';

/** What the encrypted session cookie holds. Nothing else about a user lives in it. */
export interface SessionData {
  uid?: string;
  /** Expiry (epoch seconds), slid forward on use. */
  exp?: number;
  flash?: Flash;
  csrf?: string;
  lang?: 'nl' | 'en';
}

export interface Flash {
  type: 'success' | 'error' | 'info';
  message: string;
}

export const SESSION_IDLE_SECONDS = 8 * 3600;

type SessionLike = { get(key: string): unknown; set(key: string, value: unknown): void; delete(): void; regenerate(keep?: string[]): void };

export function session(req: FastifyRequest): SessionLike {
  return (req as unknown as { session: SessionLike }).session;
}

export function sessionGet<K extends keyof SessionData>(req: FastifyRequest, key: K): SessionData[K] {
  return session(req)?.get(key) as SessionData[K];
}

export function sessionSet<K extends keyof SessionData>(req: FastifyRequest, key: K, value: SessionData[K]): void {
  session(req).set(key, value);
}

export function setFlash(req: FastifyRequest, type: Flash['type'], message: string): void {
  sessionSet(req, 'flash', { type, message });
}

export function takeFlash(req: FastifyRequest): Flash | undefined {
  const flash = sessionGet(req, 'flash');
  if (flash) sessionSet(req, 'flash', undefined);
  return flash;
}

/**
 * The logged-in staff member's id from the session cookie, or undefined when there is none or it is idle
 * for longer than SESSION_IDLE_SECONDS. Slides the idle timeout at most once a minute (re-sealing the
 * cookie on every request would cost for nothing).
 */
export function sessionUserId(req: FastifyRequest): string | undefined {
  if (!session(req)) return undefined;
  const uid = sessionGet(req, 'uid');
  const exp = sessionGet(req, 'exp');
  const now = Math.floor(Date.now() / 1000);
  if (!uid || !exp || exp < now) return undefined;
  if (exp - now < SESSION_IDLE_SECONDS - 60) sessionSet(req, 'exp', now + SESSION_IDLE_SECONDS);
  return uid;
}
