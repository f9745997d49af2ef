import { FieldError } from '@keyport/common';
import { Language, LANGUAGES, MailRenderer, MailTemplateError, RenderedMail } from '@keyport/mail';

export interface TemplateParts {
  subject: string;
  html: string;
  text: string;
}

/** A template's text in both languages: what a mailing snapshots when it starts sending. */
export interface MailingContent {
  nl: TemplateParts;
  en: TemplateParts;
}

/** The variables of one message (see TEMPLATE_VARIABLES). `event` and `signUpUrl` only with an event. */
export interface RecipientVariables {
  contact: { firstName: string; lastName: string; name: string; email: string };
  organisation: { name: string; municipality: string };
  event?: { title: string; date: string; time: string; venue: string; address: string; url: string };
  signUpUrl?: string;
  unsubscribeUrl: string;
  sender: { name: string; email: string };
}

type Fn = (data: Record<string, unknown>) => string;
const PARTS = ['subject', 'html', 'text'] as const;

/** A mailing's content compiled once, rendered per recipient in their language. */
export class CompiledContent {
  private readonly compiled: Record<Language, Record<(typeof PARTS)[number], Fn>>;

  constructor(
    private readonly renderer: MailRenderer,
    content: MailingContent,
  ) {
    const errors: FieldError[] = [];
    const compiled = {} as Record<Language, Record<(typeof PARTS)[number], Fn>>;
    for (const lang of LANGUAGES) {
      compiled[lang] = {} as Record<(typeof PARTS)[number], Fn>;
      for (const part of PARTS) {
        try {
          compiled[lang][part] = renderer.compileSource(`${lang}.${part}`, content[lang][part], part);
        } catch (error) {
          errors.push(templateFieldError(lang, part, error));
        }
      }
    }
    if (errors.length) throw new TemplateErrors(errors);
    this.compiled = compiled;
  }

  render(lang: Language, variables: RecipientVariables): RenderedMail {
    return this.renderer.renderParts(this.compiled[lang], lang, variables as unknown as Record<string, unknown>);
  }

  /**
   * Every error of every part in both languages, rendering with these variables: syntax errors and
   * unknown variables, each with its field ('nl.html') and line.
   */
  check(variables: RecipientVariables): FieldError[] {
    const errors: FieldError[] = [];
    for (const lang of LANGUAGES) {
      for (const part of PARTS) {
        try {
          this.compiled[lang][part]({ ...variables, lang });
        } catch (error) {
          errors.push(templateFieldError(lang, part, error));
        }
      }
    }
    return errors;
  }
}

/** Thrown when a template does not compile: every error, as fields. */
export class TemplateErrors extends Error {
  constructor(readonly fields: FieldError[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join('; '));
    this.name = 'TemplateErrors';
  }
}

function templateFieldError(lang: Language, part: string, error: unknown): FieldError {
  if (error instanceof MailTemplateError) {
    const message = error.message.replace(/^template [^:]+: /, '');
    return { field: `${lang}.${part}`, message, rule: 'template' };
  }
  throw error;
}

/** Variables with every field filled: what templates are checked against when saved and previewed without a recipient. */
export function sampleVariables(lang: Language, withEvent: boolean, appUrl: string): RecipientVariables {
  const sample: RecipientVariables = {
    contact: { firstName: 'Anna', lastName: 'Jansen', name: 'Anna Jansen', email: 'anna.jansen@example.nl' },
    organisation: { name: 'Jansen Techniek B.V.', municipality: 'Roermond' },
    unsubscribeUrl: `${appUrl}/unsubscribe/preview`,
    sender: { name: 'Keyport 2020', email: 'info@keyport2020.nl' },
  };
  if (withEvent) {
    sample.event = {
      title: lang === 'en' ? 'Breakfast session Smart Industry' : 'Ontbijtsessie Smart Industry',
      date: lang === 'en' ? 'Thursday 12 March 2026' : 'donderdag 12 maart 2026',
      time: '08:30',
      venue: 'Gilde Opleidingen',
      address: 'Bisschop Lindanussingel 1, Roermond',
      url: `${appUrl}/events/ontbijtsessie`,
    };
    sample.signUpUrl = `${appUrl}/events/ontbijtsessie?invite=preview`;
  }
  return sample;
}
