import { mapHeader, parseInterests } from './import-format';
import { validateContactLine } from './row-validation';

describe('interests in a contacts file', () => {
  const line = (interests?: string) => ({ firstName: 'Anouk', lastName: 'van den Berg', email: 'anouk@example.nl', ...(interests === undefined ? {} : { interests }) });

  it('maps the column by its English or Dutch name', () => {
    expect(mapHeader('contacts', ['firstName', 'lastName', 'Interesses']).fields).toEqual(['firstName', 'lastName', 'interests']);
  });

  it('accepts codes and Dutch or English labels, separated by ; or ,', async () => {
    expect(parseInterests(' Innovatie; labour_market,Project development ;; communicatie , innovation')).toEqual(['innovation', 'labour_market', 'project_development', 'communication']);
    const { line: valid, reasons } = await validateContactLine(line('Arbeidsmarktoptimalisatie, Entrepreneurship'));
    expect(reasons).toEqual([]);
    expect(valid?.contact.interests).toEqual(['labour_market', 'entrepreneurship']);
    expect((await validateContactLine(line(''))).line?.contact.interests).toEqual([]);
    expect((await validateContactLine(line())).line?.contact.interests).toBeUndefined();
  });

  it('rejects the line for an unknown value, naming the field', async () => {
    const { line: valid, reasons } = await validateContactLine(line('innovatie; tuinieren'));
    expect(valid).toBeUndefined();
    expect(reasons).toEqual([expect.objectContaining({ code: 'invalid', field: 'interests', rule: 'isIn' })]);
  });
});
