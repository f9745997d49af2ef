import { organisationNameKey, parseMunicipality } from './municipalities';

describe(parseMunicipality.name, () => {
  it.each([
    ['weert', 'Weert', true],
    ['  ROERMOND ', 'Roermond', true],
    ['Cranendonck', 'Cranendonck', true],
    ['Venlo', 'Venlo', false],
    ["'s-Hertogenbosch", "'s-Hertogenbosch", false],
  ])('%s → %s (in region: %s)', (input, name, inRegion) => {
    expect(parseMunicipality(input)).toMatchObject({ name, inRegion });
  });

  it('is null for nothing', () => {
    expect(parseMunicipality('  ')).toBeNull();
    expect(parseMunicipality(undefined)).toBeNull();
  });
});

describe(organisationNameKey.name, () => {
  it('ignores case, accents, punctuation and legal forms', () => {
    expect(organisationNameKey('Jansen Techniek B.V.')).toBe(organisationNameKey('jansen   techniek'));
    expect(organisationNameKey('Café Het Hoekje VOF')).toBe(organisationNameKey('cafe het hoekje'));
    expect(organisationNameKey('Jansen Techniek')).not.toBe(organisationNameKey('Janssen Techniek'));
  });
});
