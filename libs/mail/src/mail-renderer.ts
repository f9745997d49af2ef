import { formatDateTime, projectPath } from '@keyport/common';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Language = 'nl' | 'en';
export const LANGUAGES: Language[] = ['nl', 'en'];

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export const MAIL_TEMPLATE_DIR = projectPath('libs', 'mail', 'templates');
export const CATALOGUE_DIR = projectPath('libs', 'common', 'i18n');

/** The message catalogue (the one the pages use), flattened to 'file.key.sub' → text, per language. */
function loadCatalogue(lang: Language): Map<string, string> {
  const map = new Map<string, string>();
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    else map.set(prefix, String(value));
  };
  const dir = join(CATALOGUE_DIR, lang);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    walk(file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  return map;
}

/** Thrown when a template does not compile or refers to a variable the data lacks. */
export class MailTemplateError extends Error {
  constructor(
    readonly template: string,
    message: string,
    readonly line?: number,
  ) {
    super(`template ${template}: ${message}`);
    this.name = 'MailTemplateError';
  }
}

type Compiled = Handlebars.TemplateDelegate;

/**
 * Renders mail from Handlebars templates: one shared layout (HTML and text), and per message a subject,
 * an HTML and a text part in Dutch and English (`<name>.<lang>.{subject,html,text}.hbs`). Compiled with
 * `strict: true`, so a missing variable fails when the mail is rendered (before it is queued), never
 * as an empty gap in a sent message.
 */
@Injectable()
export class MailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Compiled>();

  private readonly catalogue = new Map(LANGUAGES.map((l) => [l, loadCatalogue(l)]));

  constructor(private readonly dir: string = MAIL_TEMPLATE_DIR) {
    // {{t "roles" role}}: the catalogue's text for the key made of the parts ('roles.admin').
    this.hbs.registerHelper('t', (...args: unknown[]) => {
      const options = args.pop() as Handlebars.HelperOptions;
      const lang: Language = options.data?.root?.lang === 'en' ? 'en' : 'nl';
      const key = args.map(String).join('.');
      const text = this.catalogue.get(lang)?.get(key);
      if (text === undefined) throw new MailTemplateError('t', `no message "${key}" in the ${lang} catalogue`);
      return text;
    });
    this.hbs.registerHelper('date', (value: Date | string, lang: unknown) =>
      formatDateTime(value, typeof lang === 'string' ? lang : 'nl', false),
    );
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('datetime', (value: Date | string, lang: unknown) =>
      formatDateTime(value, typeof lang === 'string' ? lang : 'nl', true),
    );
  }

  render(name: string, lang: Language, data: Record<string, unknown>): RenderedMail {
    const context = { ...data, lang };
    const subject = this.run(`${name}.${lang}.subject`, context).replace(/\s+/g, ' ').trim();
    const htmlBody = this.run(`${name}.${lang}.html`, context);
    const textBody = this.run(`${name}.${lang}.text`, context);
    const layoutData = { ...context, subject, body: new Handlebars.SafeString(htmlBody) };
    return {
      subject,
      html: this.run('layout.html', layoutData),
      text: this.run('layout.text', { ...context, subject, body: textBody }),
    };
  }

  /**
   * Compiles user-written template text (mailings) with the platform's helpers: syntax errors come back
   * as a MailTemplateError with their line; unknown variables surface when the result is run.
   */
  compileSource(label: string, source: string, kind: 'subject' | 'html' | 'text'): (data: Record<string, unknown>) => string {
    let fn: Compiled;
    try {
      fn = this.hbs.compile(source, { strict: true, noEscape: kind !== 'html' });
      fn({}); // parses now; a missing variable is fine here, the real data decides
    } catch (error) {
      if (!isMissingVariable(error)) throw toTemplateError(label, error);
    }
    fn = this.hbs.compile(source, { strict: true, noEscape: kind !== 'html' });
    return (data) => {
      try {
        return fn(data);
      } catch (error) {
        throw toTemplateError(label, error);
      }
    };
  }

  /**
   * Renders user-written parts (a mailing's subject, HTML and text) inside the shared layout, with the
   * unsubscribe footer when `unsubscribeUrl` is given.
   */
  renderParts(
    parts: { subject: (d: Record<string, unknown>) => string; html: (d: Record<string, unknown>) => string; text: (d: Record<string, unknown>) => string },
    lang: Language,
    data: Record<string, unknown>,
  ): RenderedMail {
    const context = { ...data, lang };
    const subject = parts.subject(context).replace(/\s+/g, ' ').trim();
    const htmlBody = parts.html(context);
    const textBody = parts.text(context);
    return {
      subject,
      html: this.run('layout.html', { ...context, subject, body: new Handlebars.SafeString(htmlBody) }),
      text: this.run('layout.text', { ...context, subject, body: textBody }),
    };
  }

  private run(file: string, data: Record<string, unknown>): string {
    const fn = this.template(file);
    try {
      return fn(data);
    } catch (error) {
      throw toTemplateError(file, error);
    }
  }

  private template(file: string): Compiled {
    let fn = this.cache.get(file);
    if (!fn) {
      const path = join(this.dir, `${file}.hbs`);
      if (!existsSync(path)) throw new MailTemplateError(file, `no such template (${path})`);
      const source = readFileSync(path, 'utf8');
      try {
        fn = this.hbs.compile(source, { strict: true, noEscape: file.endsWith('.text') || file.endsWith('.subject') });
      } catch (error) {
        throw toTemplateError(file, error);
      }
      this.cache.set(file, fn);
    }
    return fn;
  }
}

function isMissingVariable(error: unknown): boolean {
  return error instanceof Error && /not defined in/.test(error.message);
}

/** Handlebars' errors in plain words, with the line: "Parse error on line 3" or '"x" not defined in … - 3:7'. */
function toTemplateError(template: string, error: unknown): MailTemplateError {
  if (error instanceof MailTemplateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const line = Number(message.match(/line (\d+)/)?.[1] ?? (error as { lineNumber?: number })?.lineNumber) || undefined;
  const missing = message.match(/^"([^"]+)" not defined in/);
  if (missing) return new MailTemplateError(template, `unknown variable or helper "${missing[1]}"${line ? ` on line ${line}` : ''}`, line);
  const parse = message.match(/^Parse error on line (\d+):[\s\S]*?\n(Expecting [\s\S]*)$/);
  if (parse) return new MailTemplateError(template, `syntax error on line ${parse[1]}: ${parse[2].replace(/'/g, '').slice(0, 200)}`, line);
  return new MailTemplateError(template, `${message.split('\n')[0]}${line && !/line \d+/.test(message) ? ` (line ${line})` : ''}`, line);
}
