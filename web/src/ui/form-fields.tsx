/** Pieces the dashboard's forms are made of: labelled text and checkbox fields, and the buttons of a creating form. */
import type { ReactNode } from 'react';

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

/** A checkbox with its label after it, on one line with its neighbours. */
export function CheckboxField({
  name,
  checked,
  onChange,
  children,
}: {
  name: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  children: ReactNode;
}) {
  return (
    <label className="inline">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />{' '}
      {children}
    </label>
  );
}

/** Submit (disabled, saying so, while the request is out) and a way back to the list without creating. */
export function CreateFormActions({
  label,
  isPending,
  cancelHref,
}: {
  label: string;
  isPending: boolean;
  cancelHref: string;
}) {
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={isPending}>
        {isPending ? 'Creating…' : label}
      </button>
      <a href={cancelHref}>Cancel</a>
    </div>
  );
}
