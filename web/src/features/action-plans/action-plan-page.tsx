/**
 * One action plan: efficacy, live progress while it runs (polled every second), its actions as a graph and a
 * list, and start / cancel / delete as its state allows.
 */
import type { ActionResource } from '@steward/contract/resources.js';
import {
  useActionPlan,
  useActions,
  useCancelActionPlan,
  useDeleteActionPlan,
  useStartActionPlan,
} from '../../api/queries.js';
import { href, navigate } from '../../router.js';
import { StateBadge } from '../../ui/state-badge.js';
import { DeleteButton } from '../../ui/list-panel.js';
import { ErrorNote, Panel, QueryView, formatTime, shortId } from '../../ui/query-view.js';
import { ActionsTable } from '../actions/actions-table.js';
import { DependencyGraph } from '../actions/dependency-graph.js';
import { EfficacyList } from './efficacy.js';
import { HostImpactTable } from './host-impact-table.js';

const MOVING = new Set(['PENDING', 'ONGOING', 'CANCELLING']);
const CANCELLABLE = new Set(['RECOMMENDED', 'PENDING', 'ONGOING']);
const DELETABLE = new Set(['RECOMMENDED', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SUPERSEDED']);
const FINISHED_ACTION = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED']);

export function ActionPlanPage({ id }: { id: string }) {
  const plan = useActionPlan(id);
  const moving = plan.data !== undefined && MOVING.has(plan.data.state);
  const actions = useActions(id, moving);
  const start = useStartActionPlan();
  const cancel = useCancelActionPlan();
  const remove = useDeleteActionPlan();
  const failure = start.error ?? cancel.error ?? remove.error;
  return (
    <Panel
      title={`Action plan ${shortId(id)}`}
      actions={
        <>
          <a href={`${href('utilisation')}?plan=${encodeURIComponent(id)}`}>
            Utilisation of the hosts it empties
          </a>{' '}
          · <a href={href('action-plans')}>All action plans</a>
        </>
      }
    >
      <QueryView query={plan} what="the action plan">
        {(row) => (
          <>
            <dl className="facts">
              <dt>State</dt>
              <dd>
                <StateBadge state={row.state} />
              </dd>
              <dt>Strategy</dt>
              <dd>{row.strategy_name ? <code>{row.strategy_name}</code> : '—'}</dd>
              <dt>Audit</dt>
              <dd>
                <a href={`${href('action-plans')}?audit=${row.audit_uuid}`}>{shortId(row.audit_uuid)}</a>
              </dd>
              <dt>Created</dt>
              <dd>{formatTime(row.created_at)}</dd>
              {row.status_message && (
                <>
                  <dt>Status</dt>
                  <dd className="reason" data-testid="plan-status-message">
                    {row.status_message}
                  </dd>
                </>
              )}
            </dl>
            <div className="toolbar" role="toolbar" aria-label="Action plan operations">
              <button
                type="button"
                className="primary"
                disabled={row.state !== 'RECOMMENDED' || start.isPending}
                onClick={() => start.mutate(row.uuid)}
              >
                ▶ Start
              </button>
              <button
                type="button"
                disabled={!CANCELLABLE.has(row.state) || cancel.isPending}
                onClick={() => cancel.mutate(row)}
              >
                ⊘ Cancel
              </button>
              <DeleteButton
                question={`Delete action plan ${shortId(row.uuid)}?`}
                className="danger"
                disabled={!DELETABLE.has(row.state) || remove.isPending}
                onConfirmed={() =>
                  remove.mutate(row.uuid, { onSuccess: () => navigate(href('action-plans')) })
                }
              />
            </div>
            {failure && <ErrorNote error={failure} title="Refused" />}
            {actions.data && <Progress actions={actions.data} live={moving} />}
            <div className="columns">
              <section aria-labelledby="global-efficacy">
                <h2 id="global-efficacy">Global efficacy</h2>
                <EfficacyList values={row.global_efficacy} />
              </section>
              <section aria-labelledby="efficacy-indicators">
                <h2 id="efficacy-indicators">Efficacy indicators</h2>
                <EfficacyList values={row.efficacy_indicators} />
              </section>
            </div>
            <QueryView query={actions} what="actions" empty="This plan has no actions.">
              {(rows) => (
                <>
                  <HostImpactTable actions={rows} />
                  <h2>Dependency graph</h2>
                  <DependencyGraph actions={rows} />
                  <h2>Actions</h2>
                  <ActionsTable actions={rows} planState={row.state} />
                </>
              )}
            </QueryView>
          </>
        )}
      </QueryView>
    </Panel>
  );
}

function Progress({ actions, live }: { actions: readonly ActionResource[]; live: boolean }) {
  const counts = new Map<string, number>();
  for (const action of actions) counts.set(action.state, (counts.get(action.state) ?? 0) + 1);
  const done = actions.filter((action) => FINISHED_ACTION.has(action.state)).length;
  return (
    <div className="progress-block">
      <label htmlFor="plan-progress">
        {done} of {actions.length} actions finished{live && ' — updating live'}
      </label>
      <progress id="plan-progress" max={Math.max(actions.length, 1)} value={done} />
      <p className="hint">
        {[...counts.entries()].map(([state, count]) => `${count} ${state.toLowerCase()}`).join(' · ')}
      </p>
    </div>
  );
}
