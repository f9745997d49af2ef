import { EventsModule } from '@keyport/events';
import { Module } from '@nestjs/common';
import { EventsApiController, RegistrationsApiController } from './events.api.controller';
import { GroupAttendanceApiController } from './group-attendance.api.controller';
import { PublicEventsApiController } from './public-events.api.controller';
import { PublicEventPagesModule } from './public-pages/public-pages.module';
import { StaffEventPagesModule } from './staff-pages/staff-pages.module';

/** Events and registrations over HTTP: staff API and pages, the public sign-up. */
@Module({
  imports: [EventsModule, PublicEventPagesModule, StaffEventPagesModule],
  controllers: [EventsApiController, RegistrationsApiController, PublicEventsApiController, GroupAttendanceApiController],
})
export class EventsHttpModule {}
