import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from './paths';

function keys(lang: string): string[] {
  const dir = projectPath('libs', 'common', 'i18n', lang);
  const out: string[] = [];
  const walk = (prefix: string, v: unknown) =>
    v && typeof v === 'object' ? Object.entries(v).forEach(([k, c]) => walk(`${prefix}.${k}`, c)) : out.push(prefix);
  for (const f of readdirSync(dir)) walk(f.replace('.json', ''), JSON.parse(readFileSync(join(dir, f), 'utf8')));
  return out.sort();
}

describe('message catalogue', () => {
  it('has the same keys in Dutch and English', () => {
    expect(keys('en')).toEqual(keys('nl'));
  });

  it('has every key the views use', () => {
    const available = new Set(keys('nl'));
    const views = projectPath('apps', 'api', 'views');
    const used = new Set<string>();
    for (const entry of readdirSync(views, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      for (const m of text.matchAll(/\{\{t "([\w.]+)"/g)) used.add(m[1]);
    }
    expect([...used].filter((k) => !available.has(k))).toEqual([]);
  });
});
