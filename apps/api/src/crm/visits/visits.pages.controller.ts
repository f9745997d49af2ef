import { NotFoundError } from '@keyport/common';
import {
  CompanyVisitsService, CreateFollowUpDto, CreateQuestionDto, CreateVisitDto, FollowUpsService, InnovationQuestionsService, todayInAmsterdam,
  UpdateVisitDto, VISIT_SORTS, VisitDetail, VisitQuery,
} from '@keyport/crm/visits';
import { KEYPORT_MUNICIPALITIES, OUTSIDE_REGION, PROGRAMME_LINES } from '@keyport/crm';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { exportQuery, streamExport } from '../../common/export';
import { FormErrors, validateForm } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { visitColumns } from './visits.columns';
import { fieldsOf, formErrors, list, programmeLineOptions, text, Translate, visitEditFormToDto, visitFormToDto } from './visit-pages.util';

const BASE = '/crm/visits';

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/visits')
export class VisitsPagesController {
  constructor(
    private readonly visits: CompanyVisitsService,
    private readonly questions: InnovationQuestionsService,
    private readonly followUps: FollowUpsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const { value: query, errors } = await validateForm(VisitQuery, raw);
    const [page, staff] = await Promise.all([query ? this.visits.list(actor, query) : undefined, this.visits.staff()]);
    await this.pages.render(
      req,
      reply,
      'crm/visits/list',
      {
        titleKey: 'visits.title',
        page,
        query: raw,
        errors: formErrors(errors, this.t(req)),
        staff,
        municipalities: KEYPORT_MUNICIPALITIES,
        outside: OUTSIDE_REGION,
        programmeLines: PROGRAMME_LINES,
        sorts: VISIT_SORTS,
        currentUrl: req.url,
        exportQuery: exportQuery(req.url),
      },
      { status: query ? 200 : 400 },
    );
  }

  @Get('export')
  async export(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const { value: query, errors } = await validateForm(VisitQuery, raw);
    if (!query) return this.pages.renderError(req, reply, 400, Object.values(errors).map((e) => e.message).join('; '));
    await streamExport(reply, query.format ?? 'csv', 'visits', visitColumns(this.t(req)), this.visits.all(actor, query));
  }

  /** Step 1 without an organisation: find it by name. Step 2 with one: the visit form. */
  @Get('new')
  async newForm(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const organisationId = text(raw.organisationId);
    if (organisationId) {
      const org = await this.visits.organisation(organisationId);
      if (org.mergedIntoId) return this.pages.redirect(req, reply, `${BASE}/new?organisationId=${org.mergedIntoId}`, { type: 'info', key: 'visits.organisationWasMerged' });
      return this.renderForm(req, reply, org.id, { visitedOn: todayInAmsterdam(), accountManagerId: actor.id, followUpAssigneeId: actor.id }, {});
    }
    const search = text(raw.organisation)?.slice(0, 300);
    if (!search) return this.renderChooser(req, reply, actor, undefined, []);
    const matches = await this.visits.findOrganisations(search);
    const exact = matches.filter((m) => m.name.toLowerCase() === search.trim().toLowerCase());
    const chosen = matches.length === 1 ? matches[0] : exact.length === 1 ? exact[0] : undefined;
    if (chosen) return this.renderForm(req, reply, chosen.id, { visitedOn: todayInAmsterdam(), accountManagerId: actor.id, followUpAssigneeId: actor.id }, {});
    await this.renderChooser(req, reply, actor, search, matches, matches.length ? 200 : 404);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Body() body: Record<string, unknown>): Promise<void> {
    const { value, errors } = await validateForm(CreateVisitDto, visitFormToDto(body));
    let problems: FormErrors = formErrors(errors, this.t(req));
    if (value) {
      try {
        const visit = await this.visits.create(actor, value);
        return this.pages.redirect(req, reply, `${BASE}/${visit.id}`, { type: 'success', key: 'visits.created', args: { name: visit.organisationName } });
      } catch (error) {
        const fields = fieldsOf(error);
        if (!fields) throw error;
        problems = formErrors(fields, this.t(req));
      }
    }
    // Without a usable organisation the form cannot be shown again: back to choosing one, with the reason.
    const organisationId = text(body.organisationId);
    const org = organisationId ? await this.visits.organisation(organisationId).catch(unlessNotFound) : undefined;
    if (!organisationId || !org || org.mergedIntoId) {
      const reason = this.t(req)(org?.mergedIntoId ? 'visits.errors.mergedOrganisation' : 'visits.errors.unknownOrganisation');
      return this.renderChooser(req, reply, actor, undefined, [], 400, { organisation: { message: reason } });
    }
    await this.renderForm(req, reply, organisationId, body, problems, 400);
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const visit = await this.visits.get(actor, id);
    await this.renderShow(req, reply, visit, { followUpAssigneeId: actor.id }, {});
  }

  @Get(':id/edit')
  async editForm(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const visit = await this.visits.get(actor, id);
    const values = { ...visit, contactIds: visit.contacts.map((c) => c.id), themes: visit.themes.join(', ') };
    await this.renderEdit(req, reply, visit, values, {});
  }

  @Post(':id')
  async update(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const visit = await this.visits.get(actor, id);
    const { value, errors } = await validateForm(UpdateVisitDto, visitEditFormToDto(body));
    let problems = formErrors(errors, this.t(req));
    if (value) {
      try {
        await this.visits.update(actor, id, value);
        return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'visits.saved' });
      } catch (error) {
        const fields = fieldsOf(error);
        if (!fields) throw error;
        problems = formErrors(fields, this.t(req));
      }
    }
    await this.renderEdit(req, reply, visit, { ...body, contactIds: list(body.contactIds), programmeLines: list(body.programmeLines) }, problems, 400);
  }

  /** The visit page's "add an innovation question" form. */
  @Post(':id/questions')
  async addQuestion(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const visit = await this.visits.get(actor, id);
    const input = { organisationId: visit.organisationId, visitId: id, question: body.question ?? '', contactId: text(body.questionContactId), raisedOn: visit.visitedOn };
    const { value, errors } = await validateForm(CreateQuestionDto, input);
    let problems = formErrors(errors, this.t(req));
    if (value) {
      try {
        await this.questions.create(actor, value);
        return this.pages.redirect(req, reply, `${BASE}/${id}#questions`, { type: 'success', key: 'visits.questionAdded' });
      } catch (error) {
        const fields = fieldsOf(error);
        if (!fields) throw error;
        problems = formErrors(fields, this.t(req));
      }
    }
    await this.renderShow(req, reply, visit, { question: body.question, questionContactId: body.questionContactId, followUpAssigneeId: actor.id }, renameErrors(problems, { question: 'question', contactId: 'questionContactId' }), 400);
  }

  /** The visit page's "add a follow-up" form. */
  @Post(':id/follow-ups')
  async addFollowUp(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const visit = await this.visits.get(actor, id);
    const input = { organisationId: visit.organisationId, visitId: id, description: body.followUpDescription ?? '', assigneeId: text(body.followUpAssigneeId), dueOn: text(body.followUpDueOn) };
    const { value, errors } = await validateForm(CreateFollowUpDto, input);
    let problems = formErrors(errors, this.t(req));
    if (value) {
      try {
        await this.followUps.create(actor, value);
        return this.pages.redirect(req, reply, `${BASE}/${id}#follow-ups`, { type: 'success', key: 'visits.followUpAdded' });
      } catch (error) {
        const fields = fieldsOf(error);
        if (!fields) throw error;
        problems = formErrors(fields, this.t(req));
      }
    }
    const values = { followUpDescription: body.followUpDescription, followUpAssigneeId: body.followUpAssigneeId, followUpDueOn: body.followUpDueOn };
    await this.renderShow(req, reply, visit, values, renameErrors(problems, { description: 'followUpDescription', assigneeId: 'followUpAssigneeId', dueOn: 'followUpDueOn' }), 400);
  }

  private t(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private async renderChooser(req: FastifyRequest, reply: FastifyReply, actor: Actor, search: string | undefined, matches: unknown[], status = 200, errors: FormErrors = {}): Promise<void> {
    const noMatch = search !== undefined && !matches.length;
    await this.pages.render(
      req,
      reply,
      'crm/visits/choose',
      {
        titleKey: 'visits.new',
        search,
        matches,
        names: await this.visits.organisationNames(actor.id),
        errors: noMatch ? { organisation: { message: this.t(req)('visits.errors.noOrganisationFound', { search }) } } : errors,
      },
      { status },
    );
  }

  private async renderForm(req: FastifyRequest, reply: FastifyReply, organisationId: string, values: Record<string, unknown>, errors: FormErrors, status = 200): Promise<void> {
    const [org, contacts, staff] = await Promise.all([this.visits.organisation(organisationId), this.visits.contactsOf(organisationId), this.visits.staff()]);
    const ticked = list(values.contactIds);
    await this.pages.render(
      req,
      reply,
      'crm/visits/new',
      {
        titleKey: 'visits.new',
        org,
        values,
        errors,
        today: todayInAmsterdam(),
        contacts: contacts.map((c) => ({ ...c, checked: ticked.includes(c.id) })),
        staff,
        programmeLines: programmeLineOptions(list(values.programmeLines)),
      },
      { status },
    );
  }

  private async renderShow(req: FastifyRequest, reply: FastifyReply, visit: VisitDetail, values: Record<string, unknown>, errors: FormErrors, status = 200): Promise<void> {
    const [contacts, staff] = await Promise.all([this.visits.contactsOf(visit.organisationId), this.visits.staff()]);
    const met = new Set(visit.contacts.map((c) => c.id));
    await this.pages.render(
      req,
      reply,
      'crm/visits/show',
      {
        titleKey: 'visits.one',
        visit,
        values,
        errors,
        // Whom the question can come from: the people met first, then the others at the organisation.
        contacts: [...visit.contacts, ...contacts.filter((c) => !met.has(c.id))],
        staff,
        currentUrl: req.url,
      },
      { status },
    );
  }

  private async renderEdit(req: FastifyRequest, reply: FastifyReply, visit: VisitDetail, values: Record<string, unknown>, errors: FormErrors, status = 200): Promise<void> {
    const [current, staff] = await Promise.all([this.visits.contactsOf(visit.organisationId), this.visits.staff()]);
    const ticked = list(values.contactIds);
    // People met who have since left stay on the list, so saving does not drop them unnoticed.
    const people = [...current, ...visit.contacts.filter((c) => !current.some((p) => p.id === c.id))];
    await this.pages.render(
      req,
      reply,
      'crm/visits/edit',
      {
        titleKey: 'visits.edit',
        visit,
        values,
        errors,
        today: todayInAmsterdam(),
        contacts: people.map((c) => ({ ...c, checked: ticked.includes(c.id) })),
        staff,
        programmeLines: programmeLineOptions(list(values.programmeLines)),
      },
      { status },
    );
  }
}

/** undefined for a record that does not exist; any other failure goes on. */
function unlessNotFound(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

/** Errors of a small form's DTO (`description`) under the names its fields have on the page (`followUpDescription`). */
function renameErrors(errors: FormErrors, names: Record<string, string>): FormErrors {
  return Object.fromEntries(Object.entries(errors).map(([field, error]) => [names[field] ?? field, error]));
}
