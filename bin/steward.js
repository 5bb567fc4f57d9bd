#!/usr/bin/env node
// Runs the JavaScript that `npm ci` compiled into dist/ (the prepare script) when it is at least as new as every
// TypeScript source; otherwise (a checkout being edited, or never built) the sources themselves through tsx, so a
// command never runs stale code. Set STEWARD_FROM_SOURCE=1 to always run the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/main.js', root);
const sources = new URL('src/', root);

/** The newest modification time of a source the build compiles (tests are not compiled). */
function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(new URL(`${entry.name}/`, directory)));
    else if (/(?<!\.test|\.fixture)\.ts$/.test(entry.name))
      newest = Math.max(newest, statSync(new URL(entry.name, directory)).mtimeMs);
  }
  return newest;
}

const useCompiled =
  process.env.STEWARD_FROM_SOURCE !== '1' &&
  existsSync(compiled) &&
  (!existsSync(sources) || statSync(compiled).mtimeMs >= newestSource(sources));

if (useCompiled) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('src/main.ts', root).href);
}
