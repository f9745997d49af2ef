/**
 * The one table `npm run bench` ends with: each benchmark adds its headline figures here, each with the
 * limit measured beside it in the same run where there is one (raw PostgreSQL, a plain nodemailer loop).
 */
export interface SummaryRow {
  benchmark: string;
  figure: string;
  measured: string;
  limit: string;
}

const rows: SummaryRow[] = [];

export function addSummary(benchmark: string, figure: string, measured: string, limit = '—'): void {
  rows.push({ benchmark, figure, measured, limit });
}

export function printSummary(): void {
  if (!rows.length) return;
  const columns: (keyof SummaryRow)[] = ['benchmark', 'figure', 'measured', 'limit'];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log('\n== summary ==');
  console.log(line(columns));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(columns.map((c) => r[c])));
}
