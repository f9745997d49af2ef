/**
 * Every column that refers to an organisation or a contact, so that a merge moves all of them to the
 * surviving record. A table added later (registrations, mailing recipients) adds itself here.
 * `uniqueWith` names the other key columns of a link table, where the move must skip rows the
 * survivor already has.
 */
export interface Reference {
  table: string;
  column: string;
  uniqueWith?: string[];
}

export const ORGANISATION_REFERENCES: Reference[] = [
  { table: 'contact_organisations', column: 'organisation_id' },
  { table: 'company_visits', column: 'organisation_id' },
  { table: 'innovation_questions', column: 'organisation_id' },
  { table: 'follow_up_actions', column: 'organisation_id' },
  { table: 'support_record_organisations', column: 'organisation_id', uniqueWith: ['support_record_id'] },
  { table: 'registrations', column: 'organisation_id' },
  { table: 'group_attendances', column: 'organisation_id' },
];

export const CONTACT_REFERENCES: Reference[] = [
  { table: 'contact_organisations', column: 'contact_id' },
  { table: 'company_visit_contacts', column: 'contact_id', uniqueWith: ['visit_id'] },
  { table: 'innovation_questions', column: 'contact_id' },
  { table: 'support_record_contacts', column: 'contact_id', uniqueWith: ['support_record_id'] },
  { table: 'registrations', column: 'contact_id' },
  // Unique per mailing and address (not contact), so every row simply moves.
  { table: 'mailing_recipients', column: 'contact_id' },
];

/** Moves every reference from `fromId` to `toId`; link rows the survivor already has are dropped. */
export async function moveReferences(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  references: Reference[],
  fromId: string,
  toId: string,
): Promise<void> {
  for (const ref of references) {
    if (ref.uniqueWith?.length) {
      const same = ref.uniqueWith.map((c) => `t.${c} = s.${c}`).join(' AND ');
      await query(
        `DELETE FROM ${ref.table} t WHERE t.${ref.column} = $1 AND EXISTS (SELECT 1 FROM ${ref.table} s WHERE s.${ref.column} = $2 AND ${same})`,
        [fromId, toId],
      );
    }
    await query(`UPDATE ${ref.table} SET ${ref.column} = $2 WHERE ${ref.column} = $1`, [fromId, toId]);
  }
}
