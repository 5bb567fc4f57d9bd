/**
 * A registry is one array of frozen plugin definitions, checked at startup: a duplicate name fails fast
 * (descheduler only logs one). Nothing is discovered by scanning directories.
 */
export interface Registry<T extends { readonly name: string }> {
  readonly kind: string;
  readonly all: readonly T[];
  get(name: string): T | undefined;
  has(name: string): boolean;
  /** Like `get`, but throws a RangeError naming the known entries. */
  require(name: string): T;
}

export function createRegistry<T extends { readonly name: string }>(
  kind: string,
  entries: readonly T[],
): Registry<T> {
  const byName = new Map<string, T>();
  for (const entry of entries) {
    if (byName.has(entry.name)) throw new Error(`duplicate ${kind} '${entry.name}' in the ${kind} registry`);
    byName.set(entry.name, Object.freeze(entry));
  }
  const all = Object.freeze([...byName.values()]);
  return {
    kind,
    all,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    require: (name) => {
      const found = byName.get(name);
      if (!found) throw new RangeError(`unknown ${kind} '${name}'; known: ${[...byName.keys()].join(', ')}`);
      return found;
    },
  };
}

/** The registry without the named entries (an operator's choice); names it does not hold are the caller's to report. */
export function withoutEntries<T extends { readonly name: string }>(
  registry: Registry<T>,
  names: readonly string[],
): Registry<T> {
  const dropped = new Set(names);
  return createRegistry(
    registry.kind,
    registry.all.filter((entry) => !dropped.has(entry.name)),
  );
}
