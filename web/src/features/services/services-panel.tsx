/** Steward's processes as Watcher lists its services: state from heartbeats, last seen. */
import { useServices } from '../../api/queries.js';
import { StateBadge } from '../../ui/state-badge.js';
import { ListPanel, RowsTable } from '../../ui/list-panel.js';
import { formatTime } from '../../ui/query-view.js';

export function ServicesPanel() {
  const services = useServices();
  return (
    <ListPanel title="Services" query={services} what="services" empty="No service has sent a heartbeat yet.">
      {(rows) => (
        <RowsTable
          columns={['Name', 'Host', 'Status', 'Last seen up']}
          rows={rows}
          row={(service) => (
            <tr key={service.id}>
              <td>
                <code>{service.name}</code>
              </td>
              <td>{service.host}</td>
              <td>
                <StateBadge state={service.status} />
              </td>
              <td>{formatTime(service.last_seen_up)}</td>
            </tr>
          )}
        />
      )}
    </ListPanel>
  );
}
