/** The frame of a panel that lists one resource, the table of its rows, and their delete button. */
import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ColumnHeads, type Column } from './column-heads.js';
import { ErrorNote, Panel, QueryView } from './query-view.js';

/**
 * A panel of rows: a "New …" button (or other `actions`) in its header, a failed deletion's error above the list,
 * and the list's loading, error and empty states; `children` draws the rows once there are some.
 */
export function ListPanel<Row>({
  title,
  create,
  actions,
  deletion,
  intro,
  query,
  what,
  empty,
  children,
}: {
  title: string;
  /** Where the primary "New …" button leads; it takes the place of `actions`. */
  create?: { href: string; label: string };
  actions?: ReactNode;
  /** The rows' delete mutation: when it fails, the panel says so above the list. */
  deletion?: { isError: boolean; error: unknown };
  /** Shown above the list, whatever its state. */
  intro?: ReactNode;
  query: UseQueryResult<Row[]>;
  what: string;
  empty: ReactNode;
  children: (rows: Row[]) => ReactNode;
}) {
  return (
    <Panel
      title={title}
      actions={
        create !== undefined ? (
          <a className="button primary" href={create.href}>
            {create.label}
          </a>
        ) : (
          actions
        )
      }
    >
      {deletion?.isError && <ErrorNote error={deletion.error} title="Not deleted" />}
      {intro}
      <QueryView query={query} what={what} empty={empty}>
        {children}
      </QueryView>
    </Panel>
  );
}

/** The heading of a column of row buttons (open, delete): read to screen readers, not shown. */
export const BUTTONS_COLUMN: Column = { hidden: 'Actions' };

/** A list panel's rows as a table: a heading per column, and `row(item)` (a keyed `<tr>`) per item. */
export function RowsTable<Row>({
  columns,
  rows,
  row,
}: {
  columns: readonly Column[];
  rows: readonly Row[];
  row: (item: Row) => ReactNode;
}) {
  return (
    <table>
      <ColumnHeads columns={columns} />
      <tbody>{rows.map((item) => row(item))}</tbody>
    </table>
  );
}

/** A row's delete button: asks `question` first, as deleting cannot be undone. */
export function DeleteButton({
  question,
  className,
  disabled,
  onConfirmed,
}: {
  question: string;
  className?: string;
  disabled?: boolean;
  onConfirmed: () => void;
}) {
  return (
    <button
      type="button"
      className={className}
      disabled={disabled}
      onClick={() => {
        if (window.confirm(question)) onConfirmed();
      }}
    >
      Delete
    </button>
  );
}
