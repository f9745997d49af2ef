import { formatDateTime } from '@keyport/common';
import { MailTemplatesService, SegmentsService } from '@keyport/mailings';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Lang } from '../pages/page-renderer';

export interface Choice {
  id: string;
  label: string;
  selected: boolean;
}

/** The choices of the mailing form: templates, upcoming published events, saved segments. */
@Injectable()
export class MailingChoices {
  constructor(
    private readonly dataSource: DataSource,
    private readonly templates: MailTemplatesService,
    private readonly segments: SegmentsService,
  ) {}

  async templateChoices(selected: string): Promise<Choice[]> {
    const page = await this.templates.list({ pageSize: 200 });
    return page.items.map((t) => ({ id: t.id, label: t.name, selected: t.id === selected }));
  }

  /** Published events that have not ended, and the one already chosen (whatever its state). */
  async eventChoices(selected: string, lang: Lang): Promise<Choice[]> {
    const chosen = /^[0-9a-f-]{36}$/i.test(selected) ? selected : null;
    const rows: { id: string; title: string; starts_at: Date }[] = await this.dataSource.query(
      `SELECT id, title, starts_at FROM events
        WHERE (status = 'published' AND ends_at > now()) OR id = $1::uuid
        ORDER BY starts_at, id LIMIT 200`,
      [chosen],
    );
    return rows.map((e) => ({ id: e.id, label: `${e.title} (${formatDateTime(e.starts_at, lang, false)})`, selected: e.id === selected }));
  }

  async segmentChoices(selected: string): Promise<Choice[]> {
    const page = await this.segments.list({ pageSize: 200 });
    return page.items.map((s) => ({ id: s.id, label: s.name, selected: s.id === selected }));
  }
}
