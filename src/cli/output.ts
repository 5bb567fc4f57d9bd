/**
 * How resource commands print, as the openstack client (cliff) does: `-f table|json|yaml|value|csv` and `-c COLUMN`
 * (repeatable) to keep only some columns; lists take `--detail` for every field.
 */
import Table from 'cli-table3';
import type { Command } from 'commander';
import { isColourWanted } from '../lib/colour.js';
import { UsageError } from './usage-error.js';

export const FORMATS = ['table', 'json', 'yaml', 'value', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** What the options of one command ask for: the format (a global option) and the columns (`-c`). */
export interface Output {
  format: Format;
  columns: readonly string[];
}

/** `-c COLUMN`, on every command that prints a resource or a list. */
export function addColumnOption(command: Command): Command {
  return command.option(
    '-c, --column <name>',
    'show only this column; repeat for more (as the openstack client)',
    (value: string, previous: string[] = []) => [...previous, value],
  );
}

export function outputOf(command: Command): Output {
  const options = command.optsWithGlobals<{ format: Format; column?: string[] }>();
  return { format: options.format, columns: options.column ?? [] };
}

// cli-table3 leaves colouring to @colors/colors, which decides on its own (it colours pipes, and nothing at all
// where CI is set); Steward decides instead: plain cells always, and bold column names on a terminal only.
const PLAIN = { head: [], border: [] };
const heading = (names: readonly string[]): string[] =>
  isColourWanted(process.stdout.isTTY, process.env)
    ? names.map((name) => `\x1b[1m${name}\x1b[22m`)
    : [...names];

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/** cliff's default CSV quoting ("nonnumeric"): numbers bare, everything else quoted, quotes doubled. */
const csvCell = (value: unknown): string =>
  typeof value === 'number' ? String(value) : `"${cell(value).replaceAll('"', '""')}"`;

/**
 * The columns to print: those asked for with `-c` that exist (cliff ignores the others, and refuses when none
 * exists), else every field with `--detail`, else the command's defaults.
 */
function chooseColumns(available: readonly string[], defaults: readonly string[], output: Output): string[] {
  if (output.columns.length === 0) return [...defaults];
  const known = output.columns.filter((column) => available.includes(column));
  if (known.length === 0)
    throw new UsageError(
      `No recognized column names in ${output.columns.map((c) => `'${c}'`).join(', ')}. ` +
        `Recognized columns are ${available.map((c) => `'${c}'`).join(', ')}.`,
    );
  return known;
}

const fieldsOf = (rows: readonly Record<string, unknown>[]): string[] => [
  ...new Set(rows.flatMap((row) => Object.keys(row)).filter((key) => key !== 'links')),
];

export async function printList(
  rows: readonly Record<string, unknown>[],
  defaults: readonly string[],
  output: Output,
  options: { detail?: boolean } = {},
): Promise<void> {
  const available = [...new Set([...defaults, ...fieldsOf(rows)])];
  const columns = chooseColumns(available, options.detail ? available : defaults, output);
  const picked = rows.map((row) =>
    Object.fromEntries(columns.map((column) => [column, row[column] ?? null])),
  );
  process.stdout.write(await render(output.format, columns, picked, 'list'));
}

export async function printOne(row: Record<string, unknown>, output: Output): Promise<void> {
  const available = Object.keys(row).filter((key) => key !== 'links');
  const columns = chooseColumns(available, available, output);
  const picked = Object.fromEntries(columns.map((column) => [column, row[column] ?? null]));
  process.stdout.write(await render(output.format, columns, [picked], 'one'));
}

async function render(
  format: Format,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  shape: 'list' | 'one',
): Promise<string> {
  const only = rows[0] ?? {};
  switch (format) {
    case 'json':
      return `${JSON.stringify(shape === 'list' ? rows : only, null, 2)}\n`;
    case 'yaml': {
      // Loaded only for YAML output: most commands start without it.
      const { stringify } = await import('yaml');
      return stringify(shape === 'list' ? rows : only);
    }
    case 'value':
      // cliff: a list prints one line per row, values separated by spaces; a single resource one value per line.
      return shape === 'list'
        ? rows.map((row) => `${columns.map((column) => cell(row[column])).join(' ')}\n`).join('')
        : columns.map((column) => `${cell(only[column])}\n`).join('');
    case 'csv':
      return [columns.map(csvCell), ...rows.map((row) => columns.map((column) => csvCell(row[column])))]
        .map((line) => `${line.join(',')}\n`)
        .join('');
    case 'table': {
      if (shape === 'one') {
        const table = new Table({ head: heading(['Field', 'Value']), style: PLAIN });
        for (const column of columns) table.push([column, cell(only[column])]);
        return `${table.toString()}\n`;
      }
      const table = new Table({ head: heading(columns), style: PLAIN });
      for (const row of rows) table.push(columns.map((column) => cell(row[column])));
      return `${table.toString()}\n`;
    }
  }
}
