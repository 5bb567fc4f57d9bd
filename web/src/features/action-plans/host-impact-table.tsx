import type { ActionResource } from '@steward/contract/resources.js';
import { useDataModel } from '../../api/queries.js';
import { ErrorNote } from '../../ui/query-view.js';
import { hostImpact } from './host-impact.js';
import { ColumnHeads } from '../../ui/column-heads.js';

const pct = (used: number, capacity: number) =>
  capacity > 0 ? `${Math.round((used / capacity) * 100)}%` : '—';

/** The hosts the plan's remaining migrations touch: allocation now → after them. */
export function HostImpactTable({ actions }: { actions: readonly ActionResource[] }) {
  const migrates = actions.some((action) => action.action_type === 'migrate');
  const model = useDataModel(migrates);
  if (!migrates) return null;
  if (model.isError) return <ErrorNote error={model.error} title="Could not load the data model" />;
  if (!model.data) return null;
  const hosts = hostImpact(model.data, actions);
  return (
    <section aria-labelledby="host-impact">
      <h2 id="host-impact">Hosts before → after</h2>
      {hosts.length === 0 ? (
        <p className="hint">No migration of this plan is still to come.</p>
      ) : (
        <table>
          <caption className="hint">
            Allocation in the data model now, and once the plan&apos;s pending migrations have run.
          </caption>
          <ColumnHeads columns={['Host', 'Instances', 'vCPUs', 'Memory MB']} />
          <tbody>
            {hosts.map((host) => (
              <tr key={host.hostname}>
                <td>{host.hostname}</td>
                <td>
                  {host.instances.before} → <strong>{host.instances.after}</strong>
                </td>
                <td>
                  {host.vcpus.used} ({pct(host.vcpus.used, host.vcpus.capacity)}) →{' '}
                  <strong>
                    {host.vcpus.after} ({pct(host.vcpus.after, host.vcpus.capacity)})
                  </strong>
                </td>
                <td>
                  {host.memoryMb.used.toLocaleString()} ({pct(host.memoryMb.used, host.memoryMb.capacity)}) →{' '}
                  <strong>
                    {host.memoryMb.after.toLocaleString()} ({pct(host.memoryMb.after, host.memoryMb.capacity)}
                    )
                  </strong>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
