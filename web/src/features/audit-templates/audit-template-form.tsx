/** Create an audit template: goal, optional strategy with its default parameters (API 1.7), and scope. */
import { useState, type FormEvent } from 'react';
import { useCreateAuditTemplate, useGoals } from '../../api/queries.js';
import { href, navigate } from '../../router.js';
import { CreateFormActions, TextField } from '../../ui/form-fields.js';
import { ErrorNote, Panel } from '../../ui/query-view.js';
import { GoalStrategyFields, useGoalStrategyChoice } from '../goals/goal-strategy-fields.js';
import { ParametersFields } from '../parameters/parameters-form.js';
import { NotCreatedNote, useFormErrors } from '../parameters/use-form-errors.js';
import { useParameters } from '../parameters/use-parameters.js';

export function AuditTemplateForm() {
  const goals = useGoals();
  const create = useCreateAuditTemplate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const choice = useGoalStrategyChoice();
  const { goal, strategy } = choice;
  const [scope, setScope] = useState('[]');
  const parameters = useParameters(strategy);
  const { fieldErrors, formErrors, showChecks, showRefusal } = useFormErrors();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const errors: Record<string, string> = {};
    if (name.trim() === '') errors.name = 'Give the template a name.';
    if (goal === '') errors.goal = 'Choose a goal.';
    let scopeValue: unknown;
    try {
      scopeValue = JSON.parse(scope || '[]');
      if (!Array.isArray(scopeValue)) errors.scope = 'The scope is a JSON list, e.g. [{"compute": [...]}].';
    } catch {
      errors.scope = 'The scope is not valid JSON.';
    }
    const read = parameters.read();
    Object.assign(errors, read.errors);
    if (!showChecks(errors)) return;
    try {
      await create.mutateAsync({
        name: name.trim(),
        goal,
        ...(strategy !== '' && { strategy }),
        ...(description.trim() !== '' && { description: description.trim() }),
        scope: scopeValue,
        ...(Object.keys(read.parameters).length > 0 && { default_parameters: read.parameters }),
      });
      navigate(href('audit-templates'));
    } catch (error) {
      showRefusal(error, parameters.fields);
    }
  }

  return (
    <Panel title="New audit template">
      <form
        className="form"
        onSubmit={(event) => void submit(event)}
        noValidate
        aria-label="New audit template"
      >
        <NotCreatedNote errors={formErrors} />
        {goals.isError && <ErrorNote error={goals.error} title="Could not load goals" />}
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          error={fieldErrors.name}
          required
        />
        <TextField label="Description" name="description" value={description} onChange={setDescription} />
        <GoalStrategyFields idPrefix="template" choice={choice} goalError={fieldErrors.goal} />
        {strategy !== '' && (
          <>
            <p className="hint">
              Default parameters: audits made from this template start from these values.
            </p>
            <ParametersFields parameters={parameters} errors={fieldErrors} />
          </>
        )}
        <div className={`field${fieldErrors.scope ? ' field-invalid' : ''}`}>
          <label htmlFor="template-scope">Scope (JSON)</label>
          <textarea
            id="template-scope"
            name="scope"
            rows={3}
            value={scope}
            onChange={(event) => setScope(event.target.value)}
            aria-describedby="template-scope-hint"
          />
          <small id="template-scope-hint" className="hint">
            Watcher&apos;s scope list, e.g. [{'{'}&quot;compute&quot;: [{'{'}&quot;host_aggregates&quot;: [
            {'{'}&quot;id&quot;: 1{'}'}]{'}'}]{'}'}]; [] is the whole cloud.
          </small>
          {fieldErrors.scope && <small className="field-error">{fieldErrors.scope}</small>}
        </div>
        <CreateFormActions
          label="Create template"
          isPending={create.isPending}
          cancelHref={href('audit-templates')}
        />
      </form>
    </Panel>
  );
}
