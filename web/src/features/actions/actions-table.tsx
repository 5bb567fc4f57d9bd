/**
 * Actions as a list: type, what it does, state with colour and icon, the reason for a skipped or failed one, and
 * a skip button with a reason while the plan has not started (API 1.5).
 */
import { useState, type FormEvent } from 'react';
import type { ActionResource } from '@steward/contract/resources.js';
import { useSkipAction } from '../../api/queries.js';
import { StateBadge } from '../../ui/state-badge.js';
import { ErrorNote, shortId } from '../../ui/query-view.js';

const SKIPPABLE_PLAN_STATES = new Set(['RECOMMENDED', 'PENDING']);

export function ActionsTable({
  actions,
  planState,
}: {
  actions: readonly ActionResource[];
  /** The plan's state; without it (the all-actions panel) no skip buttons are offered. */
  planState?: string;
}) {
  const [skipping, setSkipping] = useState<string | null>(null);
  const order = new Map(actions.map((action, index) => [action.uuid, index + 1]));
  const canSkip = planState !== undefined && SKIPPABLE_PLAN_STATES.has(planState);
  return (
    <table className="actions-table">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
          <th scope="col">State</th>
          <th scope="col">After</th>
          <th scope="col">Reason</th>
          {canSkip && (
            <th scope="col">
              <span className="visually-hidden">Skip</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {actions.map((action) => (
          <ActionRow
            key={action.uuid}
            action={action}
            index={order.get(action.uuid) ?? 0}
            parents={action.parents.map((parent) =>
              order.has(parent) ? `#${order.get(parent)}` : shortId(parent),
            )}
            canSkip={canSkip}
            skipping={skipping === action.uuid}
            onSkipping={(open) => setSkipping(open ? action.uuid : null)}
          />
        ))}
      </tbody>
    </table>
  );
}

function ActionRow({
  action,
  index,
  parents,
  canSkip,
  skipping,
  onSkipping,
}: {
  action: ActionResource;
  index: number;
  parents: string[];
  canSkip: boolean;
  skipping: boolean;
  onSkipping: (open: boolean) => void;
}) {
  const skip = useSkipAction();
  const [reason, setReason] = useState('');
  const showReason =
    action.state === 'SKIPPED' || action.state === 'FAILED' || Boolean(action.status_message);

  async function submit(event: FormEvent) {
    event.preventDefault();
    await skip.mutateAsync({ id: action.uuid, reason: reason.trim() });
    onSkipping(false);
  }

  return (
    <>
      <tr data-action={action.uuid} data-action-index={index} className={`row-${action.state.toLowerCase()}`}>
        <td>{index}</td>
        <td>
          <code>{action.action_type}</code>
        </td>
        <td>
          {action.description}
          {action.input_parameters && Object.keys(action.input_parameters).length > 0 && (
            <div>
              <code>{JSON.stringify(action.input_parameters)}</code>
            </div>
          )}
        </td>
        <td>
          <StateBadge state={action.state} />
        </td>
        <td>{parents.length === 0 ? '—' : parents.join(', ')}</td>
        <td className="reason">{showReason ? (action.status_message ?? 'no reason given') : ''}</td>
        {canSkip && (
          <td>
            {action.state === 'PENDING' && !skipping && (
              <button type="button" onClick={() => onSkipping(true)} aria-label={`Skip action ${index}`}>
                Skip…
              </button>
            )}
          </td>
        )}
      </tr>
      {skipping && (
        <tr className="skip-row">
          <td colSpan={7}>
            <form
              onSubmit={(event) => void submit(event)}
              className="inline-form"
              aria-label={`Skip action ${index}`}
            >
              <label htmlFor={`skip-reason-${action.uuid}`}>Reason for skipping action {index}</label>
              <input
                id={`skip-reason-${action.uuid}`}
                name="reason"
                type="text"
                value={reason}
                autoFocus
                maxLength={255}
                onChange={(event) => setReason(event.target.value)}
              />
              <button type="submit" className="primary" disabled={skip.isPending}>
                Skip action
              </button>
              <button type="button" onClick={() => onSkipping(false)}>
                Keep it
              </button>
              {skip.isError && <ErrorNote error={skip.error} title="Not skipped" />}
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
