/** docs/configuration.md is generated from the config schema, so the documented defaults are the real ones. */
import { ConfigSchema, ENVIRONMENT } from './config.js';

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
    'Every problem in the result is reported at once and the process exits with status 2.',
    '',
    '| key | environment | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows(ConfigSchema, ''),
    '',
  ].join('\n');
}
