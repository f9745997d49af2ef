import { OrganisationView } from '@keyport/crm';
import { Column } from '../../common/export';

type T = (key: string) => string;

/** The columns of an organisations export (pages and API alike), headed in the reader's language. */
export function organisationColumns(t: T): Column<OrganisationView>[] {
  return [
    { header: t('organisations.name'), value: (o) => o.name },
    { header: t('organisations.type'), value: (o) => t(`organisations.types.${o.type}`) },
    { header: t('organisations.kvkNumber'), value: (o) => o.kvkNumber },
    { header: t('organisations.municipality'), value: (o) => o.municipality },
    { header: t('organisations.inRegion'), value: (o) => (o.inRegion ? t('common.yes') : t('common.no')) },
    { header: t('organisations.street'), value: (o) => o.street },
    { header: t('organisations.postcode'), value: (o) => o.postcode },
    { header: t('organisations.city'), value: (o) => o.city },
    { header: t('organisations.sector'), value: (o) => o.sector },
    { header: t('organisations.sizeClass'), value: (o) => (o.sizeClass ? t(`organisations.sizes.${o.sizeClass}`) : '') },
    { header: t('organisations.website'), value: (o) => o.website },
    { header: t('organisations.tags'), value: (o) => o.tags.join(', ') },
    { header: t('organisations.accountManager'), value: (o) => o.accountManagerName },
    { header: t('organisations.createdAt'), value: (o) => o.createdAt },
    { header: 'id', value: (o) => o.id },
  ];
}
