/**
 * The compute data model: each host with what its instances are allocated against its capacity (after allocation
 * ratios and reserved resources), and the instances on it.
 */
import { useDataModel } from '../../api/queries.js';
import { ListPanel } from '../../ui/list-panel.js';
import { groupHosts } from './hosts.js';
import { ColumnHeads } from '../../ui/column-heads.js';

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

export function DataModelPanel() {
  const model = useDataModel();
  return (
    <ListPanel
      title="Data model"
      query={model}
      what="the compute data model"
      empty="The compute model is empty: no host has been synchronised yet."
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
                    {host.row.node_hostname}{' '}
                    <span className={`chip ${host.row.node_status === 'enabled' ? 'chip-ok' : 'chip-bad'}`}>
                      {host.row.node_status} · {host.row.node_state}
                    </span>
                  </h2>
                  {host.row.node_disabled_reason && <p className="reason">{host.row.node_disabled_reason}</p>}
                  <Allocation label="vCPUs" unit="" {...host.vcpus} />
                  <Allocation label="Memory" unit="MB" {...host.memoryMb} />
                  <Allocation label="Disk" unit="GB" {...host.diskGb} />
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
