import { plainToInstance } from 'class-transformer';
import { validate, ValidationError as ClassValidationError } from 'class-validator';
import { ContactOrganisationDto, CreateContactDto } from '../contacts/contact.dto';
import { KVK_PATTERN, normaliseKvk } from '../crm.constants';
import { CreateOrganisationDto } from '../organisations/organisation.dto';
import { ImportKind, normaliseValue, ORGANISATION_CONTACT_COLUMNS, parseInterests } from './import-format';
import { RowReason } from './import.types';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;
/** Stands in for the organisation of a line while its `role` is checked by ContactOrganisationDto's rule. */
const SOME_ORGANISATION = '00000000-0000-4000-8000-000000000000';
const FIRST_RULES = ['isNotEmpty', 'isDefined', 'isIn', 'isEmail', 'matches'];

/** One reason per field (the most telling rule), with the line's column as the field. */
function reasons(errors: ClassValidationError[], rename: (property: string) => string = (p) => p): RowReason[] {
  return errors.flatMap((e) => {
    if (e.children?.length) return reasons(e.children, rename);
    const entries = Object.entries(e.constraints ?? {});
    if (!entries.length) return [];
    const [rule, message] = entries.find(([r]) => FIRST_RULES.includes(r)) ?? entries[0];
    return [{ code: 'invalid' as const, field: rename(e.property), rule, message }];
  });
}

async function check<T extends object>(dto: new () => T, plain: Record<string, unknown>, rename?: (p: string) => string): Promise<{ value: T; reasons: RowReason[] }> {
  const value = plainToInstance(dto, plain, { enableImplicitConversion: false });
  return { value, reasons: reasons(await validate(value, OPTIONS), rename) };
}

const pick = (values: Record<string, string>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => values[k] !== undefined).map((k) => [k, normaliseValue(k, values[k])]));

export interface ValidOrganisationLine {
  organisation: CreateOrganisationDto;
  contact?: { dto: CreateContactDto; role?: string };
}

export interface ValidContactLine {
  contact: CreateContactDto;
  role?: string;
  organisationKvk?: string;
  organisationName?: string;
  organisationMunicipality?: string;
}

async function checkRole(role: string | undefined): Promise<{ role?: string; reasons: RowReason[] }> {
  const { value, reasons: found } = await check(ContactOrganisationDto, { organisationId: SOME_ORGANISATION, role: role ?? '' });
  return { role: value.role, reasons: found.filter((r) => r.field === 'role') };
}

/** A line of an organisations file, checked with the API's rules (CreateOrganisationDto, CreateContactDto). */
export async function validateOrganisationLine(values: Record<string, string>): Promise<{ line?: ValidOrganisationLine; reasons: RowReason[] }> {
  const plain: Record<string, unknown> = pick(values, ['name', 'type', 'kvkNumber', 'municipality', 'street', 'postcode', 'city', 'sector', 'sizeClass', 'website']);
  if (values.tags !== undefined) plain.tags = values.tags.split(/[;,]/);
  const org = await check(CreateOrganisationDto, { name: '', type: '', ...plain });
  const contactKeys = ORGANISATION_CONTACT_COLUMNS.map((c) => c.key);
  const hasContact = contactKeys.some((k) => (values[k] ?? '').trim() !== '');
  let contact: ValidOrganisationLine['contact'];
  const found = [...org.reasons];
  if (hasContact) {
    const person = await check(CreateContactDto, { firstName: '', lastName: '', ...pick(values, ['firstName', 'lastName', 'email', 'phone', 'jobTitle']) });
    const role = await checkRole(values.role);
    found.push(...person.reasons, ...role.reasons);
    contact = { dto: person.value, role: role.role };
  }
  return found.length ? { reasons: found } : { line: { organisation: org.value, contact }, reasons: [] };
}

/** A line of a contacts file: CreateContactDto's rules, and the organisation it names. */
export async function validateContactLine(values: Record<string, string>): Promise<{ line?: ValidContactLine; reasons: RowReason[] }> {
  const plain: Record<string, unknown> = { firstName: '', lastName: '', ...pick(values, ['firstName', 'lastName', 'email', 'phone', 'jobTitle', 'language']) };
  if (values.interests !== undefined) plain.interests = parseInterests(values.interests);
  const person = await check(CreateContactDto, plain);
  const role = await checkRole(values.role);
  const found = [...person.reasons, ...role.reasons];
  const kvk = normaliseKvk((values.organisationKvk ?? '').trim()) as string;
  if (kvk && !KVK_PATTERN.test(kvk)) found.push({ code: 'invalid', field: 'organisationKvk', rule: 'matches', message: 'organisationKvk must be 8 digits' });
  const organisationName = (values.organisationName ?? '').trim();
  const organisationMunicipality = (values.organisationMunicipality ?? '').trim();
  if (organisationName.length > 300) found.push({ code: 'invalid', field: 'organisationName', rule: 'maxLength', message: 'organisationName must be shorter than or equal to 300 characters' });
  if (organisationMunicipality.length > 100) found.push({ code: 'invalid', field: 'organisationMunicipality', rule: 'maxLength', message: 'organisationMunicipality must be shorter than or equal to 100 characters' });
  if (!found.length && !person.value.email && !kvk && !organisationName) {
    found.push({ code: 'needsEmailOrOrganisation', message: 'a person needs an email address or an organisation, to be recognised when the file is imported again' });
  }
  if (found.length) return { reasons: found };
  return {
    reasons: [],
    line: {
      contact: person.value,
      role: role.role,
      organisationKvk: kvk || undefined,
      organisationName: organisationName || undefined,
      organisationMunicipality: organisationMunicipality || undefined,
    },
  };
}

export function lineLabel(kind: ImportKind, values: Record<string, string>): string | null {
  const text = kind === 'organisations' ? (values.name ?? '') : `${values.firstName ?? ''} ${values.lastName ?? ''}`;
  const label = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return label || null;
}
