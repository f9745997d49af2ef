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
