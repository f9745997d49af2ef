import { ConflictError, ValidationError } from '@keyport/common';
import {
  AuditService, ContactOrganisationDto, ContactQuery, ContactsService, CONTACT_SORTS, CreateContactDto, KEYPORT_MUNICIPALITIES, OrganisationsService,
  OUTSIDE_REGION, PossibleContactDuplicateError, PROGRAMME_LINES,
} from '@keyport/crm';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { exportQuery, streamExport } from '../../common/export';
import { fieldMap, FormErrors, validateForm } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { list } from '../visits/visit-pages.util';
import { contactColumns } from './contact.columns';

const BASE = '/crm/contacts';

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/contacts')
export class ContactsPagesController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly organisations: OrganisationsService,
    private readonly audit: AuditService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: ContactQuery): Promise<void> {
    const page = await this.contacts.list(query);
    await this.pages.render(req, reply, 'crm/contacts/list', {
      titleKey: 'contacts.title',
      page,
      query,
      municipalities: KEYPORT_MUNICIPALITIES,
      outside: OUTSIDE_REGION,
      sorts: CONTACT_SORTS,
      programmeLines: PROGRAMME_LINES,
      currentUrl: req.url,
      exportQuery: exportQuery(req.url),
    });
  }

  @Get('export')
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: ContactQuery): Promise<void> {
    const lang = resolveLang(req);
    await streamExport(reply, query.format ?? 'csv', 'contacts', contactColumns((k) => this.pages.t(lang, k)), this.contacts.all(query));
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('organisationId') organisationId?: string): Promise<void> {
    await this.renderForm(req, reply, { organisationId: organisationId ?? '', language: 'nl' }, {});
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const { organisationId, role, ...fields } = body;
    const organisations = typeof organisationId === 'string' && organisationId ? [{ organisationId, role: typeof role === 'string' && role ? role : undefined }] : undefined;
    // Unticked checkboxes are not posted: no `interests` means none.
    const { value, errors } = await validateForm(CreateContactDto, { ...fields, organisations, interests: list(fields.interests) });
    if (!value) return this.renderForm(req, reply, body, errors, undefined, 400);
    try {
      const contact = await this.contacts.create(actor, value);
      await this.pages.redirect(req, reply, `${BASE}/${contact.id}`, { type: 'success', key: 'contacts.created', args: { name: `${contact.firstName} ${contact.lastName}` } });
    } catch (error) {
      await this.formError(req, reply, body, error);
    }
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const contact = await this.contacts.get(id);
    if (contact.mergedIntoId) return this.pages.redirect(req, reply, `${BASE}/${contact.mergedIntoId}`, { type: 'info', key: 'contacts.wasMerged' });
    const history = await this.audit.forEntity('contact', id, 1, 20);
    await this.pages.render(req, reply, 'crm/contacts/show', {
      titleKey: 'contacts.one',
      contact,
      subscribed: contact.mailingConsent && !contact.unsubscribedAt,
      history: history.items.map((h) => ({ ...h, changeList: Object.entries(h.changes).map(([field, c]) => ({ field, ...(c as object) })) })),
      isAdmin: actor.role === Role.Admin,
      organisationOptions: await this.organisationOptions(),
      errors: {},
    });
  }

  @Get(':id/edit')
  async editForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const contact = await this.contacts.get(id);
    await this.renderForm(req, reply, { ...contact, mailingConsent: contact.mailingConsent && !contact.unsubscribedAt }, {}, id);
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(CreateContactDto, { ...body, mailingConsent: body.mailingConsent === 'on', interests: list(body.interests) });
    if (!value) return this.renderForm(req, reply, body, errors, id, 400);
    try {
      await this.contacts.update(actor, id, value);
      await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'contacts.saved' });
    } catch (error) {
      await this.formError(req, reply, body, error, id);
    }
  }

  @Post(':id/organisations')
  async addEmployment(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(ContactOrganisationDto, body);
    if (!value) {
      const first = Object.values(errors)[0]?.message ?? '';
      return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'contacts.employmentInvalid', args: { reason: first } });
    }
    await this.contacts.addLink(actor, id, value);
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'contacts.employmentAdded' });
  }

  @Post(':id/organisations/:linkId/end')
  async endEmployment(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('linkId') linkId: string, @Body() body: Record<string, unknown>): Promise<void> {
    try {
      await this.contacts.endLink(actor, id, linkId, String(body.endedOn ?? ''));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'contacts.employmentInvalid', args: { reason: error.fields[0]?.message ?? '' } });
    }
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'contacts.employmentEnded' });
  }

  @Get(':id/merge')
  @Roles(Role.Admin)
  async mergeForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query('q') q?: string): Promise<void> {
    const contact = await this.contacts.get(id);
    const search = typeof q === 'string' && q ? q.slice(0, 200) : contact.lastName;
    const candidates = (await this.contacts.list({ q: search, pageSize: 20 })).items.filter((c) => c.id !== id && !c.erasedAt);
    await this.pages.render(req, reply, 'crm/contacts/merge', { titleKey: 'contacts.merge', contact, candidates, q: search });
  }

  @Post(':id/merge')
  @Roles(Role.Admin)
  async merge(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const mergeId = typeof body.mergeId === 'string' ? body.mergeId : '';
    const gone = await this.contacts.get(mergeId);
    await this.contacts.merge(actor, id, mergeId);
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'contacts.merged', args: { name: gone.name } });
  }

  @Get(':id/personal-data')
  @Roles(Role.Admin)
  async exportPersonalData(@CurrentActor() actor: Actor, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const data = await this.contacts.exportPersonalData(actor, id);
    await reply
      .header('content-disposition', `attachment; filename="personal-data-${id}.json"`)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2));
  }

  @Post(':id/erase')
  @Roles(Role.Admin)
  async erase(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    if (body.confirm !== 'on') return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'error', key: 'contacts.eraseConfirmNeeded' });
    await this.contacts.erase(actor, id);
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'contacts.erased' });
  }

  /** The 200 most recently changed organisations, plus the one asked for (from an organisation's page). */
  private async organisationOptions(selectedId?: string): Promise<{ id: string; name: string }[]> {
    const label = (o: { name: string; municipality: string | null }) => (o.municipality ? `${o.name} (${o.municipality})` : o.name);
    const recent = (await this.organisations.list({ pageSize: 200, sort: 'updated', dir: 'desc' })).items.map((o) => ({ id: o.id, name: label(o) }));
    if (selectedId && !recent.some((o) => o.id === selectedId)) {
      const selected = await this.organisations.get(selectedId).catch(() => null);
      if (selected) recent.unshift({ id: selected.id, name: label(selected) });
    }
    return recent;
  }

  private async formError(req: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, error: unknown, id?: string): Promise<void> {
    if (error instanceof PossibleContactDuplicateError) return this.renderForm(req, reply, body, {}, id, 409, error.duplicates);
    if (error instanceof ValidationError || error instanceof ConflictError) return this.renderForm(req, reply, body, fieldMap(error.fields), id, error instanceof ConflictError ? 409 : 400);
    throw error;
  }

  private async renderForm(req: FastifyRequest, reply: FastifyReply, values: Record<string, unknown>, errors: FormErrors, id?: string, status = 200, duplicates?: unknown[]): Promise<void> {
    await this.pages.render(
      req,
      reply,
      'crm/contacts/form',
      {
        titleKey: id ? 'contacts.edit' : 'contacts.new',
        id,
        values: { ...values, mailingConsent: values.mailingConsent === true || values.mailingConsent === 'on' },
        interestOptions: PROGRAMME_LINES.map((line) => ({ value: line, checked: list(values.interests).includes(line) })),
        errors,
        duplicates,
        organisationOptions: id ? [] : await this.organisationOptions(typeof values.organisationId === 'string' ? values.organisationId : undefined),
      },
      { status },
    );
  }
}
