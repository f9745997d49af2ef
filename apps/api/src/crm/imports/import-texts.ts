import { ImportFileError, RowReason } from '@keyport/crm/import';
import { Lang, PageRenderer } from '../../pages/page-renderer';

/** Import reasons and file problems in the reader's language (the lib stores codes, plus English). */
export class ImportTexts {
  constructor(
    private readonly pages: PageRenderer,
    private readonly lang: Lang,
  ) {}

  private t(key: string, args?: Record<string, unknown>): string {
    return this.pages.t(this.lang, `imports.${key}`, args);
  }

  /** The translation, or undefined where the catalogue has none (the key comes back). */
  private maybe(key: string, args?: Record<string, unknown>): string | undefined {
    const text = this.t(key, args);
    return text === `imports.${key}` ? undefined : text;
  }

  field(field: string): string {
    return this.maybe(`fields.${field.replace(/^organisations\.\d+\./, '')}`) ?? field;
  }

  reason(r: RowReason): string {
    switch (r.code) {
      case 'invalid': {
        const field = r.field ?? '';
        const problem = (r.rule === 'matches' && this.maybe(`rules.${field}`)) || (r.rule && this.maybe(`rules.${r.rule}`)) || r.message;
        return this.t('reasons.invalid', { field: this.field(field), problem });
      }
      case 'organisationNotFound':
        return this.t(r.field === 'organisationKvk' ? 'reasons.organisationNotFoundKvk' : 'reasons.organisationNotFoundName');
      case 'duplicate':
      case 'duplicateRow':
        return this.match(r) ?? this.t('reasons.existsNow');
      case 'addedToExisting':
      case 'contactExists': {
        const text = this.match(r);
        return text ? this.t(`reasons.${r.code}`, { text }) : (this.maybe(`reasons.${r.code}`, { text: '' }) ?? r.message).trim();
      }
      default:
        return this.maybe(`reasons.${r.code}`) ?? r.message;
    }
  }

  reasons(list: RowReason[]): string {
    return list.map((r) => this.reason(r)).join(' ');
  }

  /** "Organisation exists: same KvK number as …" / "Same person (email address) as line 4." */
  private match(r: RowReason): string | undefined {
    if (!r.entity || !r.match) return undefined;
    const what = `${r.entity}${r.match[0].toUpperCase()}${r.match.slice(1)}`;
    if (r.row !== undefined) return this.maybe(`reasons.row${what[0].toUpperCase()}${what.slice(1)}`, { row: r.row });
    return r.existing ? this.maybe(`reasons.${what}`, { name: r.existing.name }) : undefined;
  }

  fileError(error: ImportFileError): string {
    return this.maybe(`fileErrors.${error.problem}`, error.args) ?? error.message;
  }
}
