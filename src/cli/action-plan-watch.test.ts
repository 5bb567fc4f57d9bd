import { describe, expect, it } from 'vitest';
import type { ActionPlanResource, ActionResource } from '../contract/resources.js';
import {
  changeLines,
  describeAction,
  renderFrame,
  screenLines,
  summarise,
  watchActionPlan,
  WATCH_EXIT,
  type PlanSnapshot,
  type WatchOutput,
} from './action-plan-watch.js';

const PLAN = 'a0e2b3c4-0000-4000-8000-000000000001';
const uuidOf = (n: number): string => `${String(n).padStart(8, '0')}-1111-4111-8111-111111111111`;

/** An action as the API shows it, with what the test cares about filled in. */
const actionOf = (fields: Partial<ActionResource>): ActionResource => ({
  uuid: uuidOf(0),
  action_plan_uuid: PLAN,
  state: 'PENDING',
  action_type: 'nop',
  parents: [],
  links: [],
  ...fields,
});

const planOf = (state: string): ActionPlanResource => ({
  efficacy_indicators: [],
  uuid: PLAN,
  audit_uuid: uuidOf(99),
  strategy_uuid: null,
  strategy_name: null,
  global_efficacy: [],
  state,
  links: [],
});

function migration(n: number, state: string, status_message: string | null = null): ActionResource {
  return actionOf({
    uuid: uuidOf(n),
    action_type: 'migrate',
    state,
    status_message,
    input_parameters: {
      resource_id: '5e1d2c3b-0000-4000-8000-00000000000a',
      resource_name: `vm-${n}`,
      source_node: 'compute-00004',
      destination_node: 'compute-00000',
      migration_type: 'live',
    },
  });
}

const snapshot = (planState: string, states: readonly string[]): PlanSnapshot => ({
  plan: planOf(planState),
  actions: states.map((state, n) => migration(n, state)),
});

/** A plan that moves through the given snapshots, one per poll, and then stays at the last. */
function clientOf(snapshots: readonly PlanSnapshot[]) {
  let poll = 0;
  let current = snapshots[0]!;
  return {
    polls: () => poll,
    show: () => {
      current = snapshots[Math.min(poll, snapshots.length - 1)]!;
      poll += 1;
      return Promise.resolve(current.plan);
    },
    listAll: () => Promise.resolve([...current.actions]),
  };
}

/**
 * Just enough of a terminal for the codes the watch writes: text overwrites cells and wraps at the width, `\n` goes
 * to the next line, ESC[nF up n lines to column 0, ESC[J erases to the end of the screen, ESC[?25l/h the cursor,
 * SGR colours are dropped. `tallest` is the most lines ever on screen (more than the rows would have scrolled).
 */
function terminal(
  columns: number,
): WatchOutput & { screen: string[]; cursorShown: boolean; tallest: number } {
  const term = {
    screen: [''] as string[],
    cursorShown: true,
    tallest: 0,
    isTTY: true,
    row: 0,
    col: 0,
    size: () => ({ rows: 24, columns }),
    write(text: string) {
      // eslint-disable-next-line no-control-regex -- the escape sequences are what this parses
      const tokens = text.match(/\x1b\[\??[0-9;]*[A-Za-z]|[^\x1b]/gu) ?? [];
      for (const token of tokens) {
        if (token.startsWith('\x1b')) {
          const code = token.at(-1);
          const n = Number(/\d+/.exec(token)?.[0] ?? '1');
          if (token === '\x1b[?25l') term.cursorShown = false;
          else if (token === '\x1b[?25h') term.cursorShown = true;
          else if (code === 'F') [term.row, term.col] = [Math.max(0, term.row - n), 0];
          else if (code === 'J') {
            term.screen.length = term.row + 1;
            term.screen[term.row] = (term.screen[term.row] ?? '').slice(0, term.col);
          }
        } else if (token === '\n') [term.row, term.col] = [term.row + 1, 0];
        else if (token === '\r') term.col = 0;
        else {
          if (term.col === columns) [term.row, term.col] = [term.row + 1, 0];
          const line = (term.screen[term.row] ?? '').padEnd(term.col);
          term.screen[term.row] = line.slice(0, term.col) + token + line.slice(term.col + 1);
          term.col += 1;
        }
        while (term.screen.length <= term.row) term.screen.push('');
        term.tallest = Math.max(term.tallest, term.screen.length);
      }
    },
  };
  return term;
}

const lines = (): WatchOutput & { text: string } => {
  const out = { text: '', isTTY: false, write: (chunk: string) => void (out.text += chunk) };
  return out;
};

const watch = (snapshots: readonly PlanSnapshot[], out: WatchOutput, signal = new AbortController().signal) =>
  watchActionPlan({ client: clientOf(snapshots), planId: PLAN, intervalMs: 0, out, color: false, signal });

describe('summarise', () => {
  it('gives the plan state and the actions succeeded of all, skipped, failed, and any ongoing or cancelled', () => {
    const actions = ['SUCCEEDED', 'SUCCEEDED', 'SKIPPED', 'ONGOING', 'PENDING', 'PENDING'];
    expect(summarise(snapshot('ONGOING', actions))).toBe(
      'ONGOING  2/6 succeeded, 1 skipped, 0 failed, 1 ongoing',
    );
    expect(summarise(snapshot('FAILED', ['SUCCEEDED', 'FAILED', 'CANCELLED']))).toBe(
      'FAILED  1/3 succeeded, 0 skipped, 1 failed, 1 cancelled',
    );
  });
});

describe('describeAction', () => {
  it.each([
    [migration(1, 'PENDING'), 'vm-1 compute-00004 → compute-00000 (live)'],
    [
      {
        action_type: 'change_nova_service_state',
        input_parameters: { resource_id: 'x', resource_name: 'compute-00012', state: 'disabled' },
      },
      'compute-00012 → disabled',
    ],
    [
      {
        action_type: 'migrate',
        input_parameters: {
          resource_id: '5e1d2c3b-0000-4000-8000-00000000000a',
          source_node: 'compute-00001',
          migration_type: 'cold',
        },
      },
      '5e1d2c3b compute-00001 → (scheduler) (cold)',
    ],
    [{ action_type: 'sleep', input_parameters: { duration: 3 } }, '3 s'],
    [{ action_type: 'vendor_special', input_parameters: { resource_id: 'r', knob: 7 } }, 'knob=7'],
  ])('%#: %s', (action, text) => {
    expect(describeAction(actionOf(action))).toBe(text);
  });
});

describe('renderFrame', () => {
  it('fits a long plan into the terminal: the rows around the first open action, the rest counted', () => {
    const states = Array.from({ length: 60 }, (_, n) =>
      n < 30 ? 'SUCCEEDED' : n === 30 ? 'ONGOING' : 'PENDING',
    );
    const frame = renderFrame(snapshot('ONGOING', states), { color: false, rows: 20, columns: 100 });
    expect(screenLines(frame, 100)).toBeLessThan(20);
    expect(frame).toContain(uuidOf(30).slice(0, 8));
    expect(frame).toContain(uuidOf(28).slice(0, 8));
    expect(frame).toMatch(/… 28 earlier \(28 SUCCEEDED\)/);
    expect(frame).toMatch(/… \d+ more \(\d+ PENDING\)/);
    expect(frame.split('\n').every((line) => line.length < 100)).toBe(true);
  });

  it('gives the parameters the room they need before the status message, within the width', () => {
    const actions = [
      migration(1, 'FAILED', 'Nova refused the move: no valid host was found for this instance'),
    ];
    const frame = renderFrame({ plan: planOf('FAILED'), actions }, { color: false, columns: 120 });
    expect(frame).toContain('│ vm-1 compute-00004 → compute-00000 (live) │');
    expect(frame).toContain('│ Nova refused the move: no valid host… │');
    expect(frame.split('\n').every((line) => line.length < 120)).toBe(true);
  });

  it('points at the start command while the plan is only RECOMMENDED', () => {
    expect(renderFrame(snapshot('RECOMMENDED', ['PENDING']), { color: false })).toContain(
      `(not started: steward actionplan start ${PLAN})`,
    );
  });

  it('colours states only when asked to', () => {
    const frame = snapshot('ONGOING', ['SUCCEEDED', 'ONGOING']);
    expect(renderFrame(frame, { color: false })).not.toContain('\x1b[');
    expect(renderFrame(frame, { color: true })).toContain('\x1b[32mSUCCEEDED\x1b[0m');
  });
});

describe('changeLines', () => {
  it('lists every action and the plan first, then only what changed', () => {
    const at = new Date('2026-12-04T15:28:33.123Z');
    const first = snapshot('ONGOING', ['SUCCEEDED', 'ONGOING', 'PENDING']);
    const second = snapshot('ONGOING', ['SUCCEEDED', 'SUCCEEDED', 'ONGOING']);
    expect(changeLines(undefined, first, at, false)).toHaveLength(4);
    const changed = changeLines(first, second, at, false);
    expect(changed).toHaveLength(2);
    expect(changed[0]).toMatch(
      new RegExp(
        `^2026-12-04T15:28:33Z  ${uuidOf(1).slice(0, 8)}  migrate +vm-1 compute-00004 → compute-00000 \\(live\\) +SUCCEEDED$`,
      ),
    );
    const done = changeLines(
      second,
      snapshot('SUCCEEDED', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']),
      at,
      false,
    );
    expect(done.at(-1)).toBe(
      `2026-12-04T15:28:33Z  plan ${PLAN}  SUCCEEDED  3/3 succeeded, 0 skipped, 0 failed`,
    );
  });
});

describe('watchActionPlan', () => {
  const run = [
    snapshot('ONGOING', ['SUCCEEDED', 'ONGOING', 'PENDING']),
    snapshot('ONGOING', ['SUCCEEDED', 'SUCCEEDED', 'ONGOING']),
    snapshot('SUCCEEDED', ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']),
  ];

  it('redraws a terminal in place: the screen ends holding the final frame and nothing else, cursor shown', async () => {
    const term = terminal(120);
    expect(await watch(run, term)).toBe(WATCH_EXIT.SUCCEEDED);
    const screen = term.screen.filter((line, n) => line !== '' || n < term.screen.length - 1);
    const final = renderFrame(run[2]!, { color: false, rows: 24, columns: 120 }).split('\n');
    // The header ends with the time of the poll; the rest is the final table, row for row.
    expect(screen[0]).toMatch(
      /^Action plan .* SUCCEEDED {2}3\/3 succeeded, 0 skipped, 0 failed {2}\d\d:\d\d:\d\d$/,
    );
    expect(screen.slice(1)).toEqual(final.slice(1));
    expect(term.cursorShown).toBe(true);
  });

  it('never draws more lines than the terminal has, also when it is too narrow for the table', async () => {
    const long = Array.from({ length: 3 }, (_, poll) =>
      snapshot(
        poll === 2 ? 'SUCCEEDED' : 'ONGOING',
        Array.from({ length: 80 }, (_, n) => (poll === 2 || n < poll * 30 ? 'SUCCEEDED' : 'PENDING')),
      ),
    );
    for (const columns of [160, 50]) {
      const term = terminal(columns);
      expect(await watch(long, term)).toBe(WATCH_EXIT.SUCCEEDED);
      if (columns === 160) expect(term.tallest).toBeLessThanOrEqual(24);
      // Wrapped lines are counted, so each redraw starts where the last frame began: the screen holds the last
      // frame's lines and nothing left over from earlier ones.
      const last = renderFrame(long[2]!, { color: false, rows: 24, columns, at: new Date() });
      expect(term.screen[0]).toMatch(/^Action plan/);
      expect(term.screen.length - 1).toBe(screenLines(last, columns));
    }
  });

  it('prints one line per state change when the output is not a terminal, without escape codes', async () => {
    const out = lines();
    expect(await watch(run, out)).toBe(WATCH_EXIT.SUCCEEDED);
    const printed = out.text.trimEnd().split('\n');
    // 3 actions and the plan at first; then 2 actions; then 1 action and the plan's end.
    expect(printed).toHaveLength(4 + 2 + 2);
    expect(out.text).not.toContain('\x1b');
    expect(printed.at(-1)).toMatch(/plan .* SUCCEEDED {2}3\/3 succeeded/);
  });

  it.each([
    ['FAILED', WATCH_EXIT.FAILED],
    ['CANCELLED', WATCH_EXIT.CANCELLED],
    ['SUPERSEDED', WATCH_EXIT.SUPERSEDED],
  ])('exits with the status for a plan that ends %s', async (state, status) => {
    expect(await watch([snapshot('ONGOING', ['ONGOING']), snapshot(state, ['CANCELLED'])], lines())).toBe(
      status,
    );
  });

  it('keeps polling a plan until it ends, and stops with 130 when interrupted, cursor shown again', async () => {
    const stop = new AbortController();
    const client = clientOf([snapshot('ONGOING', ['ONGOING'])]);
    const term = terminal(120);
    const watching = watchActionPlan({
      client,
      planId: PLAN,
      intervalMs: 5,
      out: term,
      color: true,
      signal: stop.signal,
    });
    while (client.polls() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    expect(await watching).toBe(WATCH_EXIT.INTERRUPTED);
    expect(term.cursorShown).toBe(true);
  });
});
