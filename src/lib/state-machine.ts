/**
 * A state machine is one transition table. Handlers never list transitions themselves: they ask `canTransition`
 * or call `assertTransition`, so the table is the single source tested exhaustively.
 */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export interface StateMachine<S extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly table: TransitionTable<S>;
  canTransition(from: S, to: S): boolean;
  /** States from which `to` can be reached in one step. */
  sourcesOf(to: S): S[];
  isState(value: unknown): value is S;
}

export function defineStateMachine<S extends string>(
  name: string,
  states: readonly S[],
  table: TransitionTable<S>,
): StateMachine<S> {
  const allowed = new Map<S, ReadonlySet<S>>(states.map((state) => [state, new Set(table[state])]));
  return {
    name,
    states,
    table,
    canTransition: (from, to) => allowed.get(from)?.has(to) ?? false,
    sourcesOf: (to) => states.filter((state) => allowed.get(state)?.has(to)),
    isState: (value): value is S => typeof value === 'string' && allowed.has(value as S),
  };
}
