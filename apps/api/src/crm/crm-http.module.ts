import { CrmModule } from '@keyport/crm';
import { Module } from '@nestjs/common';
import { ContactsApiController } from './contacts/contacts.api.controller';
import { ContactsPagesController } from './contacts/contacts.pages.controller';
import { ImportsHttpModule } from './imports/imports-http.module';
import { OrganisationsApiController } from './organisations/organisations.api.controller';
import { OrganisationsPagesController } from './organisations/organisations.pages.controller';
import { SupportHttpModule } from './support/support-http.module';
import { VisitsHttpModule } from './visits/visits-http.module';

/** The CRM over HTTP: JSON API under /api/v1 and pages under /crm. */
@Module({
  imports: [CrmModule, VisitsHttpModule, SupportHttpModule, ImportsHttpModule],
  controllers: [OrganisationsApiController, OrganisationsPagesController, ContactsApiController, ContactsPagesController],
})
export class CrmHttpModule {}
