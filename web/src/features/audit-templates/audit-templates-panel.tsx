/** Audit templates: goal, strategy, default parameters and scope; create one, start an audit from one, delete. */
import { useAuditTemplates, useDeleteAuditTemplate } from '../../api/queries.js';
import { href } from '../../router.js';
import { BUTTONS_COLUMN, DeleteButton, ListPanel, RowsTable } from '../../ui/list-panel.js';
import { formatTime } from '../../ui/query-view.js';

export function AuditTemplatesPanel() {
  const templates = useAuditTemplates();
  const remove = useDeleteAuditTemplate();
  return (
    <ListPanel
      title="Audit templates"
      create={{ href: href('audit-templates', 'new'), label: 'New template' }}
      deletion={remove}
      query={templates}
      what="audit templates"
      empty={
        <>
          No audit templates yet. <a href={href('audit-templates', 'new')}>Create one</a> to reuse a goal,
          strategy and scope.
        </>
      }
    >
      {(rows) => (
        <RowsTable
          columns={['Name', 'Goal', 'Strategy', 'Default parameters', 'Scope', 'Created', BUTTONS_COLUMN]}
          rows={rows}
          row={(template) => (
            <tr key={template.uuid}>
              <td>{template.name}</td>
              <td>
                <code>{template.goal_name}</code>
              </td>
              <td>{template.strategy_name ? <code>{template.strategy_name}</code> : 'chosen by goal'}</td>
              <td>
                <code>{template.default_parameters ? JSON.stringify(template.default_parameters) : '—'}</code>
              </td>
              <td>
                <code>{template.scope.length === 0 ? 'whole cloud' : JSON.stringify(template.scope)}</code>
              </td>
              <td>{formatTime(template.created_at)}</td>
              <td className="cell-actions">
                <a className="button" href={`${href('audits', 'new')}?template=${template.uuid}`}>
                  Audit
                </a>
                <DeleteButton
                  question={`Delete audit template ${template.name}?`}
                  onConfirmed={() => remove.mutate(template.uuid)}
                />
              </td>
            </tr>
          )}
        />
      )}
    </ListPanel>
  );
}
