/** Steward's processes as Watcher lists its services: state from heartbeats, last seen. */
import { useServices } from '../../api/queries.js';
import { StateBadge } from '../../ui/state-badge.js';
import { ListPanel } from '../../ui/list-panel.js';
import { formatTime } from '../../ui/query-view.js';
import { ColumnHeads } from '../../ui/column-heads.js';

export function ServicesPanel() {
  const services = useServices();
  return (
    <ListPanel title="Services" query={services} what="services" empty="No service has sent a heartbeat yet.">
      {(rows) => (
        <table>
          <ColumnHeads columns={['Name', 'Host', 'Status', 'Last seen up']} />
          <tbody>
            {rows.map((service) => (
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
            ))}
          </tbody>
        </table>
      )}
    </ListPanel>
  );
}
