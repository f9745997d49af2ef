import { escapeLike, NotFoundError, Page, pageOf, pageWindow } from '@keyport/common';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { audienceSql } from './audience';
import { AudienceFiltersDto, CreateSegmentDto, NameQueryDto, UpdateSegmentDto } from './mailing.dto';
import { SkipReason } from './mailings.constants';
import { isUuid } from './templates.service';

export interface SegmentView {
  id: string;
  name: string;
  filters: AudienceFiltersDto;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AudienceMember {
  contactId: string;
  name: string;
  email: string;
  language: 'nl' | 'en';
  organisation: string | null;
}

/** Who an audience reaches now: counted in PostgreSQL, with a sample of those in. */
export interface AudiencePreview {
  /** Distinct email addresses matching the filters. */
  matched: number;
  /** Of those, the addresses a mailing would go to. */
  eligible: number;
  /** Of those matched, the addresses left out, by reason. */
  excluded: Record<Exclude<SkipReason, 'erased' | 'cancelled'>, number> & { total: number };
  sample: AudienceMember[];
}

/** Saved audiences (filters) and the live count of any audience. */
@Injectable()
export class SegmentsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: NameQueryDto): Promise<Page<SegmentView>> {
    const w = pageWindow(query.page, query.pageSize);
    const params: unknown[] = [];
    let where = '';
    if (query.q) {
      params.push(`%${escapeLike(query.q)}%`);
      where = `WHERE s.name ILIKE $1`;
    }
    const [rows, count] = await Promise.all([
      this.dataSource.query(
        `SELECT s.*, u.name AS creator FROM segments s LEFT JOIN users u ON u.id = s.created_by ${where}
          ORDER BY s.name, s.id LIMIT ${w.pageSize} OFFSET ${w.offset}`,
        params,
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM segments s ${where}`, params),
    ]);
    return pageOf(rows.map(toView), count[0].n, w.page, w.pageSize);
  }

  async get(id: string): Promise<SegmentView> {
    if (!isUuid(id)) throw new NotFoundError('Segment');
    const rows = await this.dataSource.query(`SELECT s.*, u.name AS creator FROM segments s LEFT JOIN users u ON u.id = s.created_by WHERE s.id = $1`, [id]);
    if (!rows.length) throw new NotFoundError('Segment');
    return toView(rows[0]);
  }

  async create(actor: Actor, dto: CreateSegmentDto): Promise<SegmentView> {
    const rows = await this.dataSource.query(`INSERT INTO segments (name, filters, created_by) VALUES ($1, $2, $3) RETURNING id`, [
      dto.name,
      JSON.stringify(cleanFilters(dto.filters)),
      actor.id,
    ]);
    return this.get(rows[0].id);
  }

  async update(id: string, dto: UpdateSegmentDto): Promise<SegmentView> {
    const current = await this.get(id);
    await this.dataSource.query(`UPDATE segments SET name = $2, filters = $3, updated_at = now() WHERE id = $1`, [
      id,
      dto.name ?? current.name,
      JSON.stringify(cleanFilters(dto.filters ?? current.filters)),
    ]);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.dataSource.query(`DELETE FROM segments WHERE id = $1`, [id]);
  }

  /** The audience these filters reach now (with `eventId`, the registration filter applies to that event). */
  async preview(filters: AudienceFiltersDto, eventId: string | null, sampleSize = 10): Promise<AudiencePreview> {
    const audience = audienceSql(filters, eventId);
    const [counts] = await this.dataSource.query(
      `SELECT count(*)::int AS matched,
              count(*) FILTER (WHERE skip IS NULL)::int AS eligible,
              count(*) FILTER (WHERE skip = 'no_consent')::int AS no_consent,
              count(*) FILTER (WHERE skip = 'unsubscribed')::int AS unsubscribed,
              count(*) FILTER (WHERE skip = 'bounced')::int AS bounced
         FROM (${audience.sql}) a`,
      audience.params,
    );
    const sample = await this.members(filters, eventId, sampleSize);
    return {
      matched: counts.matched,
      eligible: counts.eligible,
      excluded: {
        no_consent: counts.no_consent,
        unsubscribed: counts.unsubscribed,
        bounced: counts.bounced,
        total: counts.matched - counts.eligible,
      },
      sample,
    };
  }

  /** The first `limit` addresses a mailing to this audience would go to, by name. */
  async members(filters: AudienceFiltersDto, eventId: string | null, limit: number, contactId?: string): Promise<AudienceMember[]> {
    const audience = audienceSql(filters, eventId);
    const params = [...audience.params, limit];
    let only = '';
    if (contactId) {
      params.push(contactId);
      only = `AND a.contact_id = $${params.length}`;
    }
    const rows = await this.dataSource.query(
      `SELECT a.contact_id, a.first_name, a.last_name, a.email, a.language,
              (SELECT o.name FROM contact_organisations co JOIN organisations o ON o.id = co.organisation_id
                WHERE co.contact_id = a.contact_id AND co.ended_on IS NULL ORDER BY co.started_on DESC NULLS LAST, co.created_at DESC LIMIT 1) AS organisation
         FROM (${audience.sql}) a
        WHERE a.skip IS NULL ${only}
        ORDER BY a.last_name, a.first_name, a.email
        LIMIT $${audience.params.length + 1}`,
      params,
    );
    return rows.map((r: Record<string, string>) => ({
      contactId: r.contact_id,
      name: `${r.first_name} ${r.last_name}`.trim(),
      email: r.email,
      language: r.language as 'nl' | 'en',
      organisation: r.organisation ?? null,
    }));
  }
}

/** Drops empty filters, so a saved segment shows only what was chosen. */
export function cleanFilters(filters: AudienceFiltersDto | undefined): AudienceFiltersDto {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filters ?? {})) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    if (key === 'attendance' && typeof value === 'object' && !('mode' in (value as object))) continue;
    out[key] = key === 'attendance' ? cleanFilters(value as AudienceFiltersDto) : value;
  }
  return out as AudienceFiltersDto;
}

function toView(r: Record<string, unknown>): SegmentView {
  return {
    id: r.id as string,
    name: r.name as string,
    filters: r.filters as AudienceFiltersDto,
    createdBy: (r.creator as string) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}
