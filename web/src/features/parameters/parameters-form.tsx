/** The fields of a strategy's parameters, generated from its JSON schema; errors shown at the field they name. */
import { useId } from 'react';
import type { ParameterField } from './schema-fields.js';
import type { StrategyParameters } from './use-parameters.js';

export function ParametersFields({
  parameters: { fields, values, setValue },
  errors,
}: {
  parameters: Pick<StrategyParameters, 'fields' | 'values' | 'setValue'>;
  errors: Record<string, string>;
}) {
  if (fields.length === 0) return <p className="hint">This strategy takes no parameters.</p>;
  return (
    <fieldset className="parameters">
      <legend>Parameters</legend>
      {fields.map((field) => (
        <ParameterInput
          key={field.name}
          field={field}
          value={values[field.name] ?? ''}
          error={errors[field.name]}
          onChange={(text) => setValue(field.name, text)}
        />
      ))}
    </fieldset>
  );
}

function rangeText(field: ParameterField): string {
  const parts: string[] = [];
  if (field.minimum !== undefined) parts.push(`≥ ${field.minimum}`);
  if (field.maximum !== undefined) parts.push(`≤ ${field.maximum}`);
  return parts.join(', ');
}

function ParameterInput({
  field,
  value,
  error,
  onChange,
}: {
  field: ParameterField;
  value: string;
  error: string | undefined;
  onChange: (text: string) => void;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hintId, error !== undefined ? errorId : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name: field.name,
    'aria-describedby': describedBy,
    'aria-invalid': error !== undefined,
    'data-parameter': field.name,
  };
  let input;
  switch (field.kind) {
    case 'boolean':
      input = (
        <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">(default)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
      break;
    case 'enum':
      input = (
        <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
          {!field.required && <option value="">(default)</option>}
          {field.enumValues?.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    case 'json':
      input = (
        <textarea {...common} rows={2} value={value} onChange={(event) => onChange(event.target.value)} />
      );
      break;
    case 'number':
    case 'integer':
      input = (
        <input
          {...common}
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
      break;
    case 'string':
    case 'list':
      input = (
        <input {...common} type="text" value={value} onChange={(event) => onChange(event.target.value)} />
      );
      break;
  }
  const range = rangeText(field);
  return (
    <div className={`field${error !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {field.name}
        {field.required && <span aria-label="required"> *</span>}
        <span className="field-type"> {field.kind}</span>
      </label>
      {input}
      <small id={hintId} className="hint">
        {field.description}
        {range !== '' && ` (${range})`}
        {field.default !== undefined && ` — default ${JSON.stringify(field.default)}`}
        {field.kind === 'list' && ' — comma-separated'}
      </small>
      {error !== undefined && (
        <small id={errorId} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}
