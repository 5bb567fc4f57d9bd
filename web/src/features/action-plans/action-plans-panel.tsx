/** Action plans: state (polled while any runs), strategy, global efficacy; one plan's page has the rest. */
import { useActionPlans } from '../../api/queries.js';
import { href } from '../../router.js';
import { StateBadge } from '../../ui/state-badge.js';
import { ListPanel, RowsTable } from '../../ui/list-panel.js';
import { formatTime, shortId } from '../../ui/query-view.js';
import { EfficacyList } from './efficacy.js';

export function ActionPlansPanel({ auditUuid }: { auditUuid?: string | undefined }) {
  const plans = useActionPlans(auditUuid);
  return (
    <ListPanel
      title={auditUuid ? `Action plans of audit ${shortId(auditUuid)}` : 'Action plans'}
      actions={auditUuid ? <a href={href('action-plans')}>All action plans</a> : undefined}
      query={plans}
      what="action plans"
      empty={
        auditUuid
          ? 'This audit has recommended no action plan (yet): a running audit shows its plan when it succeeds.'
          : 'No action plans yet: an audit that finds something to improve recommends one.'
      }
    >
      {(rows) => (
        <RowsTable
          columns={['Plan', 'State', 'Strategy', 'Global efficacy', 'Created']}
          rows={rows}
          row={(plan) => (
            <tr key={plan.uuid} data-plan={plan.uuid}>
              <td>
                <a href={href('action-plans', plan.uuid)}>{shortId(plan.uuid)}</a>
                {plan.status_message && <div className="reason">{plan.status_message}</div>}
              </td>
              <td>
                <StateBadge state={plan.state} />
              </td>
              <td>{plan.strategy_name ? <code>{plan.strategy_name}</code> : '—'}</td>
              <td>
                <EfficacyList values={plan.global_efficacy} compact />
              </td>
              <td>{formatTime(plan.created_at)}</td>
            </tr>
          )}
        />
      )}
    </ListPanel>
  );
}
