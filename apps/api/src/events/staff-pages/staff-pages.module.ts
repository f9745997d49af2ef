import { CrmModule } from '@keyport/crm';
import { EventsModule } from '@keyport/events';
import { Module } from '@nestjs/common';
import { CheckInPagesController } from './check-in.pages.controller';
import { EventsPagesController } from './events.pages.controller';
import { RegistrationsPagesController } from './registrations.pages.controller';
import { StaffEventViews } from './staff-event-views';
import { VendorAssetsController } from './vendor-assets.controller';

/** Staff event pages: plan events, follow registrations, check people in at the door. */
@Module({
  imports: [EventsModule, CrmModule],
  providers: [StaffEventViews],
  controllers: [EventsPagesController, RegistrationsPagesController, CheckInPagesController, VendorAssetsController],
})
export class StaffEventPagesModule {}
