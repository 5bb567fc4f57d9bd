/**
 * The compute data model: each host with what its instances are allocated against its capacity (after allocation
 * ratios and reserved resources), what it measurably uses (the admin utilisation dashboard's last hour), and the
 * instances on it.
 */
import { useMemo } from 'react';
import { ApiError } from '@steward/contract/client.js';
import { useAdminDashboard, useDataModel } from '../../api/queries.js';
import { ListPanel } from '../../ui/list-panel.js';
import { EmptyNote, ErrorNote } from '../../ui/query-view.js';
import { formatValue } from '../utilisation/series.js';
import { utilisationHref } from '../utilisation/utilisation-route.js';
import { groupHosts } from './hosts.js';
import { MEASURED_RANGE, measuredHosts, type MeasuredHost } from './measured.js';
import { ColumnHeads } from '../../ui/column-heads.js';

/** Where the measured figures stand: one answer serves every host, so this is decided once per panel. */
type Measurement =
  | { kind: 'loading' }
  | { kind: 'not_admin' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'measured'; datasource: string | null; byHost: Map<string, MeasuredHost> };

function Allocation({
  label,
  used,
  capacity,
  unit,
}: {
  label: string;
  used: number;
  capacity: number;
  unit: string;
}) {
  const pct = capacity > 0 ? Math.round((used / capacity) * 100) : 0;
  return (
    <div className="allocation">
      <span>
        {label} {used.toLocaleString()} / {Math.round(capacity).toLocaleString()} {unit} ({pct}%)
      </span>
      <meter
        min={0}
        max={Math.max(capacity, 1)}
        low={capacity * 0.7}
        high={capacity * 0.9}
        optimum={0}
        value={used}
      >
        {pct}%
      </meter>
    </div>
  );
}

function MeasuredNote({ measurement }: { measurement: Measurement }) {
  switch (measurement.kind) {
    case 'loading':
      return null;
    case 'not_admin':
      return (
        <EmptyNote>
          Measured utilisation is an admin&apos;s view (policy <code>dashboard:admin</code>): allocations
          only.
        </EmptyNote>
      );
    case 'failed':
      return <ErrorNote error={measurement.error} title="Measured utilisation unavailable" />;
    case 'measured':
      return measurement.datasource === null ? (
        <EmptyNote>Steward has no metrics datasource: allocations only.</EmptyNote>
      ) : (
        <p className="hint">
          Measured over the last hour from {measurement.datasource} (mean · 95th percentile): CPU busy, and
          memory used against the host&apos;s memory. A host&apos;s name opens its utilisation charts.
        </p>
      );
  }
}

function Measured({
  measurement,
  hostname,
  memoryMb,
}: {
  measurement: Measurement;
  hostname: string;
  memoryMb: number;
}) {
  const host = measurement.kind === 'measured' ? measurement.byHost.get(hostname) : undefined;
  if (host === undefined) {
    const why = {
      loading: 'loading…',
      not_admin: 'needs an admin',
      failed: 'unavailable',
      measured: 'no series in the last hour',
    }[measurement.kind];
    return (
      <p className="measured hint" data-measured={hostname} data-unavailable="">
        Measured: {why}
      </p>
    );
  }
  const memoryShare = (value: number | null) =>
    value === null || memoryMb <= 0 ? '' : ` (${Math.round((value / memoryMb) * 100)} %)`;
  return (
    <p className="measured" data-measured={hostname}>
      <span>
        CPU busy: mean <span data-figure="cpu-mean">{formatValue(host.cpu.mean, host.cpu.unit)}</span> · p95{' '}
        <span data-figure="cpu-p95">{formatValue(host.cpu.p95, host.cpu.unit)}</span>
      </span>
      <span>
        Memory used: mean{' '}
        <span data-figure="memory-mean">{formatValue(host.memory.mean, host.memory.unit)}</span>
        {memoryShare(host.memory.mean)} · p95{' '}
        <span data-figure="memory-p95">{formatValue(host.memory.p95, host.memory.unit)}</span>
        {memoryShare(host.memory.p95)}
      </span>
    </p>
  );
}

export function DataModelPanel() {
  const model = useDataModel();
  const usage = useAdminDashboard({ range: MEASURED_RANGE });
  const measurement = useMemo((): Measurement => {
    if (usage.data !== undefined)
      return { kind: 'measured', datasource: usage.data.datasource, byHost: measuredHosts(usage.data) };
    if (usage.error instanceof ApiError && usage.error.status === 403) return { kind: 'not_admin' };
    if (usage.isError) return { kind: 'failed', error: usage.error };
    return { kind: 'loading' };
  }, [usage.data, usage.error, usage.isError]);
  return (
    <ListPanel
      title="Data model"
      query={model}
      what="the compute data model"
      empty="The compute model is empty: no host has been synchronised yet."
      intro={<MeasuredNote measurement={measurement} />}
    >
      {(rows) => {
        const hosts = groupHosts(rows);
        const instances = hosts.reduce((sum, host) => sum + host.instances.length, 0);
        return (
          <>
            <p>
              {hosts.length} hosts, {instances} instances.
            </p>
            <div className="cards">
              {hosts.map((host) => (
                <article
                  key={host.row.node_uuid}
                  className="card host"
                  aria-labelledby={`host-${host.row.node_uuid}`}
                >
                  <h2 id={`host-${host.row.node_uuid}`}>
                    <a
                      href={utilisationHref(['utilisation', host.row.node_hostname], {
                        range: MEASURED_RANGE,
                      })}
                    >
                      {host.row.node_hostname}
                    </a>{' '}
                    <span className={`chip ${host.row.node_status === 'enabled' ? 'chip-ok' : 'chip-bad'}`}>
                      {host.row.node_status} · {host.row.node_state}
                    </span>
                  </h2>
                  {host.row.node_disabled_reason && <p className="reason">{host.row.node_disabled_reason}</p>}
                  <Allocation label="vCPUs" unit="" {...host.vcpus} />
                  <Allocation label="Memory" unit="MB" {...host.memoryMb} />
                  <Allocation label="Disk" unit="GB" {...host.diskGb} />
                  <Measured
                    measurement={measurement}
                    hostname={host.row.node_hostname}
                    memoryMb={host.row.node_memory}
                  />
                  <details>
                    <summary>{host.instances.length} instances</summary>
                    {host.instances.length === 0 ? (
                      <p className="hint">No instances.</p>
                    ) : (
                      <table>
                        <ColumnHeads columns={['Name', 'State', 'vCPUs', 'Memory MB', 'Disk GB']} />
                        <tbody>
                          {host.instances.map((instance) => (
                            <tr key={instance.server_uuid}>
                              <td>{instance.server_name}</td>
                              <td>{instance.server_state}</td>
                              <td>{instance.server_vcpus}</td>
                              <td>{instance.server_memory}</td>
                              <td>{instance.server_disk}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                  </details>
                </article>
              ))}
            </div>
          </>
        );
      }}
    </ListPanel>
  );
}
