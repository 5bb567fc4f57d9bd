/**
 * The admin utilisation dashboard: the cluster's CPU, memory, disk, network and PSI pressure over a range, every
 * host's p95 with a link to that host's own charts, the instances it holds (each linking to its project's view in
 * noauth mode), and the hosts an action plan would empty. Loaded lazily with uPlot.
 */
import { useMemo } from 'react';
import type { AdminDashboardResource } from '@steward/contract/resources.js';
import { useActionPlans, useAdminDashboard, useDataModel } from '../../api/queries.js';
import { useSession } from '../../api/session.js';
import { href, navigate } from '../../router.js';
import { EmptyNote, ErrorNote, Panel, QueryView, shortId } from '../../ui/query-view.js';
import { RangeFacts } from './range-facts.js';
import { RangePicker } from './range-picker.js';
import { chartsOf, DEFAULT_RANGE, formatValue } from './series.js';
import { ChartGrid } from './time-series-chart.js';
import { utilisationHref } from './utilisation-route.js';
import { ColumnHeads } from '../../ui/column-heads.js';

export default function AdminUtilisationPanel({ host, query }: { host?: string; query: URLSearchParams }) {
  const range = query.get('range') ?? DEFAULT_RANGE;
  const plan = query.get('plan') ?? undefined;
  const dashboard = useAdminDashboard({ range, host, actionPlan: host === undefined ? plan : undefined });
  const go = (changes: { range?: string; plan?: string }) =>
    navigate(
      utilisationHref(['utilisation', ...(host === undefined ? [] : [host])], { range, plan, ...changes }),
    );
  return (
    <Panel
      title={host === undefined ? 'Utilisation: cluster' : `Utilisation: host ${host}`}
      actions={
        host === undefined ? (
          <a href={href('tenant-utilisation')}>Project utilisation</a>
        ) : (
          <a href={utilisationHref(['utilisation'], { range, plan })}>Cluster</a>
        )
      }
    >
      <div className="toolbar">
        <RangePicker range={range} onChange={(next) => go({ range: next })} />
        {host === undefined && <PlanPicker plan={plan} onChange={(next) => go({ plan: next })} />}
      </div>
      <QueryView query={dashboard} what="the utilisation dashboard">
        {(data) => <AdminView data={data} range={range} plan={plan} />}
      </QueryView>
    </Panel>
  );
}

function AdminView({ data, range, plan }: { data: AdminDashboardResource; range: string; plan?: string }) {
  const charts = useMemo(() => chartsOf(data.panels, (resource) => resource), [data.panels]);
  return (
    <>
      <RangeFacts data={data} />
      {data.emptied_hosts !== null && <EmptiedHosts emptied={data.emptied_hosts} range={range} />}
      <ChartGrid charts={charts} timestamps={data.timestamps} />
      {data.host === null ? (
        <HostsTable data={data} range={range} plan={plan} />
      ) : (
        <HostInstances hostname={data.host} range={range} />
      )}
    </>
  );
}

function PlanPicker({ plan, onChange }: { plan?: string; onChange: (plan: string | undefined) => void }) {
  const plans = useActionPlans();
  return (
    <label className="inline">
      Hosts an action plan would empty{' '}
      <select
        id="utilisation-plan"
        value={plan ?? ''}
        onChange={(event) => onChange(event.target.value === '' ? undefined : event.target.value)}
      >
        <option value="">(no action plan)</option>
        {plans.data?.map((row) => (
          <option key={row.uuid} value={row.uuid}>
            {shortId(row.uuid)} · {row.strategy_name ?? 'strategy?'} · {row.state}
          </option>
        ))}
      </select>
    </label>
  );
}

function EmptiedHosts({
  emptied,
  range,
}: {
  emptied: NonNullable<AdminDashboardResource['emptied_hosts']>;
  range: string;
}) {
  return (
    <section aria-labelledby="emptied-hosts" className="emptied-hosts">
      <h2 id="emptied-hosts">
        Hosts action plan{' '}
        <a href={href('action-plans', emptied.action_plan)}>{shortId(emptied.action_plan)}</a> would empty
      </h2>
      {emptied.hosts.length === 0 ? (
        <EmptyNote>This plan empties no host.</EmptyNote>
      ) : (
        <table>
          <ColumnHeads columns={['Host', 'Instances moved out']} />
          <tbody>
            {emptied.hosts.map((host) => (
              <tr key={host.hostname} data-emptied-host={host.hostname}>
                <td>
                  <a href={utilisationHref(['utilisation', host.hostname], { range })}>{host.hostname}</a>
                </td>
                <td>{host.instances_moved_out}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {emptied.unplaced_moves > 0 && (
        <p className="hint">
          {emptied.unplaced_moves} migration(s) leave their destination to Nova&apos;s scheduler: their source
          is counted as left, their destination is not known.
        </p>
      )}
    </section>
  );
}

function HostsTable({ data, range, plan }: { data: AdminDashboardResource; range: string; plan?: string }) {
  if (data.hosts.length === 0) return <EmptyNote>The datasource has no host series in this range.</EmptyNote>;
  return (
    <section aria-labelledby="utilisation-hosts">
      <h2 id="utilisation-hosts">Hosts</h2>
      <table>
        <caption className="hint">
          95th percentile over the range; a host&apos;s name opens its own charts.
        </caption>
        <ColumnHeads columns={['Host', ...data.panels.map((panel) => panel.title)]} />
        <tbody>
          {data.hosts.map((host) => (
            <tr key={host.hostname} data-host={host.hostname}>
              <td>
                <a href={utilisationHref(['utilisation', host.hostname], { range, plan })}>{host.hostname}</a>
              </td>
              {data.panels.map((panel) => (
                <td key={panel.id}>{formatValue(host.metrics[panel.metric]?.p95, panel.unit)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The host's instances from the data model; each opens its project's view of it in noauth mode. */
function HostInstances({ hostname, range }: { hostname: string; range: string }) {
  const model = useDataModel();
  const { token } = useSession();
  if (model.isError) return <ErrorNote error={model.error} title="Could not load the host's instances" />;
  if (model.data === undefined) return null;
  const instances = model.data.filter(
    (row) => row.node_hostname === hostname && row.server_uuid !== undefined,
  );
  return (
    <section aria-labelledby="host-instances">
      <h2 id="host-instances">Instances on {hostname}</h2>
      {instances.length === 0 ? (
        <EmptyNote>No instance runs on this host.</EmptyNote>
      ) : (
        <table>
          {token !== undefined && (
            <caption className="hint">
              An instance&apos;s own charts are in its project&apos;s utilisation view, for a token of that
              project.
            </caption>
          )}
          <ColumnHeads columns={['Instance', 'Project', 'vCPUs', 'Memory MB', 'State']} />
          <tbody>
            {instances.map((row) => (
              <tr key={row.server_uuid} data-instance={row.server_uuid}>
                <td>
                  {token === undefined && row.server_project_id ? (
                    <a
                      href={utilisationHref(['tenant-utilisation', row.server_uuid!], {
                        range,
                        project: row.server_project_id,
                      })}
                    >
                      {row.server_name ?? shortId(row.server_uuid!)}
                    </a>
                  ) : (
                    (row.server_name ?? shortId(row.server_uuid!))
                  )}
                </td>
                <td>
                  <code>{row.server_project_id ? shortId(row.server_project_id) : '—'}</code>
                </td>
                <td>{row.server_vcpus ?? '—'}</td>
                <td>{row.server_memory ?? '—'}</td>
                <td>{row.server_state ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
