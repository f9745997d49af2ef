import { ANSWERED_BY, KEYPORT_MUNICIPALITIES, OUTSIDE_REGION, PROGRAMME_LINES } from '@keyport/crm';
import { AnswerQuestionDto, CompanyVisitsService, InnovationQuestionsService, QUESTION_SORTS, QUESTION_STATUSES, QuestionQuery, QuestionView, todayInAmsterdam } from '@keyport/crm/visits';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { exportQuery, streamExport } from '../../common/export';
import { FormErrors, validateForm } from '../../common/validation';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { questionColumns } from './visits.columns';
import { fieldsOf, formErrors, Translate } from './visit-pages.util';

const BASE = '/crm/questions';

@ApiExcludeController()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('crm/questions')
export class QuestionsPagesController {
  constructor(
    private readonly questions: InnovationQuestionsService,
    private readonly visits: CompanyVisitsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const { value: query, errors } = await validateForm(QuestionQuery, raw);
    const [page, staff] = await Promise.all([query ? this.questions.list(actor, query) : undefined, this.visits.staff()]);
    await this.pages.render(
      req,
      reply,
      'crm/questions/list',
      {
        titleKey: 'visits.questionsTitle',
        page,
        query: raw,
        errors: formErrors(errors, this.t(req)),
        staff,
        statuses: QUESTION_STATUSES,
        answeredBy: ANSWERED_BY,
        municipalities: KEYPORT_MUNICIPALITIES,
        outside: OUTSIDE_REGION,
        programmeLines: PROGRAMME_LINES,
        sorts: QUESTION_SORTS,
        currentUrl: req.url,
        exportQuery: exportQuery(req.url),
      },
      { status: query ? 200 : 400 },
    );
  }

  @Get('export')
  async export(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Query() raw: Record<string, unknown>): Promise<void> {
    const { value: query, errors } = await validateForm(QuestionQuery, raw);
    if (!query) return this.pages.renderError(req, reply, 400, Object.values(errors).map((e) => e.message).join('; '));
    await streamExport(reply, query.format ?? 'csv', 'innovation-questions', questionColumns(this.t(req)), this.questions.all(actor, query));
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    const question = await this.questions.get(actor, id);
    await this.render(req, reply, question, { answeredOn: todayInAmsterdam() }, {});
  }

  @Post(':id/answer')
  async answer(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: Record<string, unknown>): Promise<void> {
    const question = await this.questions.get(actor, id);
    const { value, errors } = await validateForm(AnswerQuestionDto, {
      answeredBy: body.answeredBy ?? '',
      answeredByName: body.answeredByName,
      answer: body.answer,
      answeredOn: body.answeredOn,
    });
    let problems = formErrors(errors, this.t(req));
    if (value) {
      try {
        await this.questions.answer(actor, id, value);
        return this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'visits.answered' });
      } catch (error) {
        const fields = fieldsOf(error);
        if (!fields) throw error;
        problems = formErrors(fields, this.t(req));
      }
    }
    await this.render(req, reply, question, body, problems, 400);
  }

  @Post(':id/reopen')
  async reopen(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    await this.questions.reopen(actor, id);
    await this.pages.redirect(req, reply, `${BASE}/${id}`, { type: 'success', key: 'visits.reopened' });
  }

  private t(req: FastifyRequest): Translate {
    const lang = resolveLang(req);
    return (key, args) => this.pages.t(lang, key, args);
  }

  private async render(req: FastifyRequest, reply: FastifyReply, question: QuestionView, values: Record<string, unknown>, errors: FormErrors, status = 200): Promise<void> {
    await this.pages.render(
      req,
      reply,
      'crm/questions/show',
      { titleKey: 'visits.questionOne', question, values, errors, answeredByOptions: ANSWERED_BY, today: todayInAmsterdam() },
      { status },
    );
  }
}
