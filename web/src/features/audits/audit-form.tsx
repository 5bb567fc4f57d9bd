/**
 * Create an audit: from a template or a goal, with the strategy's parameters form, ONESHOT / CONTINUOUS (interval
 * in seconds or a cron string) / EVENT, auto-trigger and force. The scope comes from the template (upstream
 * ignores an audit's own).
 */
import { useState, type FormEvent } from 'react';
import { AUDIT_TYPES } from '@steward/contract/states.js';
import { useAuditTemplates, useCreateAudit } from '../../api/queries.js';
import { href, navigate } from '../../router.js';
import { CheckboxField, CreateFormActions, TextField } from '../../ui/form-fields.js';
import { ErrorNote, Panel } from '../../ui/query-view.js';
import { GoalStrategyFields, useGoalStrategyChoice } from '../goals/goal-strategy-fields.js';
import { ParametersFields } from '../parameters/parameters-form.js';
import { NotCreatedNote, useFormErrors } from '../parameters/use-form-errors.js';
import { useParameters } from '../parameters/use-parameters.js';
import { nextRuns } from './next-runs.js';

export function AuditForm({ templateUuid }: { templateUuid?: string | undefined }) {
  const templates = useAuditTemplates();
  const create = useCreateAudit();
  const [template, setTemplate] = useState(templateUuid ?? '');
  const choice = useGoalStrategyChoice();
  const { goal, strategy } = choice;
  const [name, setName] = useState('');
  const [auditType, setAuditType] = useState<string>('ONESHOT');
  const [interval, setIntervalText] = useState('');
  const [autoTrigger, setAutoTrigger] = useState(false);
  const [force, setForce] = useState(false);
  const { fieldErrors, formErrors, showChecks, showRefusal } = useFormErrors();

  const chosenTemplate = templates.data?.find((row) => row.uuid === template);
  // A template's strategy wins, as on the server; otherwise the one chosen here.
  const strategyId = chosenTemplate ? (chosenTemplate.strategy_uuid ?? '') : strategy;
  const parameters = useParameters(strategyId, chosenTemplate?.default_parameters);
  async function submit(event: FormEvent) {
    event.preventDefault();
    const errors: Record<string, string> = {};
    if (!chosenTemplate && goal === '') errors.goal = 'Choose a template or a goal.';
    if (auditType === 'CONTINUOUS' && interval.trim() === '')
      errors.interval = 'A continuous audit needs an interval in seconds or a cron string.';
    const read = parameters.read();
    Object.assign(errors, read.errors);
    if (!showChecks(errors)) return;
    const trimmedInterval = interval.trim();
    try {
      await create.mutateAsync({
        audit_type: auditType,
        ...(chosenTemplate ? { audit_template_uuid: chosenTemplate.uuid } : { goal }),
        ...(!chosenTemplate && strategy !== '' && { strategy }),
        ...(name.trim() !== '' && { name: name.trim() }),
        ...(strategyId !== '' && { parameters: read.parameters }),
        ...(auditType === 'CONTINUOUS' && {
          interval: /^\d+$/.test(trimmedInterval) ? Number(trimmedInterval) : trimmedInterval,
        }),
        auto_trigger: autoTrigger,
        force,
      });
      navigate(href('audits'));
    } catch (error) {
      // The server's word on a bad interval or cron string belongs under the interval field.
      showRefusal(error, parameters.fields, (message) =>
        /interval|cron/i.test(message) ? 'interval' : undefined,
      );
    }
  }

  return (
    <Panel title="New audit">
      <form className="form" onSubmit={(event) => void submit(event)} noValidate aria-label="New audit">
        <NotCreatedNote errors={formErrors} />
        {templates.isError && <ErrorNote error={templates.error} title="Could not load audit templates" />}
        <div className="field">
          <label htmlFor="audit-template">Audit template</label>
          <select
            id="audit-template"
            name="audit_template"
            value={template}
            onChange={(event) => setTemplate(event.target.value)}
          >
            <option value="">None: choose a goal below</option>
            {templates.data?.map((row) => (
              <option key={row.uuid} value={row.uuid}>
                {row.name} ({row.goal_name}
                {row.strategy_name ? ` / ${row.strategy_name}` : ''})
              </option>
            ))}
          </select>
        </div>
        {!chosenTemplate && (
          <div className="row">
            <GoalStrategyFields idPrefix="audit" choice={choice} goalError={fieldErrors.goal} />
          </div>
        )}
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          hint="Optional: Steward names it otherwise."
        />
        <fieldset className="row">
          <legend>Audit type</legend>
          {AUDIT_TYPES.map((type) => (
            <label key={type} className="inline">
              <input
                type="radio"
                name="audit_type"
                value={type}
                checked={auditType === type}
                onChange={() => setAuditType(type)}
              />{' '}
              {type}
            </label>
          ))}
        </fieldset>
        {auditType === 'CONTINUOUS' && (
          <>
            <TextField
              label="Interval"
              name="interval"
              value={interval}
              onChange={setIntervalText}
              error={fieldErrors.interval}
              required
              hint="Seconds (e.g. 3600) or a cron string in UTC (e.g. */30 * * * *)."
            />
            <NextRunsPreview interval={interval} />
          </>
        )}
        <div className="row">
          <CheckboxField name="auto_trigger" checked={autoTrigger} onChange={setAutoTrigger}>
            Auto-trigger: start the resulting action plan at once
          </CheckboxField>
          <CheckboxField name="force" checked={force} onChange={setForce}>
            Force: run even if another audit works on the same scope
          </CheckboxField>
        </div>
        {strategyId !== '' ? (
          parameters.strategy.isError ? (
            <ErrorNote error={parameters.strategy.error} title="Could not load the strategy's parameters" />
          ) : (
            <ParametersFields parameters={parameters} errors={fieldErrors} />
          )
        ) : (
          <p className="hint">
            Choose a strategy to set its parameters; without one, Steward runs its goal&apos;s default.
          </p>
        )}
        <CreateFormActions label="Create audit" isPending={create.isPending} cancelHref={href('audits')} />
      </form>
    </Panel>
  );
}

function NextRunsPreview({ interval }: { interval: string }) {
  const runs = nextRuns(interval, new Date());
  return (
    <p className="hint" aria-live="polite" data-testid="next-runs">
      {runs.ok
        ? `Next runs: ${runs.times.map((time) => time.toLocaleString()).join(' · ')}`
        : `No next run: ${runs.reason}.`}
    </p>
  );
}
