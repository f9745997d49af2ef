import { EventsModule } from '@keyport/events';
import { MailingsModule } from '@keyport/mailings';
import { Module } from '@nestjs/common';
import { PrivacyPageController } from './privacy.pages.controller';
import { PublicEventsPagesController } from './public-events.pages.controller';
import { RegistrationPagesController } from './registration.pages.controller';

/**
 * The public event pages: list, event with sign-up form, the registration's own page, the privacy statement.
 * MailingsModule gives SubscriptionsService: an invitation's personal link fills the sign-up form in.
 */
@Module({ imports: [EventsModule, MailingsModule], controllers: [PublicEventsPagesController, RegistrationPagesController, PrivacyPageController] })
export class PublicEventPagesModule {}
