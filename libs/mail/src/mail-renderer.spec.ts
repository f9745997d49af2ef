import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailRenderer, MailTemplateError } from './mail-renderer';

describe(MailRenderer.name, () => {
  const sut = new MailRenderer();

  it.each(['nl', 'en'] as const)('renders the staff welcome in %s with layout, HTML and text', (lang) => {
    const mail = sut.render('staff-welcome', lang, { name: 'Ans <b>Peeters</b>', email: 'ans@example.nl', role: 'organiser', loginUrl: 'https://k.nl/login' });
    expect(mail.subject).toBe(lang === 'nl' ? 'Uw account voor het Keyport-platform' : 'Your account for the Keyport platform');
    expect(mail.html).toContain(`<html lang="${lang}">`);
    expect(mail.html).toContain('Ans &lt;b&gt;Peeters&lt;/b&gt;');
    expect(mail.html).toContain(lang === 'nl' ? 'Organisator' : 'Organiser');
    expect(mail.text).toContain('Ans <b>Peeters</b>');
    expect(mail.text).not.toContain('&lt;');
  });

  it('fails on a missing variable instead of sending a gap (strict mode)', () => {
    expect(() => sut.render('staff-welcome', 'nl', { name: 'x', email: 'y', role: 'admin' })).toThrow(MailTemplateError);
  });

  it('reports a syntax error with its line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
    writeFileSync(join(dir, 'broken.nl.subject.hbs'), 'Hallo\n{{#if x}\n');
    const broken = new MailRenderer(dir);
    try {
      broken.render('broken', 'nl', {});
      throw new Error('expected a MailTemplateError');
    } catch (error) {
      expect(error).toBeInstanceOf(MailTemplateError);
      expect((error as MailTemplateError).line).toBe(2);
    }
  });

  it('has every template in both languages with all three parts', () => {
    for (const name of ['staff-welcome', 'test-mail']) {
      for (const lang of ['nl', 'en'] as const) {
        expect(() => sut.render(name, lang, { name: 'n', email: 'e', role: 'admin', loginUrl: 'u', sender: 's', sentAt: new Date() })).not.toThrow();
      }
    }
  });
});
