import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { strategies } from '../strategies/index.js';
import { generateDocs, parameterTable } from './generated-docs.js';

const root = join(import.meta.dirname, '..', '..');
const generated = [...generateDocs()];

describe('generated documentation', () => {
  it.each(generated.map(([path, content]) => [path, content] as const))(
    '%s matches what scripts/gen-docs.ts generates from the registries',
    async (path, content) => {
      expect(await readFile(join(root, path), 'utf8')).toBe(content);
    },
  );

  it('has a page for every registered strategy and no page for an unregistered one', async () => {
    const pages = (await readdir(join(root, 'docs/strategies')))
      .filter((name) => name.endsWith('.md'))
      .sort();
    expect(pages).toEqual(strategies.all.map((strategy) => `${strategy.name}.md`).sort());
  });

  it('lists every parameter of the dummy strategy with its default and bounds', () => {
    const table = parameterTable(strategies.require('dummy'));
    expect(table).toContain('| `para1` | number | `3.2` | ≥ 1, ≤ 10.2 | number parameter example |');
    expect(table).toContain('| `para2` | string | `"hello"` |  | string parameter example |');
  });
});
