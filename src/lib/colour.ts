/** Colour only on a terminal, and not when NO_COLOR has any non-empty value (no-color.org) or TERM is dumb. */
export const isColourWanted = (isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean =>
  isTTY && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
