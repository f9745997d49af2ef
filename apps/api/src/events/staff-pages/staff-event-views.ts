import { KEYPORT_MUNICIPALITIES, OrganisationsService } from '@keyport/crm';
import { EDUCATION_LEVELS, EventsService, GROUP_PARTICIPANT_TYPES, GroupAttendanceService, PARTICIPANT_TYPES, REGISTRATION_STATUSES, RegistrationsService } from '@keyport/events';
import { Actor } from '@keyport/users';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FormErrors } from '../../common/validation';
import { PageRenderer } from '../../pages/page-renderer';
import { RegistrationListQuery } from '../events.api.controller';
import { BASE, canWrite, editable, filtersOf, questionInputs, registrationRow } from './staff-views';

export interface CheckInQuery {
  q?: string;
  page?: number;
}

/** Forms on the check-in page, each with its own values (errors are keyed by the form's field names). */
export interface CheckInForms {
  walkIn?: Record<string, unknown>;
  group?: Record<string, unknown>;
  code?: string;
}

/**
 * The two pages that staff forms post back to with errors (the event page and the check-in page),
 * built in one place so that a failed form shows the very page it was on.
 */
@Injectable()
export class StaffEventViews {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly groups: GroupAttendanceService,
    private readonly organisations: OrganisationsService,
    private readonly pages: PageRenderer,
  ) {}

  async renderShow(
    actor: Actor, req: FastifyRequest, reply: FastifyReply, id: string, query: RegistrationListQuery, values: Record<string, unknown> = {}, errors: FormErrors = {}, status = 200,
  ): Promise<void> {
    const event = await this.events.get(id);
    const [stats, registrations, groups] = await Promise.all([
      this.events.stats(id),
      this.registrations.list(id, { q: query.q, status: query.status, page: query.page, pageSize: query.pageSize ?? 50 }),
      this.groups.list(id),
    ]);
    const writer = canWrite(actor);
    await this.pages.render(
      req,
      reply,
      'events/staff/show',
      {
        titleKey: 'events.one',
        event,
        stats,
        groups,
        page: registrations,
        rows: registrations.items.map((r) => registrationRow(event, r)),
        query,
        statuses: REGISTRATION_STATUSES,
        participantTypes: PARTICIPANT_TYPES,
        municipalities: KEYPORT_MUNICIPALITIES,
        questionInputs: questionInputs(event, values, errors),
        values: { participantType: 'entrepreneur', ...values },
        errors,
        canWrite: writer,
        canPublish: writer && event.status === 'draft',
        canClose: writer && event.status === 'published' && event.open,
        canCancel: writer && (event.status === 'draft' || event.status === 'published'),
        canHold: writer && event.status === 'published',
        canEdit: writer && editable(event),
        canRegister: writer && editable(event),
        canCheckIn: writer && (event.status === 'published' || event.status === 'held'),
        hasActions: writer && editable(event),
        exportQuery: filtersOf(req),
        currentUrl: req.url,
        back: ownUrl(req),
      },
      { status },
    );
  }

  async renderCheckIn(
    actor: Actor, req: FastifyRequest, reply: FastifyReply, id: string, query: CheckInQuery, forms: CheckInForms = {}, errors: FormErrors = {}, status = 200,
  ): Promise<void> {
    const event = await this.events.get(id);
    const q = typeof query.q === 'string' ? query.q.slice(0, 200) : '';
    const [stats, found, groups, schools] = await Promise.all([
      this.events.stats(id),
      this.registrations.list(id, { q, page: Number(query.page) || 1, pageSize: 20 }),
      this.groups.list(id),
      this.organisations.list({ type: 'education', pageSize: 200, sort: 'name', dir: 'asc' }),
    ]);
    await this.pages.render(
      req,
      reply,
      'events/staff/check-in',
      {
        titleKey: 'events.checkIn.title',
        event,
        stats,
        present: stats.attended,
        expected: stats.confirmed + stats.attended,
        q,
        page: found,
        rows: found.items.map((r) => registrationRow(event, r)),
        groups,
        groupTotal: groups.reduce((n, g) => n + g.headcount, 0),
        schools: schools.items.map((o) => o.name),
        groupTypes: GROUP_PARTICIPANT_TYPES,
        levels: EDUCATION_LEVELS,
        walkIn: forms.walkIn ?? {},
        group: { groupParticipantType: 'pupil', groupEducationLevel: 'vmbo', ...(forms.group ?? {}) },
        code: forms.code ?? '',
        questionInputs: questionInputs(event, forms.walkIn ?? {}, errors),
        errors,
        canWrite: canWrite(actor),
        open: event.status === 'published' || event.status === 'held',
        currentUrl: req.url,
        back: ownUrl(req),
        base: `${BASE}/${id}/check-in`,
      },
      { status },
    );
  }
}

/** This page's address without the language switch, for forms to come back to. */
function ownUrl(req: FastifyRequest): string {
  const url = new URL(req.url, 'http://x');
  url.searchParams.delete('lang');
  const rest = url.searchParams.toString();
  return rest ? `${url.pathname}?${rest}` : url.pathname;
}
