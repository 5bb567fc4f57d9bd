/** Create an audit template: goal, optional strategy with its default parameters (API 1.7), and scope. */
import { useState, type FormEvent } from 'react';
import { ApiError } from '@steward/contract/client.js';
import { useCreateAuditTemplate, useGoals, useStrategies } from '../../api/queries.js';
import { href, navigate } from '../../router.js';
import { ErrorNote, Panel } from '../../ui/query-view.js';
import { ParametersFields } from '../parameters/parameters-form.js';
import { placeServerErrors, readParameters } from '../parameters/schema-fields.js';
import { useParameters } from '../parameters/use-parameters.js';

export function AuditTemplateForm() {
  const goals = useGoals();
  const create = useCreateAuditTemplate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [goal, setGoal] = useState('');
  const [strategy, setStrategy] = useState('');
  const [scope, setScope] = useState('[]');
  const parameters = useParameters(strategy);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);

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
    const read = readParameters(parameters.fields, parameters.values);
    Object.assign(errors, read.errors);
    setFieldErrors(errors);
    setFormErrors([]);
    if (Object.keys(errors).length > 0) return;
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
      if (error instanceof ApiError) {
        const placed = placeServerErrors(
          error.message,
          parameters.fields.map((field) => field.name),
        );
        setFieldErrors(placed.byField);
        setFormErrors(placed.rest);
      } else setFormErrors([String(error)]);
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
        {formErrors.length > 0 && <ErrorNote error={new Error(formErrors.join('; '))} title="Not created" />}
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
        <GoalStrategyFields
          idPrefix="template"
          goal={goal}
          strategy={strategy}
          goalError={fieldErrors.goal}
          onGoalChange={(chosen) => {
            setGoal(chosen);
            setStrategy('');
          }}
          onStrategyChange={setStrategy}
        />
        {strategy !== '' && (
          <>
            <p className="hint">
              Default parameters: audits made from this template start from these values.
            </p>
            <ParametersFields
              fields={parameters.fields}
              values={parameters.values}
              errors={fieldErrors}
              onChange={parameters.setValue}
            />
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
        <div className="form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create template'}
          </button>
          <a href={href('audit-templates')}>Cancel</a>
        </div>
      </form>
    </Panel>
  );
}

/**
 * The goal and strategy choice both forms share: the strategies offered are the chosen goal's, and none may be
 * chosen for Steward to pick the goal's own. The parent clears the strategy when the goal changes.
 */
export function GoalStrategyFields({
  idPrefix,
  goal,
  strategy,
  goalError,
  onGoalChange,
  onStrategyChange,
}: {
  idPrefix: string;
  goal: string;
  strategy: string;
  goalError?: string | undefined;
  onGoalChange: (goal: string) => void;
  onStrategyChange: (strategy: string) => void;
}) {
  const goals = useGoals();
  const strategies = useStrategies();
  const goalStrategies = (strategies.data ?? []).filter((row) => row.goal_uuid === goal);
  return (
    <>
      <div className={`field${goalError ? ' field-invalid' : ''}`}>
        <label htmlFor={`${idPrefix}-goal`}>Goal *</label>
        <select
          id={`${idPrefix}-goal`}
          name="goal"
          value={goal}
          onChange={(event) => onGoalChange(event.target.value)}
        >
          <option value="">Choose a goal…</option>
          {goals.data?.map((row) => (
            <option key={row.uuid} value={row.uuid}>
              {row.display_name} ({row.name})
            </option>
          ))}
        </select>
        {goalError && <small className="field-error">{goalError}</small>}
      </div>
      <div className="field">
        <label htmlFor={`${idPrefix}-strategy`}>Strategy</label>
        <select
          id={`${idPrefix}-strategy`}
          name="strategy"
          value={strategy}
          disabled={goal === ''}
          onChange={(event) => onStrategyChange(event.target.value)}
        >
          <option value="">Let Steward choose for the goal</option>
          {goalStrategies.map((row) => (
            <option key={row.uuid} value={row.uuid}>
              {row.display_name} ({row.name})
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

export function TextField({
  label,
  name,
  value,
  onChange,
  error,
  required = false,
  hint,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (text: string) => void;
  error?: string | undefined;
  required?: boolean;
  hint?: string;
}) {
  const id = `field-${name}`;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required && ' *'}
      </label>
      <input
        id={id}
        name={name}
        type="text"
        value={value}
        aria-invalid={Boolean(error)}
        onChange={(event) => onChange(event.target.value)}
      />
      {hint !== undefined && <small className="hint">{hint}</small>}
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}
