import { ConflictError, ValidationError } from '@keyport/common';
import {
  AuditService, CreateOrganisationDto, KEYPORT_MUNICIPALITIES, ORGANISATION_SORTS, ORGANISATION_TYPES, OrganisationQuery, OrganisationsService,
  OUTSIDE_REGION, PossibleDuplicateError, SIZE_CLASSES, ContactsService,
} from '@keyport/crm';
import { Actor, Role, UsersService } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { exportQuery, streamExport } from '../../common/export';
import { fieldMap, FormErrors, validateForm } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { organisationColumns } from './organisation.columns';

const BASE = '/crm/organisations';

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/organisations')
export class OrganisationsPagesController {
  constructor(
    private readonly organisations: OrganisationsService,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: OrganisationQuery): Promise<void> {
    const [page, facets, staff] = await Promise.all([this.organisations.list(query), this.organisations.facets(), this.users.staffOptions()]);
    await this.pages.render(req, reply, 'crm/organisations/list', {
      titleKey: 'organisations.title',
      page,
      query,
      facets,
      staff,
      types: ORGANISATION_TYPES,
      municipalities: KEYPORT_MUNICIPALITIES,
      outside: OUTSIDE_REGION,
      sorts: ORGANISATION_SORTS,
      currentUrl: req.url,
      exportQuery: exportQuery(req.url),
    });
  }

  @Get('export')
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: OrganisationQuery): Promise<void> {
    const lang = resolveLang(req);
    await streamExport(reply, query.format ?? 'csv', 'organisations', organisationColumns((k) => this.pages.t(lang, k)), this.organisations.all(query));
  }

  @Get('new')
  async newForm(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.renderForm(req, reply, { type: 'company', accountManagerId: actor.role === Role.AccountManager ? actor.id : '' }, {});
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(CreateOrganisationDto, body);
    if (!value) return this.renderForm(req, reply, body, errors, undefined, 400);
    try {
      const org = await this.organisations.create(actor, value);
      await this.pages.redirect(req, reply, `${BASE}/${org.id}`, { type: 'success', key: 'organisations.created', args: { name: org.name } });
    } catch (error) {
      await this.formError(req, reply, body, error);
    }
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const org = await this.organisations.get(id);
    if (org.mergedIntoId) return this.pages.redirect(req, reply, `${BASE}/${org.mergedIntoId}`, { type: 'info', key: 'organisations.wasMerged' });
    const [timeline, people, history] = await Promise.all([
      this.organisations.timeline(id),
      this.contacts.list({ organisationId: id, pageSize: 200 }),
      this.audit.forEntity('organisation', id, 1, 20),
    ]);
    await this.pages.render(req, reply, 'crm/organisations/show', {
      titleKey: 'organisations.one',
      org,
      timeline,
      people: people.items,
      history: history.items.map((h) => ({ ...h, changeList: Object.entries(h.changes).map(([field, c]) => ({ field, ...(c as object) })) })),
      canMerge: actor.role === Role.Admin,
    });
  }

  @Get(':id/edit')
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const org = await this.organisations.get(id);
    await this.renderForm(req, reply, { ...org, tags: org.tags.join(', ') }, {}, id);
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(CreateOrganisationDto, body);
    if (!value) return this.renderForm(req, reply, body, errors, id, 400);
    try {
      await this.organisations.update(actor, id, { ...value, tags: value.tags ?? [] });
      await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'organisations.saved' });
    } catch (error) {
      await this.formError(req, reply, body, error, id);
    }
  }

  @Post(':id/delete')
  @Roles(Role.Admin)
  async delete(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    try {
      await this.organisations.delete(actor, id);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'organisations.cannotDelete' });
    }
    await this.pages.redirect(req, reply, BASE, { type: 'success', key: 'organisations.deleted' });
  }

  @Get(':id/merge')
  @Roles(Role.Admin)
  async mergeForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('q') q?: string): Promise<void> {
    const org = await this.organisations.get(id);
    const candidates = q ? (await this.organisations.list({ q: String(q).slice(0, 200), pageSize: 20 })).items.filter((o) => o.id !== id) : await this.organisations.similar(id);
    await this.pages.render(req, reply, 'crm/organisations/merge', { titleKey: 'organisations.merge', org, candidates, q });
  }

  @Post(':id/merge')
  @Roles(Role.Admin)
  async merge(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const mergeId = typeof body.mergeId === 'string' ? body.mergeId : '';
    const gone = await this.organisations.get(mergeId);
    await this.organisations.merge(actor, id, mergeId);
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'organisations.merged', args: { name: gone.name } });
  }

  private async formError(req: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, error: unknown, id?: string): Promise<void> {
    if (error instanceof PossibleDuplicateError) return this.renderForm(req, reply, body, {}, id, 409, error.duplicates);
    if (error instanceof ValidationError || error instanceof ConflictError) return this.renderForm(req, reply, body, fieldMap(error.fields), id, error instanceof ConflictError ? 409 : 400);
    throw error;
  }

  private async renderForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors: FormErrors, id?: string, status = 200, duplicates?: unknown[]): Promise<void> {
    await this.pages.render(
      req,
      reply,
      'crm/organisations/form',
      {
        titleKey: id ? 'organisations.edit' : 'organisations.new',
        id,
        values,
        errors,
        duplicates,
        types: ORGANISATION_TYPES,
        sizes: SIZE_CLASSES,
        municipalities: KEYPORT_MUNICIPALITIES,
        staff: await this.users.staffOptions(),
      },
      { status },
    );
  }
}
