/** A table's header row: one `scope="col"` cell per column, so screen readers name every cell by its column. */

/**
 * A column's heading. `{ hidden }` is read to screen readers but not shown (a column of buttons); `false` leaves
 * the column out, for one shown only sometimes.
 */
export type Column = string | { hidden: string } | false;

export function ColumnHeads({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map(
          (column, index) =>
            column !== false && (
              <th scope="col" key={index}>
                {typeof column === 'string' ? (
                  column
                ) : (
                  <span className="visually-hidden">{column.hidden}</span>
                )}
              </th>
            ),
        )}
      </tr>
    </thead>
  );
}
