/** Audit templates: goal, strategy, default parameters and scope; create one, start an audit from one, delete. */
import { useAuditTemplates, useDeleteAuditTemplate } from '../../api/queries.js';
import { href } from '../../router.js';
import { ErrorNote, Panel, QueryView, formatTime } from '../../ui/query-view.js';
import { ColumnHeads } from '../../ui/column-heads.js';

export function AuditTemplatesPanel() {
  const templates = useAuditTemplates();
  const remove = useDeleteAuditTemplate();
  return (
    <Panel
      title="Audit templates"
      actions={
        <a className="button primary" href={href('audit-templates', 'new')}>
          New template
        </a>
      }
    >
      {remove.isError && <ErrorNote error={remove.error} title="Not deleted" />}
      <QueryView
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
          <table>
            <ColumnHeads
              columns={[
                'Name',
                'Goal',
                'Strategy',
                'Default parameters',
                'Scope',
                'Created',
                { hidden: 'Actions' },
              ]}
            />
            <tbody>
              {rows.map((template) => (
                <tr key={template.uuid}>
                  <td>{template.name}</td>
                  <td>
                    <code>{template.goal_name}</code>
                  </td>
                  <td>{template.strategy_name ? <code>{template.strategy_name}</code> : 'chosen by goal'}</td>
                  <td>
                    <code>
                      {template.default_parameters ? JSON.stringify(template.default_parameters) : '—'}
                    </code>
                  </td>
                  <td>
                    <code>
                      {template.scope.length === 0 ? 'whole cloud' : JSON.stringify(template.scope)}
                    </code>
                  </td>
                  <td>{formatTime(template.created_at)}</td>
                  <td className="cell-actions">
                    <a className="button" href={`${href('audits', 'new')}?template=${template.uuid}`}>
                      Audit
                    </a>
                    <button
                      type="button"
                      onClick={() => {
                        if (window.confirm(`Delete audit template ${template.name}?`))
                          remove.mutate(template.uuid);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </Panel>
  );
}
