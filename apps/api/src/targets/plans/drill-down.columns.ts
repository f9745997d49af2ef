import { DrillDownItem, OUTSIDE } from '@keyport/targets';
import { Column } from '../../common/export';

type T = (key: string) => string;

const detailText = (item: DrillDownItem, key: string): string | null => {
  const v = item.detail?.[key];
  return v === undefined || v === null ? null : String(v);
};

/** A drill-down as a spreadsheet: one row per thing counted, with what it adds to the figure. */
export function drillDownColumns(t: T): Column<DrillDownItem>[] {
  return [
    { header: t('plans.items.kind'), value: (i) => t(`plans.itemKinds.${i.kind}`) },
    { header: t('plans.items.name'), value: (i) => i.name },
    { header: t('plans.items.municipality'), value: (i) => (i.municipality === OUTSIDE ? t('plans.outside') : i.municipality) },
    { header: t('plans.items.at'), value: (i) => i.at },
    { header: t('plans.items.count'), value: (i) => i.count },
    { header: t('plans.items.organisation'), value: (i) => detailText(i, 'organisationName') },
    { header: t('plans.items.records'), value: (i) => i.recordIds.length },
    { header: t('plans.items.id'), value: (i) => i.id },
  ];
}

/** An array as the async iterable streamExport takes. */
export async function* each<T>(rows: T[]): AsyncGenerator<T> {
  yield* rows;
}
