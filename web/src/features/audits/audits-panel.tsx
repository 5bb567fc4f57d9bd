/** Audits: type, state (polled while running), parameters, status message, and the plans each produced. */
import { useAudits, useDeleteAudit } from '../../api/queries.js';
import { href } from '../../router.js';
import { StateBadge } from '../../ui/state-badge.js';
import { BUTTONS_COLUMN, DeleteButton, ListPanel, RowsTable } from '../../ui/list-panel.js';
import { formatTime } from '../../ui/query-view.js';

export function AuditsPanel() {
  const audits = useAudits();
  const remove = useDeleteAudit();
  return (
    <ListPanel
      title="Audits"
      create={{ href: href('audits', 'new'), label: 'New audit' }}
      deletion={remove}
      query={audits}
      what="audits"
      empty={
        <>
          No audits yet. <a href={href('audits', 'new')}>Create one</a>: Steward runs its strategy and
          recommends an action plan.
        </>
      }
    >
      {(rows) => (
        <RowsTable
          columns={[
            'Name',
            'Type',
            'State',
            'Goal / strategy',
            'Parameters',
            'Interval',
            'Next run',
            BUTTONS_COLUMN,
          ]}
          rows={rows}
          row={(audit) => (
            <tr key={audit.uuid} data-audit={audit.name}>
              <td>
                {audit.name}
                {audit.status_message && <div className="reason">{audit.status_message}</div>}
              </td>
              <td>
                {audit.audit_type}
                {audit.auto_trigger && <span className="chip">auto-trigger</span>}
                {audit.force && <span className="chip">force</span>}
              </td>
              <td>
                <StateBadge state={audit.state} />
              </td>
              <td>
                <code>{audit.goal_name}</code>
                {audit.strategy_name && (
                  <>
                    {' / '}
                    <code>{audit.strategy_name}</code>
                  </>
                )}
              </td>
              <td>
                <code>{audit.parameters ? JSON.stringify(audit.parameters) : '—'}</code>
              </td>
              <td>{audit.interval ?? '—'}</td>
              <td>{formatTime(audit.next_run_time)}</td>
              <td className="cell-actions">
                <a className="button" href={`${href('action-plans')}?audit=${audit.uuid}`}>
                  Action plans
                </a>
                <DeleteButton
                  question={`Delete audit ${audit.name}?`}
                  disabled={audit.state === 'ONGOING'}
                  onConfirmed={() => remove.mutate(audit.uuid)}
                />
              </td>
            </tr>
          )}
        />
      )}
    </ListPanel>
  );
}
