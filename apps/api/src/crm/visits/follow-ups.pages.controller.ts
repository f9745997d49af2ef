import { KEYPORT_MUNICIPALITIES, OUTSIDE_REGION, PROGRAMME_LINES } from '@keyport/crm';
import { CompanyVisitsService, FOLLOW_UP_SORTS, FOLLOW_UP_STATUSES, FollowUpQuery, FollowUpsService, FollowUpView, UpdateFollowUpDto } from '@keyport/crm/visits';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { exportQuery, streamExport } from '../../common/export';
import { FormErrors, validateForm } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { followUpColumns } from './visits.columns';
import { fieldsOf, formErrors, returnPath, Translate } from './visit-pages.util';

const BASE = '/crm/follow-ups';

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/follow-ups')
export class FollowUpsPagesController {
  constructor(
    private readonly followUps: FollowUpsService,
    private readonly visits: CompanyVisitsService,
    private readonly pages: PageRenderer,
  ) {}

  /** Open follow-ups unless another status is chosen ("all" shows every one). */
  @Get()
  async list(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const filters = { status: 'open', ...raw };
    const { value: query, errors } = await validateForm(FollowUpQuery, filters);
    const [page, staff] = await Promise.all([query ? this.followUps.list(actor, query) : undefined, this.visits.staff()]);
    await this.pages.render(
      req,
      reply,
      'crm/follow-ups/list',
      {
        titleKey: 'visits.followUpsTitle',
        page,
        query: filters,
        errors: formErrors(errors, this.t(req)),
        staff,
        statuses: FOLLOW_UP_STATUSES,
        municipalities: KEYPORT_MUNICIPALITIES,
        outside: OUTSIDE_REGION,
        programmeLines: PROGRAMME_LINES,
        sorts: FOLLOW_UP_SORTS,
        currentUrl: req.url,
        exportQuery: exportQuery(withDefaultStatus(req.url)),
      },
      { status: query ? 200 : 400 },
    );
  }

  @Get('export')
  async export(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const { value: query, errors } = await validateForm(FollowUpQuery, raw);
    if (!query) return this.pages.renderError(req, reply, 400, Object.values(errors).map((e) => e.message).join('; '));
    await streamExport(reply, query.format ?? 'csv', 'follow-ups', followUpColumns(this.t(req)), this.followUps.all(actor, query));
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const action = await this.followUps.get(actor, id);
    await this.render(req, reply, action, { description: action.description, assigneeId: action.assigneeId, dueOn: action.dueOn ?? '' }, {});
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const action = await this.followUps.get(actor, id);
    const { value, errors } = await validateForm(UpdateFollowUpDto, { description: body.description ?? '', assigneeId: body.assigneeId, dueOn: body.dueOn ?? '' });
    let problems = formErrors(errors, this.t(req));
    if (value) {
      try {
        await this.followUps.update(actor, id, value);
        return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'visits.followUpSaved' });
      } catch (error) {
        const fields = fieldsOf(error);
        if (!fields) throw error;
        problems = formErrors(fields, this.t(req));
      }
    }
    await this.render(req, reply, action, body, problems, 400);
  }

  /** The small "done" form of a list row, the home page or the follow-up's page; back to where it was. */
  @Post(':id/done')
  async done(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const action = await this.followUps.markDone(actor, id);
    await this.pages.redirect(req, reply, returnPath(body.returnTo, `${BASE}/${id}`), { type: 'success', key: 'visits.markedDone', args: { description: action.description } });
  }

  @Post(':id/undone')
  async undone(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const action = await this.followUps.markUndone(actor, id);
    await this.pages.redirect(req, reply, returnPath(body.returnTo, `${BASE}/${id}`), { type: 'success', key: 'visits.markedUndone', args: { description: action.description } });
  }

  private t(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private async render(req: FastifyRequest, reply: FastifyReply, action: FollowUpView, values: Record<string, unknown>, errors: FormErrors, status = 200): Promise<void> {
    await this.pages.render(
      req,
      reply,
      'crm/follow-ups/show',
      { titleKey: 'visits.followUpOne', action, values, errors, staff: await this.visits.staff(), currentUrl: req.url },
      { status },
    );
  }
}

/** The list's URL with the status it shows by default made explicit (for the export links). */
function withDefaultStatus(url: string): string {
  const parsed = new URL(url, 'http://x');
  if (!parsed.searchParams.has('status')) parsed.searchParams.set('status', 'open');
  return `${parsed.pathname}${parsed.search}`;
}
