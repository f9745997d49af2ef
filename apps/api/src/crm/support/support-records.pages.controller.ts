import { ConflictError, FieldError, ValidationError } from '@keyport/common';
import { KEYPORT_MUNICIPALITIES, OUTSIDE_REGION, PROGRAMME_LINES, SUPPORT_KINDS } from '@keyport/crm';
import {
  CreateSupportRecordDto, SupportChoicesService, SupportRecordQuery, SupportRecordsService, UpdateSupportRecordDto,
} from '@keyport/crm/support';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { fieldMap, FormErrors, validateForm } from '../../common/validation';
import { Lang, PageRenderer, resolveLang } from '../../pages/page-renderer';
import { exportSupportRecords } from './support-export';
import { listParams, pick, RECORD_FIELDS, sortHeaders, toArray, today } from './support-form';

/** Rules whose message this feature's catalogue words itself (the others come from validation.*). */
const OWN_RULES = new Set(['isDateOnly', 'endedBeforeStart', 'arrayNotEmpty', 'arrayMaxSize', 'isUuid', 'unknownOrganisation', 'unknownContact', 'erasedContact']);
const NAME_INPUTS = 3;

type FormBody = Record<string, unknown>;

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/support')
export class SupportRecordsPagesController {
  constructor(
    private readonly support: SupportRecordsService,
    private readonly choices: SupportChoicesService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: SupportRecordQuery): Promise<void> {
    const lang = resolveLang(req);
    const [page, organisationChoices, filtered] = await Promise.all([
      this.support.list(query),
      this.choices.organisationChoices(),
      query.organisationId ? this.choices.labelsFor([query.organisationId]) : Promise.resolve([]),
    ]);
    const t = (key: string) => this.pages.t(lang, key);
    await this.pages.render(req, reply, 'crm/support/list', {
      titleKey: 'support.title',
      page,
      query,
      kinds: SUPPORT_KINDS,
      lines: PROGRAMME_LINES,
      municipalities: [...KEYPORT_MUNICIPALITIES, OUTSIDE_REGION],
      organisationChoices,
      filterOrganisation: filtered[0],
      clearOrganisationUrl: `/crm/support?${listParams(query, { organisationId: undefined })}`,
      newUrl: query.organisationId ? `/crm/support/new?organisationId=${encodeURIComponent(query.organisationId)}` : '/crm/support/new',
      exportCsvUrl: `/crm/support/export?${listParams(query, { format: 'csv' })}`,
      exportXlsxUrl: `/crm/support/export?${listParams(query, { format: 'xlsx' })}`,
      headers: sortHeaders(query, [
        { key: 'title', label: t('support.fields.title') },
        { key: 'kind', label: t('support.fields.kind') },
        { key: 'startedOn', label: t('support.fields.startedOn') },
        { key: 'endedOn', label: t('support.fields.endedOn') },
      ]),
      currentUrl: req.url,
    });
  }

  @Get('export')
  async export(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() query: SupportRecordQuery): Promise<void> {
    await exportSupportRecords(reply, this.pages, resolveLang(req), query.format ?? 'csv', this.support.all(query));
  }

  @Get('new')
  async newForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query('organisationId') organisationId?: string): Promise<void> {
    const selected = typeof organisationId === 'string' ? await this.choices.labelsFor([organisationId]) : [];
    await this.renderNew(req, reply, { values: { startedOn: today() }, selected, names: [], contactIds: [], errors: {} });
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: FormBody): Promise<void> {
    const lang = resolveLang(req);
    const checked = toArray(body.organisationIds);
    const names = toArray(body.organisationNames);
    const contactIds = toArray(body.contactIds);
    const resolved = await this.choices.resolveOrganisationLabels(names);
    const nameErrors = this.nameErrors(lang, 'organisationNames', resolved);
    const { value, errors } = await validateForm(CreateSupportRecordDto, {
      ...pick(body, RECORD_FIELDS),
      organisationIds: [...new Set([...checked, ...resolved.ids])],
      contactIds,
    });
    let formErrors: FormErrors = { ...errors, ...nameErrors };
    if (value && !Object.keys(nameErrors).length) {
      try {
        const record = await this.support.create(actor, value);
        return this.pages.redirect(req, reply, `/crm/support/${record.id}`, { type: 'success', key: 'support.created', args: { title: record.title } });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        formErrors = fieldMap(error.fields);
      }
    }
    // Names that were found become ticked organisations; the rest stay in the inputs to correct.
    const selected = await this.choices.labelsFor([...checked, ...resolved.ids]);
    const unresolved = [...resolved.unknown, ...resolved.ambiguous];
    await this.renderNew(req, reply, { values: pick(body, RECORD_FIELDS), selected, names: unresolved, contactIds, errors: formErrors }, 400);
  }

  @Get(':id')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    await this.renderShow(req, reply, id);
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: FormBody): Promise<void> {
    const values = pick(body, RECORD_FIELDS);
    const { value, errors } = await validateForm(UpdateSupportRecordDto, values);
    let formErrors = errors;
    if (value) {
      try {
        await this.support.update(actor, id, value);
        return this.pages.redirect(req, reply, `/crm/support/${id}`, { type: 'success', key: 'support.saved' });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        formErrors = fieldMap(error.fields);
      }
    }
    await this.renderShow(req, reply, id, { values, errors: formErrors }, 400);
  }

  @Post(':id/organisations')
  async addOrganisation(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: FormBody): Promise<void> {
    const lang = resolveLang(req);
    const text = toArray(body.organisationName).slice(0, 1);
    const resolved = await this.choices.resolveOrganisationLabels(text);
    const errors: FormErrors = text.length ? this.nameErrors(lang, 'organisationName', resolved) : { organisationName: { rule: 'isNotEmpty', message: 'choose an organisation' } };
    if (Object.keys(errors).length || !resolved.ids.length) return this.renderShow(req, reply, id, { errors, organisationName: text[0] }, 400);
    const record = await this.support.addOrganisation(actor, id, resolved.ids[0]);
    const name = record.organisations.find((o) => o.id === resolved.ids[0])?.name ?? text[0];
    await this.pages.redirect(req, reply, `/crm/support/${id}`, { type: 'success', key: 'support.organisationAdded', args: { name } });
  }

  @Post(':id/organisations/:organisationId/remove')
  async removeOrganisation(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('organisationId') organisationId: string): Promise<void> {
    try {
      await this.support.removeOrganisation(actor, id, organisationId);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      return this.pages.redirect(req, reply, `/crm/support/${id}`, { type: 'error', key: 'support.lastOrganisation' });
    }
    await this.pages.redirect(req, reply, `/crm/support/${id}`, { type: 'success', key: 'support.organisationRemoved' });
  }

  @Post(':id/contacts')
  async addContact(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: FormBody): Promise<void> {
    const [contactId] = toArray(body.contactId);
    if (!contactId) return this.renderShow(req, reply, id, { errors: { contactId: { rule: 'isNotEmpty', message: 'choose a person' } } }, 400);
    await this.support.addContact(actor, id, contactId);
    await this.pages.redirect(req, reply, `/crm/support/${id}`, { type: 'success', key: 'support.contactAdded' });
  }

  @Post(':id/contacts/:contactId/remove')
  async removeContact(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Param('contactId') contactId: string): Promise<void> {
    await this.support.removeContact(actor, id, contactId);
    await this.pages.redirect(req, reply, `/crm/support/${id}`, { type: 'success', key: 'support.contactRemoved' });
  }

  @Post(':id/delete')
  @Roles(Role.Admin)
  async delete(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const record = await this.support.get(id);
    await this.support.delete(actor, id);
    await this.pages.redirect(req, reply, '/crm/support', { type: 'success', key: 'support.deleted', args: { title: record.title } });
  }

  private async renderNew(
    req: FastifyRequest,
    reply: FastifyReply,
    form: { values: Record<string, unknown>; selected: { id: string; label: string }[]; names: string[]; contactIds: string[]; errors: FormErrors },
    status = 200,
  ): Promise<void> {
    const lang = resolveLang(req);
    const ids = form.selected.map((o) => o.id);
    const [organisationChoices, contacts] = await Promise.all([this.choices.organisationChoices(), this.choices.contactChoices(ids)]);
    const errors = this.translate(lang, form.errors);
    errors.organisationNames ??= errors.organisationIds;
    const inputs = Math.max(NAME_INPUTS - form.selected.length, form.names.length, 1);
    await this.pages.render(req, reply, 'crm/support/new', {
      titleKey: 'support.new',
      kinds: SUPPORT_KINDS,
      lines: PROGRAMME_LINES,
      values: form.values,
      errors,
      selectedOrganisations: form.selected,
      nameInputs: Array.from({ length: inputs }, (_, i) => ({ index: i + 1, value: form.names[i] ?? '' })),
      organisationChoices,
      contactChoices: contacts.map((c) => ({ ...c, checked: form.contactIds.includes(c.id) })),
      cancelUrl: ids.length === 1 ? `/crm/organisations/${ids[0]}` : '/crm/support',
    }, { status });
  }

  private async renderShow(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    form: { values?: Record<string, unknown>; errors?: FormErrors; organisationName?: string } = {},
    status = 200,
  ): Promise<void> {
    const lang = resolveLang(req);
    const record = await this.support.get(id);
    const [organisationChoices, contactChoices, history] = await Promise.all([
      this.choices.organisationChoices(),
      this.choices.contactChoices(record.organisations.map((o) => o.id), record.contacts.map((c) => c.id)),
      this.support.history(id),
    ]);
    await this.pages.render(req, reply, 'crm/support/show', {
      titleKey: 'support.record',
      record,
      kinds: SUPPORT_KINDS,
      lines: PROGRAMME_LINES,
      values: form.values ?? record,
      errors: this.translate(lang, form.errors ?? {}),
      organisationName: form.organisationName ?? '',
      organisationChoices,
      contactChoices,
      history: history.items.map((e) => ({ ...e, fields: Object.keys(e.changes) })),
      canRemoveOrganisation: record.organisations.length > 1,
    }, { status });
  }

  /** Organisation names that matched nothing, or several: an error on the input they were typed in. */
  private nameErrors(lang: Lang, field: string, resolved: { unknown: string[]; ambiguous: string[] }): FormErrors {
    const errors: FieldError[] = [];
    if (resolved.unknown.length) errors.push({ field, message: this.pages.t(lang, 'support.errors.unknownOrganisationNamed', { names: resolved.unknown.join(', ') }) });
    if (resolved.ambiguous.length) errors.push({ field, message: this.pages.t(lang, 'support.errors.ambiguousOrganisation', { names: resolved.ambiguous.join(', ') }) });
    return fieldMap(errors);
  }

  /** Field errors in the reader's language: this feature's own rules from its catalogue, others as validation.* does. */
  private translate(lang: Lang, errors: FormErrors): FormErrors {
    return Object.fromEntries(
      Object.entries(errors).map(([field, e]) => [field, e.rule && OWN_RULES.has(e.rule) ? { message: this.pages.t(lang, `support.errors.${e.rule}`) } : e]),
    );
  }
}
