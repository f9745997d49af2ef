import { escapeLike, NotFoundError, Page, pageOf, pageWindow } from '@keyport/common';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface LocalMailSummary {
  id: string;
  createdAt: Date;
  recipients: string;
  subject: string;
}

export interface LocalMail extends LocalMailSummary {
  sender: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; size: number }[];
}

/** Reads the mail kept in PostgreSQL when no SMTP server is configured. */
@Injectable()
export class LocalMailboxService {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: { q?: string; page?: number; pageSize?: number }): Promise<Page<LocalMailSummary>> {
    const { page, pageSize, offset } = pageWindow(query.page, query.pageSize);
    const where = query.q ? `WHERE recipients ILIKE $1 OR subject ILIKE $1` : '';
    const params = query.q ? [`%${escapeLike(query.q)}%`] : [];
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT id, created_at AS "createdAt", recipients, subject FROM local_mail ${where}
         ORDER BY created_at DESC, id LIMIT ${pageSize} OFFSET ${offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM local_mail ${where}`, params),
    ]);
    return pageOf(items, count[0].n, page, pageSize);
  }

  async get(id: string): Promise<LocalMail> {
    const rows = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.dataSource.query(
          `SELECT id, created_at AS "createdAt", sender, recipients, subject, html, text, headers, attachments FROM local_mail WHERE id = $1`,
          [id],
        )
      : [];
    if (!rows.length) throw new NotFoundError('Message');
    return rows[0];
  }

  async raw(id: string): Promise<Buffer> {
    await this.get(id);
    const rows = await this.dataSource.query(`SELECT raw FROM local_mail WHERE id = $1`, [id]);
    return rows[0].raw;
  }
}
