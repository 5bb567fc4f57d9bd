/**
 * The errors of a form that creates something with a strategy's parameters, each shown at the field it names or,
 * naming none, above the form. The server's refusal is placed the same way as the form's own checks.
 */
import { useState } from 'react';
import { ApiError } from '@steward/contract/client.js';
import { ErrorNote } from '../../ui/query-view.js';
import { placeServerErrors, type ParameterField } from './schema-fields.js';

export function useFormErrors() {
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  return {
    fieldErrors,
    formErrors,
    /** Shows the form's own checks in place of earlier errors; true when there are none and it may be sent. */
    showChecks: (errors: Record<string, string>): boolean => {
      setFieldErrors(errors);
      setFormErrors([]);
      return Object.keys(errors).length === 0;
    },
    /**
     * Shows why the request failed. A message that names no parameter goes to the field `fieldOfMessage` picks
     * for it, if any, and otherwise above the form.
     */
    showRefusal: (
      error: unknown,
      parameters: readonly ParameterField[],
      fieldOfMessage?: (message: string) => string | undefined,
    ) => {
      if (!(error instanceof ApiError)) {
        setFormErrors([String(error)]);
        return;
      }
      const placed = placeServerErrors(
        error.message,
        parameters.map((field) => field.name),
      );
      const field = Object.keys(placed.byField).length === 0 ? fieldOfMessage?.(error.message) : undefined;
      if (field !== undefined) {
        setFieldErrors({ [field]: error.message });
        setFormErrors([]);
        return;
      }
      setFieldErrors(placed.byField);
      setFormErrors(placed.rest);
    },
  };
}

/** The errors that name no field, above the form. */
export function NotCreatedNote({ errors }: { errors: readonly string[] }) {
  return errors.length > 0 ? <ErrorNote error={new Error(errors.join('; '))} title="Not created" /> : null;
}
