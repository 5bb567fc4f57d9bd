/**
 * A parser for the PromQL subset a Prometheus datasource (Watcher's, Steward's, Grafana panels) sends:
 * selectors with =, !=, =~, !~ matchers, range selectors, rate/irate/increase, *_over_time, clamp_max/min,
 * avg|min|max|sum|count by (...), scalar and vector arithmetic, parentheses, `vector(s)`, and subqueries
 * `expr[range:step]` inside the *_over_time functions (Steward's max/min queries).
 */
export type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'selector'; name: string; matchers: Matcher[]; rangeMs: number | null }
  /** `expr[rangeMs:stepMs]`; stepMs null means the default evaluation interval. */
  | { kind: 'subquery'; expr: Expr; rangeMs: number; stepMs: number | null }
  | { kind: 'call'; fn: string; args: Expr[] }
  | { kind: 'aggregate'; op: string; by: string[]; without: boolean; expr: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; lhs: Expr; rhs: Expr }
  | { kind: 'neg'; expr: Expr };

export class PromQLError extends Error {}

const AGGREGATES = new Set(['avg', 'min', 'max', 'sum', 'count']);
export const FUNCTIONS = new Set([
  'rate',
  'irate',
  'increase',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'clamp_max',
  'clamp_min',
  'abs',
  'vector',
]);

type Token = {
  type: 'ident' | 'number' | 'string' | 'op' | 'duration' | 'subquery';
  text: string;
  step?: string;
  pos: number;
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

export function parseDuration(text: string): number {
  const re = /(\d+)(ms|s|m|h|d|w|y)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new PromQLError(`bad duration "${text}"`);
  return total;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = input.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = /^\[\s*(\w+)\s*\]/.exec(rest))) {
      tokens.push({ type: 'duration', text: m[1] as string, pos: i });
      i += m[0].length;
    } else if ((m = /^\[\s*(\w+)\s*:\s*(\w*)\s*\]/.exec(rest))) {
      tokens.push({ type: 'subquery', text: m[1] as string, step: m[2], pos: i });
      i += m[0].length;
    } else if ((m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest))) {
      tokens.push({ type: 'number', text: m[0], pos: i });
      i += m[0].length;
    } else if ((m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest))) {
      tokens.push({ type: 'ident', text: m[0], pos: i });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < input.length && input[j] !== c) {
        if (input[j] === '\\' && j + 1 < input.length) {
          value += input[j + 1];
          j += 2;
          continue;
        }
        value += input[j];
        j++;
      }
      if (j >= input.length) throw new PromQLError(`unterminated string at position ${i}`);
      tokens.push({ type: 'string', text: value, pos: i });
      i = j + 1;
    } else if ((m = /^(=~|!~|!=|==|>=|<=|[-+*/(){},=<>^%])/.exec(rest))) {
      tokens.push({ type: 'op', text: m[0], pos: i });
      i += m[0].length;
    } else {
      throw new PromQLError(`unexpected character "${c}" at position ${i}`);
    }
  }
  return tokens;
}

export function parse(input: string): Expr {
  const tokens = tokenize(input);
  let p = 0;
  const peek = (): Token | undefined => tokens[p];
  const isOp = (text: string): boolean => peek()?.type === 'op' && peek()?.text === text;
  const expect = (text: string): void => {
    if (!isOp(text)) throw new PromQLError(`expected "${text}" at position ${peek()?.pos ?? input.length}`);
    p++;
  };

  const parseExpr = (): Expr => parseAdditive();
  const parseAdditive = (): Expr => {
    let lhs = parseMultiplicative();
    while (isOp('+') || isOp('-')) {
      const op = (tokens[p++] as Token).text as '+' | '-';
      lhs = { kind: 'binary', op, lhs, rhs: parseMultiplicative() };
    }
    return lhs;
  };
  const parseMultiplicative = (): Expr => {
    let lhs = parseUnary();
    while (isOp('*') || isOp('/')) {
      const op = (tokens[p++] as Token).text as '*' | '/';
      lhs = { kind: 'binary', op, lhs, rhs: parseUnary() };
    }
    return lhs;
  };
  const parseUnary = (): Expr => {
    if (isOp('-')) {
      p++;
      return { kind: 'neg', expr: parseUnary() };
    }
    if (isOp('+')) {
      p++;
      return parseUnary();
    }
    return parseSubquery();
  };
  const parseSubquery = (): Expr => {
    let expr = parsePrimary();
    while (peek()?.type === 'subquery') {
      const t = tokens[p++] as Token;
      if (expr.kind === 'selector' && expr.rangeMs !== null)
        throw new PromQLError(
          `subquery is only allowed on instant vector, got range vector at position ${t.pos}`,
        );
      expr = {
        kind: 'subquery',
        expr,
        rangeMs: parseDuration(t.text),
        stepMs: t.step ? parseDuration(t.step) : null,
      };
    }
    return expr;
  };
  const parseLabelList = (): string[] => {
    expect('(');
    const labels: string[] = [];
    while (!isOp(')')) {
      const t = peek();
      if (t?.type !== 'ident')
        throw new PromQLError(`expected label name at position ${t?.pos ?? input.length}`);
      labels.push(t.text);
      p++;
      if (isOp(',')) p++;
    }
    expect(')');
    return labels;
  };
  const parsePrimary = (): Expr => {
    const t = peek();
    if (!t) throw new PromQLError('unexpected end of input');
    if (t.type === 'number') {
      p++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t.type === 'op' && t.text === '(') {
      p++;
      const inner = parseExpr();
      expect(')');
      return inner;
    }
    if (t.type === 'op' && t.text === '{') return parseSelector('');
    if (t.type !== 'ident') throw new PromQLError(`unexpected "${t.text}" at position ${t.pos}`);
    p++;
    if (AGGREGATES.has(t.text) && (isOp('(') || peek()?.text === 'by' || peek()?.text === 'without')) {
      let by: string[] = [];
      let without = false;
      if (peek()?.text === 'by' || peek()?.text === 'without') {
        without = (tokens[p++] as Token).text === 'without';
        by = parseLabelList();
      }
      expect('(');
      const expr = parseExpr();
      expect(')');
      if (peek()?.text === 'by' || peek()?.text === 'without') {
        without = (tokens[p++] as Token).text === 'without';
        by = parseLabelList();
      }
      return { kind: 'aggregate', op: t.text, by, without, expr };
    }
    if (isOp('(')) {
      if (!FUNCTIONS.has(t.text)) throw new PromQLError(`unknown or unsupported function "${t.text}"`);
      p++;
      const args: Expr[] = [];
      while (!isOp(')')) {
        args.push(parseExpr());
        if (isOp(',')) p++;
        else break;
      }
      expect(')');
      return { kind: 'call', fn: t.text, args };
    }
    return parseSelector(t.text);
  };
  const parseSelector = (name: string): Expr => {
    const matchers: Matcher[] = [];
    if (isOp('{')) {
      p++;
      while (!isOp('}')) {
        const label = peek();
        if (label?.type !== 'ident')
          throw new PromQLError(`expected label name at position ${label?.pos ?? input.length}`);
        p++;
        const op = peek();
        if (op?.type !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text))
          throw new PromQLError(`expected label matcher at position ${op?.pos ?? input.length}`);
        p++;
        const value = peek();
        if (value?.type !== 'string')
          throw new PromQLError(`expected quoted label value at position ${value?.pos ?? input.length}`);
        p++;
        matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
        if (isOp(',')) p++;
      }
      expect('}');
    }
    if (name === '' && matchers.length === 0)
      throw new PromQLError('vector selector must contain at least one non-empty matcher');
    let rangeMs: number | null = null;
    if (peek()?.type === 'duration') rangeMs = parseDuration((tokens[p++] as Token).text);
    return { kind: 'selector', name, matchers, rangeMs };
  };

  const expr = parseExpr();
  if (p < tokens.length)
    throw new PromQLError(
      `unexpected "${(tokens[p] as Token).text}" at position ${(tokens[p] as Token).pos}`,
    );
  return expr;
}
