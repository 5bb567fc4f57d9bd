/**
 * Writes the documentation generated from the registries (strategy pages, support matrix).
 * Usage: npx tsx scripts/gen-docs.ts [--check]   (--check exits 1 when a checked-in file is stale)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDocs } from '../src/decision-engine/generated-docs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [path, content] of generateDocs()) {
  const target = join(root, path);
  const current = await readFile(target, 'utf8').catch(() => undefined);
  if (current === content) continue;
  if (check) {
    stale.push(path);
    continue;
  }
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, content);
  process.stdout.write(`wrote ${path}\n`);
}
if (stale.length > 0) {
  process.stderr.write(`stale generated docs (run npx tsx scripts/gen-docs.ts): ${stale.join(', ')}\n`);
  process.exit(1);
}
