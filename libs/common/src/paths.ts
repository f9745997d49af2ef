import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project's root folder (the one holding package.json), found the same way from src/ and dist/. */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(__dirname);

/** A path inside the project's source tree (views, templates, message catalogue): not copied to dist. */
export const projectPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);
