/** docs/configuration.md is generated from the config schema, so the documented defaults are the real ones. */
import { ConfigSchema } from './config.js';
import { ENVIRONMENT } from './environment.js';

interface SchemaNode {
  type?: string;
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  items?: SchemaNode;
}

function rows(node: SchemaNode, prefix: string): string[] {
  const lines: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.properties) {
      lines.push(...rows(child, path));
      continue;
    }
    const env = Object.entries(ENVIRONMENT).find(([, target]) => target === path)?.[0];
    const fallback =
      key === 'host' && prefix === ''
        ? '(the machine’s hostname)'
        : child.default === undefined
          ? '—'
          : `\`${JSON.stringify(child.default)}\``;
    lines.push(`| \`${path}\` | ${env ? `\`${env}\`` : ''} | ${fallback} | ${child.description ?? ''} |`);
  }
  return lines;
}

export function renderConfigurationDoc(): string {
  return [
    '# Configuration',
    '',
    '<!-- generated from src/config/config.ts by `npx tsx scripts/gen-config-docs.ts`; a unit test checks it -->',
    '',
    'Steward reads its defaults (the embedded mode), then a JSON file (`steward serve --config file.json` or',
    '`STEWARD_CONFIG`), then environment variables, then command-line flags (`--role`, `--port`, `--database`).',
    'Every problem in the result is reported at once, in one block naming where each value came from, and the',
    'process exits with status 2. That includes unknown keys (refused, with the nearest valid key suggested:',
    '`api.prot: unknown key; did you mean api.port?`) and settings that fit their types but cannot work together',
    '(a `mysql://` database URL; `cloud.kind openstack` without `cloud.keystone.authUrl` or `datasource.url`).',
    '',
    'Then, before anything is created (no `./data/db`, no tables), `steward serve` checks what it needs at run time:',
    'the API port is free, PostgreSQL answers, and with a real cloud Keystone and Prometheus answer. A failure is one',
    'line saying what to do, with exit status 1, for example',
    '`Cannot listen on 127.0.0.1:9322: the address is already in use. Stop the process that holds it, or give Steward',
    'another port (--port or STEWARD_API_PORT).` A start that fails later removes the PGlite directory it made.',
    '`test/e2e/startup-failures.test.ts` runs each of these failures.',
    '',
    '| key | environment | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows(ConfigSchema, ''),
    '',
  ].join('\n');
}
