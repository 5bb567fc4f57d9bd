/** The parameter fields of the chosen strategy and their typed text, starting again when the strategy changes. */
import { useMemo, useState } from 'react';
import { useStrategy } from '../../api/queries.js';
import { fieldsOf, initialValues, readParameters, type ParameterField } from './schema-fields.js';

export type StrategyParameters = ReturnType<typeof useParameters>;

export function useParameters(strategyId: string, seed?: Record<string, unknown> | null) {
  const strategy = useStrategy(strategyId || undefined);
  const fields: ParameterField[] = useMemo(
    () => (strategyId && strategy.data ? fieldsOf(strategy.data.parameters_spec) : []),
    [strategyId, strategy.data],
  );
  // Defaults of the schema, overridden by a template's default_parameters.
  const initial = useMemo(() => {
    const values = initialValues(fields);
    for (const [name, value] of Object.entries(seed ?? {}))
      if (name in values) values[name] = typeof value === 'string' ? value : JSON.stringify(value);
    return values;
  }, [fields, seed]);
  // What the user typed belongs to one strategy and template: another choice starts from its own defaults.
  const [edited, setEdited] = useState<{ base: Record<string, string>; values: Record<string, string> }>({
    base: {},
    values: {},
  });
  const values = edited.base === initial ? edited.values : initial;
  return {
    strategy,
    fields,
    values,
    setValue: (name: string, text: string) =>
      setEdited((current) => ({
        base: initial,
        values: { ...(current.base === initial ? current.values : initial), [name]: text },
      })),
    /** The typed values checked against the schema: the parameters to send, or an error per field. */
    read: () => readParameters(fields, values),
  };
}
