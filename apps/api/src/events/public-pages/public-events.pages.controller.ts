import { ConflictError, NotFoundError, ValidationError } from '@keyport/common';
import { PROGRAMME_LINES } from '@keyport/crm';
import { EVENT_FORMATS, EventsService, EventView, RegistrationsService } from '@keyport/events';
import { SubscriptionsService } from '@keyport/mailings';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../auth/auth.decorators';
import { FormErrors } from '../../common/validation';
import { Lang, PageRenderer, resolveLang } from '../../pages/page-renderer';
import { closedReason, eventCard, isFull, paragraphs, whenText } from './public-event.view';
import { emptySignUp, readSignUp, SignUpInput, signUpFormView, translateErrors, validateSignUp } from './sign-up.form';

const oneOf = <T extends string>(list: readonly T[], value: unknown): T | undefined => (list.includes(value as T) ? (value as T) : undefined);

/**
 * The public event pages, without login: the list of upcoming events, one event with its sign-up form,
 * and the page after signing up. Every route is rate-limited per client address (RateLimitGuard).
 */
@ApiExcludeController()
@Public()
@Controller('events')
export class PublicEventsPagesController {
  constructor(
    private readonly events: EventsService,
    private readonly registrations: RegistrationsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  async list(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('format') formatParam?: string,
    @Query('programmeLine') lineParam?: string,
    @Query('page') pageParam?: string,
  ): Promise<void> {
    const lang = resolveLang(req);
    const format = oneOf(EVENT_FORMATS, formatParam);
    const programmeLine = oneOf(PROGRAMME_LINES, lineParam);
    const page = await this.events.upcoming({ format, programmeLine, page: Math.min(1000, Number(pageParam) || 1) });
    await this.pages.render(
      req,
      reply,
      'events/public/list',
      {
        titleKey: 'publicEvents.title',
        section: 'events',
        page: { ...page, items: page.items.map((e) => eventCard(e, lang)) },
        filtered: !!(format || programmeLine),
        formats: EVENT_FORMATS.map((value) => ({ value, selected: value === format })),
        lines: PROGRAMME_LINES.map((value) => ({ value, selected: value === programmeLine })),
        currentUrl: req.url,
      },
      { layout: 'public' },
    );
  }

  /**
   * The event with its sign-up form. `?invite=` is the personal link of an invitation mailing (signed):
   * it fills the form in for the person it was sent to. A link that is not valid is ignored.
   */
  @Get(':slug')
  async show(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('slug') slug: string, @Query('invite') invite?: string): Promise<void> {
    const event = await this.visible(slug);
    const input = emptySignUp();
    const token = typeof invite === 'string' && invite.length <= 1000 ? invite : undefined;
    const prefill = token ? await this.subscriptions.invite(token).catch(() => null) : null;
    if (prefill) {
      input.values.firstName = prefill.firstName ?? '';
      input.values.lastName = prefill.lastName ?? '';
      input.values.email = prefill.email ?? '';
      input.values.organisationName = prefill.organisation ?? '';
      input.values.municipality = prefill.municipality ?? '';
    }
    await this.renderEvent(req, reply, event, input, {}, 200, prefill ? token : undefined);
  }

  @Post(':slug/register')
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('slug') slug: string, @Body() body: unknown): Promise<void> {
    const event = await this.visible(slug);
    const input = readSignUp(body, event.questions);
    // A robot filled in the hidden field: it is told all went well, and nothing is stored.
    if (input.trapped) return this.pages.redirect(req, reply, `/events/${event.slug}/registered`);
    if (closedReason(event, resolveLang(req))) return this.renderEvent(req, reply, event, input, {}, 409);

    const lang = resolveLang(req);
    const t = (key: string, args?: Record<string, unknown>) => this.pages.t(lang, key, args);
    const { dto, errors } = await validateSignUp(input, event, lang);
    if (!dto) return this.renderEvent(req, reply, event, input, translateErrors(errors, t), 400);
    try {
      const result = await this.registrations.register({ slug: event.slug }, dto, { source: 'public' });
      // The same email again: no second registration. Its page is reached only through the link in the
      // mail (the link is the proof of owning the address), so it is not handed to whoever typed the email.
      const next = result.created
        ? `/events/${event.slug}/registered?r=${encodeURIComponent(this.registrations.manageToken(result.id))}`
        : `/events/${event.slug}/registered?already=1`;
      await this.pages.redirect(req, reply, next);
    } catch (error) {
      if (error instanceof ValidationError) return this.renderEvent(req, reply, event, input, translateErrors(error.fields, t), 400);
      if (error instanceof ConflictError) return this.renderEvent(req, reply, { ...(await this.visible(slug)), open: false }, input, {}, 409);
      throw error;
    }
  }

  @Get(':slug/registered')
  async registered(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('slug') slug: string,
    @Query('r') token?: string,
    @Query('already') already?: string,
  ): Promise<void> {
    const event = await this.visible(slug);
    const lang = resolveLang(req);
    let registration: { status: string; manageUrl: string } | undefined;
    if (token) {
      const r = await this.registrations.fromManageToken(String(token));
      if (r.eventId !== event.id) throw new NotFoundError('Registration');
      registration = { status: r.status, manageUrl: `/registrations/${encodeURIComponent(String(token))}` };
    }
    const state = registration ? (['confirmed', 'waitlisted'].includes(registration.status) ? registration.status : 'other') : already ? 'already' : 'thanks';
    await this.pages.render(
      req,
      reply,
      'events/public/registered',
      {
        titleKey: `publicEvents.registered.${state}Title`,
        section: 'events',
        event: eventCard(event, lang),
        state,
        isConfirmed: state === 'confirmed',
        isWaitlisted: state === 'waitlisted',
        isAlready: state === 'already',
        isThanks: state === 'thanks',
        isOther: state === 'other',
        registration,
      },
      { layout: 'public' },
    );
  }

  /** A published, cancelled or held event; a draft is not there for the public. */
  private async visible(slug: string): Promise<EventView> {
    const event = await this.events.getBySlug(slug);
    if (event.status === 'draft') throw new NotFoundError('Event');
    return event;
  }

  private async renderEvent(req: FastifyRequest, reply: FastifyReply, event: EventView, input: SignUpInput, errors: FormErrors, status = 200, invite?: string): Promise<void> {
    const lang: Lang = resolveLang(req);
    const t = (key: string, args?: Record<string, unknown>) => this.pages.t(lang, key, args);
    const closed = closedReason(event, lang);
    const path = `/events/${event.slug}`;
    await this.pages.render(
      req,
      reply,
      'events/public/show',
      {
        titleKey: 'publicEvents.event.title',
        pageTitle: event.title,
        section: 'events',
        // After a post the address is …/register: the language switch goes back to the event itself.
        // (an invitation's link keeps its pre-filled form in the other language too)
        langSwitchUrl: `${path}?${invite ? `invite=${encodeURIComponent(invite)}&` : ''}lang=${lang === 'nl' ? 'en' : 'nl'}`,
        event: {
          ...eventCard(event, lang),
          paragraphs: paragraphs(event.description),
          otherLanguage: event.language !== lang,
          hasSessions: event.sessions.length > 0,
          sessionList: event.sessions.map((s) => ({
            title: s.title,
            when: s.startsAt ? whenText(s.startsAt, s.endsAt, lang) : null,
            full: s.capacity !== null && s.confirmed >= s.capacity,
          })),
          seatsText: event.seatsLeft === null || isFull(event) ? null : event.seatsLeft === 1 ? t('publicEvents.seatsLeftOne') : t('publicEvents.seatsLeft', { count: event.seatsLeft }),
        },
        closedMessage: closed ? t(closed.key, closed.args) : null,
        form: closed ? null : signUpFormView(event, input, errors, lang, t),
        errors,
      },
      { status, layout: 'public' },
    );
  }
}
