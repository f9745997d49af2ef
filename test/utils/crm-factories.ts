import { Contact, ContactsService, CreateContactDto, CreateOrganisationDto, Organisation, OrganisationsService } from '@keyport/crm';
import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

let seq = 0;
const unique = () => `${Date.now().toString(36)}${(++seq).toString(36)}${randomUUID().slice(0, 4)}`;

/** An organisation made through the real service (so duplicates, audit and keys behave as in use). */
export function newOrganisation(app: INestApplicationContext, overrides: Partial<CreateOrganisationDto> = {}): Promise<Organisation> {
  return app.get(OrganisationsService).create('system', {
    name: `Testbedrijf ${unique()}`,
    type: 'company',
    municipality: 'Weert',
    ...overrides,
  });
}

export function newContact(app: INestApplicationContext, overrides: Partial<CreateContactDto> = {}): Promise<Contact> {
  const id = unique();
  return app.get(ContactsService).create('system', {
    firstName: 'Test',
    lastName: `Persoon ${id}`,
    email: `persoon.${id}@example.nl`,
    ...overrides,
  });
}
