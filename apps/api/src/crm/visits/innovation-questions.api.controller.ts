import { AnswerQuestionDto, CreateQuestionDto, InnovationQuestionsService, QuestionPage, QuestionQuery, QuestionView, UpdateQuestionDto } from '@keyport/crm/visits';
import { Actor, Role } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentActor, Roles } from '../../auth/auth.decorators';
import { streamExport } from '../../common/export';
import { PageRenderer, resolveLang } from '../../pages/page-renderer';
import { XLSX_TYPE } from './visits.api.controller';
import { questionColumns } from './visits.columns';

@ApiTags('innovation questions')
@ApiBearerAuth()
@Roles(Role.AccountManager, Role.Organiser)
@Controller('api/v1/innovation-questions')
export class InnovationQuestionsApiController {
  constructor(
    private readonly questions: InnovationQuestionsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Search, filter and page innovation questions (newest first); ?format=csv|xlsx exports every match' })
  @ApiProduces('application/json', 'text/csv', XLSX_TYPE)
  @ApiOkResponse({ type: QuestionPage })
  async list(@CurrentActor() actor: Actor, @Query() query: QuestionQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (query.format) {
      const lang = resolveLang(req);
      return streamExport(reply, query.format, 'innovation-questions', questionColumns((k) => this.pages.t(lang, k)), this.questions.all(actor, query));
    }
    await reply.send(await this.questions.list(actor, query));
  }

  @Post()
  @ApiOperation({ summary: 'Log an innovation question of an organisation (optionally of a visit and a contact)' })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateQuestionDto): Promise<QuestionView> {
    return this.questions.create(actor, dto);
  }

  @Get(':id')
  @ApiNotFoundResponse()
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<QuestionView> {
    return this.questions.get(actor, id);
  }

  @Patch(':id')
  @ApiNotFoundResponse()
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateQuestionDto): Promise<QuestionView> {
    return this.questions.update(actor, id, dto);
  }

  @Post(':id/answer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark the question answered: by an SME, a knowledge institute or Keyport; answering again replaces the answer' })
  @ApiNotFoundResponse()
  answer(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: AnswerQuestionDto): Promise<QuestionView> {
    return this.questions.answer(actor, id, dto);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @ApiOperation({ summary: 'Open an answered question again (the old answer stays in the audit log)' })
  @ApiNotFoundResponse()
  reopen(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<QuestionView> {
    return this.questions.reopen(actor, id);
  }
}
