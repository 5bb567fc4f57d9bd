/**
 * Actions as a list: type, what it does, state with colour and icon, the reason for a skipped or failed one, and
 * a skip button with a reason while the plan has not started (API 1.5). Built for plans of thousands of actions:
 * rows are memoised (a poll or an opened skip form re-renders only what changed), and past the first screenful
 * they are rendered in the background, so the page answers input before the last row is drawn.
 */
import { memo, useCallback, useDeferredValue, useState, type FormEvent } from 'react';
import type { ActionResource } from '@steward/contract/resources.js';
import { useSkipAction } from '../../api/queries.js';
import { StateBadge } from '../../ui/state-badge.js';
import { ErrorNote, shortId } from '../../ui/query-view.js';
import { ColumnHeads } from '../../ui/column-heads.js';

const SKIPPABLE_PLAN_STATES = new Set(['RECOMMENDED', 'PENDING']);
const FIRST_SCREENFUL = 50;

export function ActionsTable({
  actions,
  planState,
}: {
  actions: readonly ActionResource[];
  /** The plan's state; without it (the all-actions panel) no skip buttons are offered. */
  planState?: string;
}) {
  const [skipping, setSkipping] = useState<string | null>(null);
  const shown = useDeferredValue(actions, actions.slice(0, FIRST_SCREENFUL));
  const order = new Map(actions.map((action, index) => [action.uuid, index + 1]));
  const canSkip = planState !== undefined && SKIPPABLE_PLAN_STATES.has(planState);
  const onSkipping = useCallback((uuid: string | null) => setSkipping(uuid), []);
  return (
    <table className="actions-table">
      <colgroup>
        <col className="col-index" />
        <col className="col-type" />
        <col />
        <col className="col-state" />
        <col className="col-after" />
        <col className="col-reason" />
        {canSkip && <col className="col-skip" />}
      </colgroup>
      <ColumnHeads
        columns={['#', 'Type', 'Description', 'State', 'After', 'Reason', canSkip && { hidden: 'Skip' }]}
      />
      <tbody>
        {shown.map((action) => (
          <ActionRow
            key={action.uuid}
            action={action}
            index={order.get(action.uuid) ?? 0}
            parents={action.parents
              .map((parent) => (order.has(parent) ? `#${order.get(parent)}` : shortId(parent)))
              .join(', ')}
            canSkip={canSkip}
            skipping={skipping === action.uuid}
            onSkipping={onSkipping}
          />
        ))}
      </tbody>
    </table>
  );
}

const ActionRow = memo(function ActionRow({
  action,
  index,
  parents,
  canSkip,
  skipping,
  onSkipping,
}: {
  action: ActionResource;
  index: number;
  parents: string;
  canSkip: boolean;
  skipping: boolean;
  onSkipping: (uuid: string | null) => void;
}) {
  const showReason =
    action.state === 'SKIPPED' || action.state === 'FAILED' || Boolean(action.status_message);
  return (
    <>
      <tr data-action={action.uuid} data-action-index={index}>
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
        <td>{parents === '' ? '—' : parents}</td>
        <td className="reason">{showReason ? (action.status_message ?? 'no reason given') : ''}</td>
        {canSkip && (
          <td>
            {action.state === 'PENDING' && !skipping && (
              <button
                type="button"
                onClick={() => onSkipping(action.uuid)}
                aria-label={`Skip action ${index}`}
              >
                Skip…
              </button>
            )}
          </td>
        )}
      </tr>
      {skipping && (
        <tr className="skip-row">
          <td colSpan={7}>
            <SkipForm uuid={action.uuid} index={index} onDone={() => onSkipping(null)} />
          </td>
        </tr>
      )}
    </>
  );
});

function SkipForm({ uuid, index, onDone }: { uuid: string; index: number; onDone: () => void }) {
  const skip = useSkipAction();
  const [reason, setReason] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    await skip.mutateAsync({ id: uuid, reason: reason.trim() });
    onDone();
  }

  return (
    <form
      onSubmit={(event) => void submit(event)}
      className="inline-form"
      aria-label={`Skip action ${index}`}
    >
      <label htmlFor={`skip-reason-${uuid}`}>Reason for skipping action {index}</label>
      <input
        id={`skip-reason-${uuid}`}
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
      <button type="button" onClick={onDone}>
        Keep it
      </button>
      {skip.isError && <ErrorNote error={skip.error} title="Not skipped" />}
    </form>
  );
}
