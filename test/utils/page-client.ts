import { NestFastifyApplication } from '@nestjs/platform-fastify';

type InjectResponse = Awaited<ReturnType<NestFastifyApplication['inject']>>;

/**
 * A browser without a browser: follows the pages over app.inject() with a cookie jar, and fills the
 * form token (_csrf) from the last page it read, as a person submitting a form would.
 */
export class PageClient {
  private readonly cookies = new Map<string, string>();
  lastHtml = '';

  constructor(private readonly app: NestFastifyApplication) {}

  async get(url: string): Promise<InjectResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: this.cookieHeader() } });
    this.keep(res);
    if (res.headers['content-type']?.toString().includes('text/html')) this.lastHtml = res.body;
    return res;
  }

  async post(url: string, fields: Record<string, string>, options: { csrf?: boolean } = {}): Promise<InjectResponse> {
    const body = new URLSearchParams(fields);
    if (options.csrf !== false) body.set('_csrf', this.csrf());
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader() },
      payload: body.toString(),
    });
    this.keep(res);
    if (res.headers['content-type']?.toString().includes('text/html')) this.lastHtml = res.body;
    return res;
  }

  async login(email: string, password: string): Promise<InjectResponse> {
    await this.get('/login');
    return this.post('/login', { email, password, next: '/' });
  }

  csrf(): string {
    const match = this.lastHtml.match(/name="_csrf" value="([^"]+)"/);
    if (!match) throw new Error('no form token on the last page read');
    return match[1];
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  }

  private keep(res: InjectResponse): void {
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }
}
