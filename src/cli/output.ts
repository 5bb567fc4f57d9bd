/** Table or JSON output for every resource command (`-f table|json`). */
import Table from 'cli-table3';
import { isColourWanted } from '../lib/colour.js';

export type Format = 'table' | 'json';

// cli-table3 colours its header and borders wherever it runs (pipes and NO_COLOR too) unless told not to.
const tableStyle = (): { head: string[]; border: string[] } | undefined =>
  isColourWanted(process.stdout.isTTY, process.env) ? undefined : { head: [], border: [] };

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
};

export function printList(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  format: Format,
): void {
  if (format === 'json')
    return void process.stdout.write(
      `${JSON.stringify(
        rows.map((row) => pick(row, columns)),
        null,
        2,
      )}\n`,
    );
  const style = tableStyle();
  const table = new Table({ head: [...columns], ...(style && { style }) });
  for (const row of rows) table.push(columns.map((column) => cell(row[column])));
  process.stdout.write(`${table.toString()}\n`);
}

export function printOne(row: Record<string, unknown>, format: Format): void {
  if (format === 'json') return void process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
  const style = tableStyle();
  const table = new Table({ head: ['Field', 'Value'], ...(style && { style }) });
  for (const [key, value] of Object.entries(row)) if (key !== 'links') table.push([key, cell(value)]);
  process.stdout.write(`${table.toString()}\n`);
}

function pick(row: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((column) => [column, row[column]]));
}
