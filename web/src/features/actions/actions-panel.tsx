/** Every action of every plan (newest plans' actions last), with state and reason; skipping is on the plan's page. */
import { useActions } from '../../api/queries.js';
import { href } from '../../router.js';
import { ListPanel } from '../../ui/list-panel.js';
import { ActionsTable } from './actions-table.js';

export function ActionsPanel() {
  const actions = useActions();
  return (
    <ListPanel
      title="Actions"
      intro={
        <p className="hint">
          To skip an action, open its plan from <a href={href('action-plans')}>Action plans</a> while the plan
          is recommended or pending.
        </p>
      }
      query={actions}
      what="actions"
      empty="No actions yet: they come with action plans."
    >
      {(rows) => <ActionsTable actions={rows} />}
    </ListPanel>
  );
}
