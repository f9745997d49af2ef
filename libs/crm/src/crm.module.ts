import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditService } from './audit/audit.service';
import { Contact, ContactOrganisation } from './contacts/contact.entity';
import { ContactsService } from './contacts/contacts.service';
import { Organisation } from './organisations/organisation.entity';
import { OrganisationsService } from './organisations/organisations.service';

/** Organisations, contacts and the audit log: what the other CRM features build on. */
@Module({
  imports: [TypeOrmModule.forFeature([Organisation, Contact, ContactOrganisation])],
  providers: [AuditService, OrganisationsService, ContactsService],
  exports: [AuditService, OrganisationsService, ContactsService],
})
export class CrmModule {}
