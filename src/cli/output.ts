/** Table or JSON output for every resource command (`-f table|json`). */
import Table from 'cli-table3';

export type Format = 'table' | 'json';

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
  const table = new Table({ head: [...columns] });
  for (const row of rows) table.push(columns.map((column) => cell(row[column])));
  process.stdout.write(`${table.toString()}\n`);
}

export function printOne(row: Record<string, unknown>, format: Format): void {
  if (format === 'json') return void process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
  const table = new Table({ head: ['Field', 'Value'] });
  for (const [key, value] of Object.entries(row)) if (key !== 'links') table.push([key, cell(value)]);
  process.stdout.write(`${table.toString()}\n`);
}

function pick(row: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((column) => [column, row[column]]));
}
