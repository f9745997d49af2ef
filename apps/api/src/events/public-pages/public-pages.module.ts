import { EventsModule } from '@keyport/events';
import { Module } from '@nestjs/common';
import { PrivacyPageController } from './privacy.pages.controller';
import { PublicEventsPagesController } from './public-events.pages.controller';
import { RegistrationPagesController } from './registration.pages.controller';

/** The public event pages: list, event with sign-up form, the registration's own page, the privacy statement. */
@Module({ imports: [EventsModule], controllers: [PublicEventsPagesController, RegistrationPagesController, PrivacyPageController] })
export class PublicEventPagesModule {}
