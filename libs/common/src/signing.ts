import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, purpose-bound tokens for links and API logins: base64url(JSON payload) + '.' + HMAC-SHA256.
 * A token signed for one purpose (say 'cancel') is refused for another ('unsubscribe').
 */
export class TokenSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('signing secret must have at least 32 characters');
  }

  sign(purpose: string, payload: Record<string, unknown>, ttlSeconds?: number): string {
    const body: Record<string, unknown> = { ...payload, p: purpose };
    if (ttlSeconds !== undefined) body.exp = Math.floor(Date.now() / 1000) + ttlSeconds;
    const encoded = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${encoded}.${this.mac(encoded)}`;
  }

  /** The payload when the token is intact, of this purpose and not expired; otherwise null. */
  verify<T extends Record<string, unknown>>(purpose: string, token: string | undefined | null): T | null {
    if (typeof token !== 'string' || token.length > 4096) return null;
    const [encoded, mac, extra] = token.split('.');
    if (!encoded || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(encoded));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (body.p !== purpose) return null;
    if (typeof body.exp === 'number' && body.exp < Date.now() / 1000) return null;
    const { p: _p, exp: _exp, ...payload } = body;
    return payload as T;
  }

  private mac(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}
