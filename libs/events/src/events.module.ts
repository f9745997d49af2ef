import { CrmModule } from '@keyport/crm';
import { Module } from '@nestjs/common';
import { EventsService } from './events.service';
import { EventRemindersProcessor } from './event-reminders.processor';
import { EventsHeldProcessor } from './events-held.processor';
import { GroupAttendanceService } from './group-attendance.service';
import { RegistrationMailProcessor } from './registration-mail.processor';
import { RegistrationsService } from './registrations.service';

@Module({
  imports: [CrmModule],
  providers: [EventsService, RegistrationsService, GroupAttendanceService, RegistrationMailProcessor, EventRemindersProcessor, EventsHeldProcessor],
  exports: [EventsService, RegistrationsService, GroupAttendanceService],
})
export class EventsModule {}
