/** Pieces every form of the dashboard is made of: a labelled text field, and the buttons of a creating form. */

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
