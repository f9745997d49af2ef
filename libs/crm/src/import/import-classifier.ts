import { CreateContactDto } from '../contacts/contact.dto';
import { organisationNameKey, parseMunicipality, textKey } from '../municipalities';
import { CreateOrganisationDto } from '../organisations/organisation.dto';
import { CsvRow } from './csv-reader';
import { ImportKind } from './import-format';
import { ImportLookups, nameKeyOf, OrgRef, PersonRef, personKeyOf, SeenEntry, SeenKeys } from './import-lookups';
import { RowReason, RowResult } from './import.types';
import { lineLabel, validateContactLine, validateOrganisationLine } from './row-validation';

/** What the run does with an accepted line. */
export type RowPlan =
  | {
      kind: 'organisations';
      organisation: { create: CreateOrganisationDto } | { existingId: string } | { sameAsRow: number };
      contact?: { create: CreateContactDto; role?: string };
    }
  | { kind: 'contacts'; contact: CreateContactDto; organisationId?: string; role?: string };

export interface ClassifiedRow extends RowResult {
  plan?: RowPlan;
}

type OrgMatch = { existing: OrgRef; match: 'kvk' | 'name' } | { row: number; match: 'kvk' | 'name' };
type PersonMatch = { existing: PersonRef; match: 'email' | 'name' } | { row: number; match: 'email' | 'name' };

const duplicateOrg = (m: OrgMatch): RowReason =>
  'existing' in m
    ? { code: 'duplicate', entity: 'organisation', match: m.match, existing: { id: m.existing.id, name: m.existing.name }, message: `organisation exists: same ${m.match === 'kvk' ? 'KvK number' : 'name in the same municipality'} as "${m.existing.name}"` }
    : { code: 'duplicateRow', entity: 'organisation', match: m.match, row: m.row, message: `same organisation as row ${m.row}` };

const duplicatePerson = (m: PersonMatch): RowReason =>
  'existing' in m
    ? { code: 'duplicate', entity: 'contact', match: m.match, existing: { id: m.existing.id, name: m.existing.name }, message: `person exists: same ${m.match === 'email' ? 'email address' : 'name at the same organisation'} as "${m.existing.name}"` }
    : { code: 'duplicateRow', entity: 'contact', match: m.match, row: m.row, message: `same person as row ${m.row}` };

/**
 * Decides, for a batch of lines, accepted / duplicate / rejected with the reasons, as the API would:
 * each line is checked with the API's DTO rules, then compared with existing records (a few queries per
 * batch) and with the earlier lines of the same file (`seen`). Holds nothing beyond the batch.
 *
 * An organisations line may carry a person working there: the line is accepted when it adds anything
 * (the organisation, or a new person at an organisation that exists), a duplicate when it adds nothing.
 * A KvK number is the organisation's identity: the same name in the same municipality with a different
 * KvK number is a different organisation.
 */
export class ImportClassifier {
  constructor(
    private readonly kind: ImportKind,
    private readonly lookups: ImportLookups,
    private readonly seen: SeenKeys,
  ) {}

  async classify(rows: CsvRow[]): Promise<ClassifiedRow[]> {
    return this.kind === 'organisations' ? this.classifyOrganisations(rows) : this.classifyContacts(rows);
  }

  private async classifyOrganisations(rows: CsvRow[]): Promise<ClassifiedRow[]> {
    const results: ClassifiedRow[] = [];
    const valid: { result: ClassifiedRow; org: CreateOrganisationDto; contact?: { dto: CreateContactDto; role?: string }; nameKey: string; municipalityKey: string | null }[] = [];
    for (const row of rows) {
      const result: ClassifiedRow = { row: row.row, status: 'rejected', label: lineLabel('organisations', row.values), reasons: [] };
      results.push(result);
      if (tooManyFields(row, result)) continue;
      const { line, reasons } = await validateOrganisationLine(row.values);
      if (!line) {
        result.reasons = reasons;
        continue;
      }
      valid.push({ result, org: line.organisation, contact: line.contact, nameKey: organisationNameKey(line.organisation.name), municipalityKey: parseMunicipality(line.organisation.municipality)?.key ?? null });
    }
    // One after another: the queries share the transaction's connection.
    const byKvk = await this.lookups.organisationsByKvk(valid.flatMap((v) => (v.org.kvkNumber ? [v.org.kvkNumber] : [])));
    const byName = await this.lookups.organisationsByName(valid);
    const seenOrgs = await this.seen.find(valid.flatMap((v) => [...(v.org.kvkNumber ? [`kvk:${v.org.kvkNumber}`] : []), `org:${nameKeyOf(v.municipalityKey, v.nameKey)}`]));
    const fresh = new Map<string, SeenEntry>();
    const seenNow = (key: string) => fresh.get(key) ?? seenOrgs.get(key);

    // First the organisations, in file order.
    const orgOf = new Map<ClassifiedRow, { match?: OrgMatch; allowDuplicate: boolean }>();
    for (const v of valid) {
      const kvk = v.org.kvkNumber ?? null;
      const nameKey = `org:${nameKeyOf(v.municipalityKey, v.nameKey)}`;
      const sameKvk = (other: string | null | undefined) => !kvk || !other || other === kvk;
      let match: OrgMatch | undefined;
      let allowDuplicate = false;
      const existingByKvk = kvk ? byKvk.get(kvk) : undefined;
      const candidates = byName.get(nameKeyOf(v.municipalityKey, v.nameKey)) ?? [];
      const sameName = candidates.filter((c) => sameKvk(c.kvkNumber));
      if (existingByKvk) match = { existing: existingByKvk, match: 'kvk' };
      else if (sameName.length) match = { existing: sameName[0], match: 'name' };
      else {
        const earlierKvk = kvk ? seenNow(`kvk:${kvk}`) : undefined;
        const earlierName = seenNow(nameKey);
        if (earlierKvk) match = { row: earlierKvk.row, match: 'kvk' };
        else if (earlierName && sameKvk(earlierName.kvk)) match = { row: earlierName.row, match: 'name' };
        // Same name, another KvK number: another organisation, saved although the name repeats.
        allowDuplicate = candidates.length > 0 || earlierName !== undefined;
      }
      if (!match) {
        if (kvk) fresh.set(`kvk:${kvk}`, { row: v.result.row, kvk });
        if (!fresh.has(nameKey) && !seenOrgs.has(nameKey)) fresh.set(nameKey, { row: v.result.row, kvk });
      }
      orgOf.set(v.result, { match, allowDuplicate });
    }

    // Then the people, who may repeat one of an earlier line or an existing one.
    const orgRef = (v: (typeof valid)[number]) => {
      const m = orgOf.get(v.result)!.match;
      return !m ? `row:${v.result.row}` : 'existing' in m ? `id:${m.existing.id}` : `row:${m.row}`;
    };
    const withContact = valid.filter((v) => v.contact);
    const byEmail = await this.lookups.contactsByEmail(withContact.flatMap((v) => (v.contact!.dto.email ? [v.contact!.dto.email] : [])));
    const atOrganisation = await this.lookups.contactsAt(
      withContact.flatMap((v) => {
        const m = orgOf.get(v.result)!.match;
        return m && 'existing' in m ? [{ organisationId: m.existing.id, lastName: v.contact!.dto.lastName }] : [];
      }),
    );
    const seenPeople = await this.seen.find(withContact.flatMap((v) => [...(v.contact!.dto.email ? [`email:${v.contact!.dto.email}`] : []), personKey(orgRef(v), v.contact!.dto)]));
    const seenPerson = (key: string) => fresh.get(key) ?? seenPeople.get(key);

    for (const v of valid) {
      const { match, allowDuplicate } = orgOf.get(v.result)!;
      let person: PersonMatch | undefined;
      const contact = v.contact;
      if (contact) {
        const email = contact.dto.email;
        const ref = orgRef(v);
        const existingId = match && 'existing' in match ? match.existing.id : undefined;
        const byMail = email ? byEmail.get(email) : undefined;
        const byName = existingId ? atOrganisation.get(personKeyOf(existingId, contact.dto.firstName, contact.dto.lastName)) : undefined;
        const earlierMail = email ? seenPerson(`email:${email}`) : undefined;
        const earlierName = seenPerson(personKey(ref, contact.dto));
        if (byMail) person = { existing: byMail, match: 'email' };
        else if (byName) person = { existing: byName, match: 'name' };
        else if (earlierMail) person = { row: earlierMail.row, match: 'email' };
        else if (earlierName) person = { row: earlierName.row, match: 'name' };
        else {
          if (email) fresh.set(`email:${email}`, { row: v.result.row });
          fresh.set(personKey(ref, contact.dto), { row: v.result.row });
        }
      }
      const r = v.result;
      const addsPerson = contact && !person;
      if (!match) {
        r.status = 'accepted';
        r.reasons = person ? [{ ...duplicatePerson(person), code: 'contactExists', message: `the organisation is added; ${duplicatePerson(person).message}` }] : [];
        r.plan = { kind: 'organisations', organisation: { create: { ...v.org, allowDuplicate } }, contact: addsPerson ? { create: contact.dto, role: contact.role } : undefined };
      } else if (addsPerson) {
        r.status = 'accepted';
        r.reasons = [{ ...duplicateOrg(match), code: 'addedToExisting', message: `${duplicateOrg(match).message}; the person is added to it` }];
        r.plan = { kind: 'organisations', organisation: 'existing' in match ? { existingId: match.existing.id } : { sameAsRow: match.row }, contact: { create: contact.dto, role: contact.role } };
      } else {
        r.status = 'duplicate';
        r.reasons = [duplicateOrg(match), ...(person ? [duplicatePerson(person)] : [])];
      }
    }
    await this.seen.add(fresh);
    return results;
  }

  private async classifyContacts(rows: CsvRow[]): Promise<ClassifiedRow[]> {
    const results: ClassifiedRow[] = [];
    const valid: { result: ClassifiedRow; line: NonNullable<Awaited<ReturnType<typeof validateContactLine>>['line']>; nameKey?: string; municipalityKey?: string | null }[] = [];
    for (const row of rows) {
      const result: ClassifiedRow = { row: row.row, status: 'rejected', label: lineLabel('contacts', row.values), reasons: [] };
      results.push(result);
      if (tooManyFields(row, result)) continue;
      const { line, reasons } = await validateContactLine(row.values);
      if (!line) result.reasons = reasons;
      else if (line.organisationKvk || !line.organisationName) valid.push({ result, line });
      else valid.push({ result, line, nameKey: organisationNameKey(line.organisationName), municipalityKey: parseMunicipality(line.organisationMunicipality)?.key ?? null });
    }
    const byKvk = await this.lookups.organisationsByKvk(valid.flatMap((v) => (v.line.organisationKvk ? [v.line.organisationKvk] : [])));
    const byName = await this.lookups.organisationsByName(valid.flatMap((v) => (v.nameKey ? [{ nameKey: v.nameKey, municipalityKey: v.municipalityKey ?? null }] : [])));
    const located: { v: (typeof valid)[number]; organisation?: OrgRef }[] = [];
    for (const v of valid) {
      const { organisationKvk, organisationName } = v.line;
      if (organisationKvk) {
        const organisation = byKvk.get(organisationKvk);
        if (organisation) located.push({ v, organisation });
        else v.result.reasons = [{ code: 'organisationNotFound', field: 'organisationKvk', message: 'no organisation has this KvK number' }];
      } else if (organisationName) {
        const candidates = byName.get(nameKeyOf(v.municipalityKey ?? null, v.nameKey!)) ?? [];
        if (candidates.length === 1) located.push({ v, organisation: candidates[0] });
        else if (!candidates.length) v.result.reasons = [{ code: 'organisationNotFound', field: 'organisationName', message: 'no organisation has this name in this municipality' }];
        else v.result.reasons = [{ code: 'organisationAmbiguous', field: 'organisationName', message: `${candidates.length} organisations have this name in this municipality: give organisationKvk` }];
      } else located.push({ v });
    }
    const byEmail = await this.lookups.contactsByEmail(located.flatMap(({ v }) => (v.line.contact.email ? [v.line.contact.email] : [])));
    const atOrganisation = await this.lookups.contactsAt(located.flatMap(({ v, organisation }) => (organisation ? [{ organisationId: organisation.id, lastName: v.line.contact.lastName }] : [])));
    const seenPeople = await this.seen.find(located.flatMap(({ v, organisation }) => [...(v.line.contact.email ? [`email:${v.line.contact.email}`] : []), ...(organisation ? [personKey(`id:${organisation.id}`, v.line.contact)] : [])]));
    const fresh = new Map<string, SeenEntry>();
    const seenNow = (key: string) => fresh.get(key) ?? seenPeople.get(key);
    for (const { v, organisation } of located) {
      const { contact, role } = v.line;
      const email = contact.email;
      const key = organisation ? personKey(`id:${organisation.id}`, contact) : undefined;
      const byMail = email ? byEmail.get(email) : undefined;
      const byName = organisation ? atOrganisation.get(personKeyOf(organisation.id, contact.firstName, contact.lastName)) : undefined;
      const earlierMail = email ? seenNow(`email:${email}`) : undefined;
      const earlierName = key ? seenNow(key) : undefined;
      const person: PersonMatch | undefined = byMail
        ? { existing: byMail, match: 'email' }
        : byName
          ? { existing: byName, match: 'name' }
          : earlierMail
            ? { row: earlierMail.row, match: 'email' }
            : earlierName
              ? { row: earlierName.row, match: 'name' }
              : undefined;
      if (person) {
        v.result.status = 'duplicate';
        v.result.reasons = [duplicatePerson(person)];
        continue;
      }
      if (email) fresh.set(`email:${email}`, { row: v.result.row });
      if (key) fresh.set(key, { row: v.result.row });
      v.result.status = 'accepted';
      v.result.reasons = [];
      v.result.plan = { kind: 'contacts', contact, organisationId: organisation?.id, role };
    }
    await this.seen.add(fresh);
    return results;
  }
}

function personKey(orgRef: string, person: { firstName: string; lastName: string }): string {
  return `person:${orgRef}|${textKey(`${person.firstName} ${person.lastName}`)}`;
}

function tooManyFields(row: CsvRow, result: ClassifiedRow): boolean {
  if (!row.extraFields) return false;
  result.reasons = [{ code: 'columnCount', message: `the line has ${row.extraFields} field(s) more than the header: check for a stray delimiter or a missing quote` }];
  return true;
}
