/**
 * The tenant utilisation dashboard: the caller's project's instances against their flavors, their CPU, memory,
 * disk and network over a range, one instance's own charts, and the oversized instances with a smaller flavor
 * that would do. With a Keystone token the server takes the token's project; in noauth mode the operator names
 * the project (sent as upstream noauth's X-Project-Id). Loaded lazily with uPlot.
 */
import { useMemo, useState } from 'react';
import type { TenantDashboardResource } from '@steward/contract/resources.js';
import { useDataModel, useTenantDashboard } from '../../api/queries.js';
import { useSession } from '../../api/session.js';
import { href, navigate } from '../../router.js';
import { EmptyNote, Panel, QueryView, shortId } from '../../ui/query-view.js';
import { RangeFacts } from './range-facts.js';
import { RangePicker } from './range-picker.js';
import { chartsOf, DEFAULT_RANGE, formatValue, summarise } from './series.js';
import { ChartGrid } from './time-series-chart.js';
import { utilisationHref } from './utilisation-route.js';
import { ColumnHeads } from '../../ui/column-heads.js';

type Flavor = TenantDashboardResource['instances'][number]['flavor'];

export default function TenantUtilisationPanel({
  instance,
  query,
}: {
  instance?: string;
  query: URLSearchParams;
}) {
  const { token } = useSession();
  const range = query.get('range') ?? DEFAULT_RANGE;
  const named = query.get('project') ?? undefined;
  // With a token the server decides the project; the header is for noauth only.
  const projectId = token === undefined ? named : undefined;
  const dashboard = useTenantDashboard({ range, instance, projectId }, token !== undefined || Boolean(named));
  const go = (segments: string[], changes: { range?: string; project?: string }) =>
    navigate(utilisationHref(segments, { range, project: named, ...changes }));
  const here = ['tenant-utilisation', ...(instance === undefined ? [] : [instance])];
  return (
    <Panel
      title={instance === undefined ? 'Utilisation: project' : `Utilisation: instance ${shortId(instance)}`}
      actions={
        instance === undefined ? (
          <a href={href('utilisation')}>Cluster utilisation</a>
        ) : (
          <a href={utilisationHref(['tenant-utilisation'], { range, project: named })}>
            All the project&apos;s instances
          </a>
        )
      }
    >
      <div className="toolbar">
        <RangePicker range={range} onChange={(next) => go(here, { range: next })} />
        {token === undefined && (
          <ProjectPicker
            key={named}
            project={named}
            onChange={(project) => go(['tenant-utilisation'], { project })}
          />
        )}
      </div>
      {token === undefined && !named ? (
        <EmptyNote>
          Steward runs without Keystone (noauth): name the project to look at, as upstream noauth takes it
          from the X-Project-Id header.
        </EmptyNote>
      ) : (
        <QueryView query={dashboard} what="the project's utilisation">
          {(data) => <TenantView data={data} range={range} project={named} />}
        </QueryView>
      )}
    </Panel>
  );
}

/** noauth only: the project to send as X-Project-Id, typed or picked from the projects the data model knows. */
function ProjectPicker({ project, onChange }: { project?: string; onChange: (project: string) => void }) {
  const [text, setText] = useState(project ?? '');
  const model = useDataModel();
  const known = useMemo(
    () =>
      [
        ...new Set((model.data ?? []).map((row) => row.server_project_id).filter((id): id is string => !!id)),
      ].sort(),
    [model.data],
  );
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        onChange(text.trim());
      }}
    >
      <label htmlFor="utilisation-project">Project (noauth: X-Project-Id)</label>
      <input
        id="utilisation-project"
        list="utilisation-projects"
        value={text}
        size={34}
        onChange={(event) => setText(event.target.value)}
      />
      <datalist id="utilisation-projects">
        {known.map((id) => (
          <option key={id} value={id} />
        ))}
      </datalist>
      <button type="submit" className="button">
        Show
      </button>
    </form>
  );
}

/** What the project's views are drawn from: the dashboard, and the range and project its links keep. */
interface TenantViewProps {
  data: TenantDashboardResource;
  range: string;
  project?: string;
}

function TenantView({ data, range, project }: TenantViewProps) {
  const names = useMemo(() => new Map(data.instances.map((row) => [row.uuid, row.name])), [data.instances]);
  const charts = useMemo(
    () => chartsOf(data.panels, (uuid) => names.get(uuid) ?? shortId(uuid)),
    [data.panels, names],
  );
  if (data.instances.length === 0)
    return <EmptyNote>Project {data.project_id} has no instance in the data model.</EmptyNote>;
  return (
    <>
      <p className="hint">
        Project <code data-testid="tenant-project">{data.project_id}</code>.
      </p>
      <RangeFacts data={data} />
      {data.instance === null && <InstancesTable data={data} range={range} project={project} />}
      <ChartGrid charts={charts} timestamps={data.timestamps} />
      {data.instance === null && <OversizedTable data={data} />}
    </>
  );
}

/** A flavor's name, and what it gives. */
function FlavorText({ flavor }: { flavor: Flavor }) {
  return (
    <>
      <code>{flavor.name}</code>{' '}
      <small>{`${flavor.vcpus} vCPU · ${flavor.ram_mb} MB · ${flavor.disk_gb} GB`}</small>
    </>
  );
}

/** Each instance against its flavor: CPU as the share of its vCPUs, memory and disk as the share of its flavor's. */
function InstancesTable({ data, range, project }: TenantViewProps) {
  const panel = (id: string) => data.panels.find((one) => one.id === id);
  const share = (id: string, uuid: string) => {
    const series = panel(id)?.series.find((one) => one.resource === uuid);
    if (series === undefined) return '—';
    const { mean, max } = summarise(series.values);
    const ofLimit = (value: number | null) =>
      value === null || !series.limit ? '—' : `${Math.round((value / series.limit) * 100)} %`;
    return `${ofLimit(mean)} / ${ofLimit(max)}`;
  };
  return (
    <section aria-labelledby="tenant-instances">
      <h2 id="tenant-instances">Instances against their flavor</h2>
      <table>
        <caption className="hint">
          Mean / max over the range, as a share of the flavor; a name opens its charts.
        </caption>
        <ColumnHeads columns={['Instance', 'State', 'Flavor', 'CPU', 'Memory', 'Disk']} />
        <tbody>
          {data.instances.map((row) => (
            <tr key={row.uuid} data-instance={row.uuid}>
              <td>
                <a href={utilisationHref(['tenant-utilisation', row.uuid], { range, project })}>{row.name}</a>
              </td>
              <td>{row.state}</td>
              <td>
                <FlavorText flavor={row.flavor} />
              </td>
              <td>{share('cpu', row.uuid)}</td>
              <td>{share('memory', row.uuid)}</td>
              <td>{share('disk', row.uuid)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function OversizedTable({ data }: { data: TenantDashboardResource }) {
  return (
    <section aria-labelledby="oversized">
      <h2 id="oversized">Oversized instances</h2>
      {data.oversized.length === 0 ? (
        <EmptyNote>
          No instance uses under half of its flavor at the 95th percentile over this range.
        </EmptyNote>
      ) : (
        <table>
          <caption className="hint">
            95th percentile over the range under half the flavor; the suggested flavor keeps it at ≤ 80 % and
            the root disk.
          </caption>
          <ColumnHeads
            columns={['Instance', 'Flavor', 'p95 CPU', 'p95 memory', 'Under-used', 'Suggested flavor']}
          />
          <tbody>
            {data.oversized.map((row) => (
              <tr key={row.uuid} data-oversized={row.uuid}>
                <td>{row.name}</td>
                <td>
                  <FlavorText flavor={row.flavor} />
                </td>
                <td>
                  {formatValue(row.p95_cpu_percent, 'percent')} of {row.flavor.vcpus} vCPU
                </td>
                <td>
                  {formatValue(row.p95_ram_mb, 'MiB')} of {formatValue(row.flavor.ram_mb, 'MiB')}
                </td>
                <td>{row.underused.join(', ')}</td>
                <td>
                  <FlavorText flavor={row.suggested_flavor} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
