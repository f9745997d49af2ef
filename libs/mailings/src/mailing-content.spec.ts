import { MailRenderer } from '@keyport/mail';
import { CompiledContent, sampleVariables, TemplateErrors } from './mailing-content';

const renderer = new MailRenderer();
const parts = (subject: string, html: string, text: string) => ({ subject, html, text });

describe('mailing content', () => {
  it('renders each language on the shared layout, escaping HTML but not the text part, with the unsubscribe footer', () => {
    const content = new CompiledContent(renderer, {
      nl: parts('Uitnodiging {{event.title}}', '<p>Beste {{contact.firstName}}, <a href="{{signUpUrl}}">meld je aan</a></p>', 'Beste {{contact.firstName}}: {{signUpUrl}}'),
      en: parts('Invitation {{event.title}}', '<p>Dear {{contact.firstName}}</p>', 'Dear {{contact.firstName}}'),
    });
    const variables = sampleVariables('nl', true, 'https://k.test');
    variables.contact.firstName = 'Anna <b>';
    const nl = content.render('nl', variables);
    expect(nl.subject).toBe('Uitnodiging Ontbijtsessie Smart Industry');
    expect(nl.html).toContain('Beste Anna &lt;b&gt;');
    expect(nl.html).toContain('href="https://k.test/unsubscribe/preview"');
    expect(nl.html).toContain('Afmelden voor mailings');
    expect(nl.text).toContain('Beste Anna <b>: https://k.test/events/ontbijtsessie?invite=preview');
    expect(nl.text).toContain('https://k.test/unsubscribe/preview');
    expect(content.render('en', sampleVariables('en', true, 'https://k.test')).html).toContain('Unsubscribe from mailings');
  });

  it('reports a syntax error with its part and line', () => {
    let caught: unknown;
    try {
      new CompiledContent(renderer, { nl: parts('ok', '<p>\n{{#if contact.firstName}}\nno end', 'ok'), en: parts('ok', 'ok', 'ok') });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TemplateErrors);
    const [field] = (caught as TemplateErrors).fields;
    expect(field.field).toBe('nl.html');
    expect(field.message).toMatch(/line 3/);
  });

  it('reports an unknown variable with its line, and event variables in a mailing without an event', () => {
    const content = new CompiledContent(renderer, {
      nl: parts('Hallo', 'regel 1\nregel 2 {{contact.nickname}}', 'ok'),
      en: parts('Hi {{event.title}}', 'ok', 'ok'),
    });
    const errors = content.check(sampleVariables('nl', false, 'https://k.test'));
    expect(errors).toEqual([
      { field: 'nl.html', message: 'unknown variable or helper "nickname" on line 2', rule: 'template' },
      { field: 'en.subject', message: 'unknown variable or helper "title" on line 1', rule: 'template' },
    ]);
    expect(content.check(sampleVariables('nl', true, 'https://k.test'))).toHaveLength(1);
  });
});
