/**
 * `steward actionplan watch <plan>`: polls the public API and shows the plan's actions and their states until the
 * plan ends. On a terminal the table is redrawn in place; anywhere else (a pipe, a CI log) it prints one line per
 * state change, so the output reads as a log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import type { ActionPlanResource, ActionResource } from '../contract/resources.js';

/** How the command ends: the plan's outcome, so scripts can wait on a plan and branch on how it went. */
export const WATCH_EXIT = {
  SUCCEEDED: 0,
  /** The API answered an error (e.g. no such plan) or could not be reached. */
  ERROR: 1,
  FAILED: 2,
  CANCELLED: 3,
  /** A RECOMMENDED plan replaced by a newer one or expired: it never runs. */
  SUPERSEDED: 4,
  /** Ctrl-C (SIGINT) or SIGTERM: the watch stopped, the plan goes on. 128 + SIGINT, as shells report it. */
  INTERRUPTED: 130,
} as const;

const PLAN_EXIT: Readonly<Record<string, number>> = {
  SUCCEEDED: WATCH_EXIT.SUCCEEDED,
  FAILED: WATCH_EXIT.FAILED,
  CANCELLED: WATCH_EXIT.CANCELLED,
  SUPERSEDED: WATCH_EXIT.SUPERSEDED,
};

export interface PlanSnapshot {
  plan: ActionPlanResource;
  actions: readonly ActionResource[];
}

/** Where the watch writes: a terminal (redrawn in place) or anything else (one line per change). */
export interface WatchOutput {
  write(text: string): void;
  isTTY: boolean;
  /** The terminal's size now, when it is one: each frame keeps within it, so redrawing never scrolls. */
  size?: () => { rows: number; columns: number };
}

/** What the watch reads: a plan and its actions (a `StewardClient` is one). */
export interface PlanReader {
  show(resource: 'action_plans', id: string): Promise<ActionPlanResource>;
  listAll(resource: 'actions', query: Record<string, string | number | undefined>): Promise<ActionResource[]>;
}

export interface WatchOptions {
  client: PlanReader;
  planId: string;
  intervalMs: number;
  out: WatchOutput;
  color: boolean;
  signal: AbortSignal;
  now?: () => Date;
}

const str = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

const shortUuid = (uuid: unknown): string => str(uuid).slice(0, 8);

/** "ONGOING  12/40 succeeded, 1 skipped, 0 failed, 1 ongoing": the plan's state and where its actions are. */
export function summarise({ plan, actions }: PlanSnapshot): string {
  const count = (state: string): number => actions.filter((action) => action.state === state).length;
  const extra = (['ONGOING', 'CANCELLED', 'CANCELLING'] as const)
    .filter((state) => count(state) > 0)
    .map((state) => `, ${count(state)} ${state.toLowerCase()}`)
    .join('');
  return (
    `${str(plan.state)}  ${count('SUCCEEDED')}/${actions.length} succeeded, ` +
    `${count('SKIPPED')} skipped, ${count('FAILED')} failed${extra}`
  );
}

/** What an action does, in the words of its parameters: instance and hosts of a move, host and state of a change. */
export function describeAction(action: ActionResource): string {
  const p = action.input_parameters ?? {};
  const subject = str(p.resource_name) || shortUuid(p.resource_id);
  switch (action.action_type) {
    case 'migrate':
      return `${subject} ${str(p.source_node)} → ${str(p.destination_node) || '(scheduler)'} (${str(p.migration_type)})`;
    case 'volume_migrate':
      return `${subject} → ${str(p.destination_node) || str(p.destination_type) || '(scheduler)'} (${str(p.migration_type)})`;
    case 'change_nova_service_state':
    case 'change_node_power_state':
      return `${subject} → ${str(p.state)}`;
    case 'resize':
      return `${subject} → flavor ${str(p.flavor)}`;
    case 'add_trait':
      return `${subject} +${str(p.trait)}`;
    case 'remove_trait':
      return `${subject} -${str(p.trait)}`;
    case 'stop':
    case 'start':
      return subject;
    case 'sleep':
      return `${str(p.duration)} s`;
    case 'nop':
      return str(p.message);
    default:
      return Object.entries(p)
        .filter(([key]) => key !== 'resource_id')
        .map(([key, value]) => `${key}=${str(value)}`)
        .join(' ');
  }
}

// Finished states stay put; the rest move. Colours only when asked for (a terminal without NO_COLOR).
const FINAL_ACTION_STATES = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED', 'DELETED']);
const STATE_COLOUR: Readonly<Record<string, string>> = {
  SUCCEEDED: '32',
  ONGOING: '33',
  CANCELLING: '33',
  FAILED: '31',
  CANCELLED: '35',
  SKIPPED: '2',
  SUPERSEDED: '35',
};
const paint = (text: string, state: string, color: boolean): string =>
  color && STATE_COLOUR[state] ? `\x1b[${STATE_COLOUR[state]}m${text}\x1b[0m` : text;

const truncate = (text: string, width: number): string =>
  text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;

/** Room kept for status messages (the header's "status_message" is 14 wide). */
const MIN_MESSAGE_WIDTH = 16;

/** Table borders and header, the header line and the window's two "… more" lines. */
const FRAME_OVERHEAD_LINES = 7;

/**
 * The header line and the table of actions, at most `rows` lines tall and `columns` wide: when the plan has more
 * actions than fit, a window around the first unfinished one, with what lies above and below counted.
 */
export function renderFrame(
  snapshot: PlanSnapshot,
  options: { color: boolean; rows?: number; columns?: number; at?: Date },
): string {
  const { plan, actions } = snapshot;
  const planState = str(plan.state);
  const width = (options.columns ?? Number.POSITIVE_INFINITY) - 1;
  const hint =
    planState === 'RECOMMENDED' ? `  (not started: steward actionplan start ${str(plan.uuid)})` : '';
  const time = options.at ? `  ${options.at.toISOString().slice(11, 19)}` : '';
  // Cut to the terminal's width before colouring, so no line wraps and the redraw knows how tall it is.
  const summary = summarise(snapshot);
  const header = truncate(`Action plan ${str(plan.uuid)}  ${summary}${time}${hint}`, width).replace(
    summary,
    paint(summary, planState, options.color),
  );

  const capacity = Math.max(1, (options.rows ?? Number.POSITIVE_INFINITY) - FRAME_OVERHEAD_LINES);
  const firstOpen = actions.findIndex((action) => !FINAL_ACTION_STATES.has(str(action.state)));
  // Two finished rows above the first open one keep what just happened in sight.
  const focus = firstOpen < 0 ? actions.length : firstOpen;
  const start = Math.max(0, Math.min(focus - 2, actions.length - capacity));
  const shown = actions.slice(start, start + capacity);
  const above = actions.slice(0, start);
  const below = actions.slice(start + shown.length);

  // The uuid, type and state columns keep their width (borders and padding take 16, and one column stays free so no
  // line fills the terminal exactly); the parameters get what they need of the rest, short of a minimum for the
  // status message, which takes what remains.
  const typeWidth = Math.max(4, ...shown.map((action) => str(action.action_type).length));
  const free = Math.max(30, (options.columns ?? 160) - (8 + typeWidth + 10 + 16 + 1));
  const paramsWidth = Math.min(
    Math.max(10, ...shown.map((action) => describeAction(action).length)),
    free - MIN_MESSAGE_WIDTH,
  );
  const messageWidth = free - paramsWidth;
  const table = new Table({
    head: ['action', 'type', 'parameters', 'state', 'status_message'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const action of shown) {
    const state = str(action.state);
    table.push([
      shortUuid(action.uuid),
      str(action.action_type),
      truncate(describeAction(action), paramsWidth),
      paint(state, state, options.color),
      truncate(str(action.status_message), messageWidth),
    ]);
  }
  return [
    header,
    ...(above.length > 0 ? [truncate(`  … ${above.length} earlier (${countStates(above)})`, width)] : []),
    table.toString(),
    ...(below.length > 0 ? [truncate(`  … ${below.length} more (${countStates(below)})`, width)] : []),
  ].join('\n');
}

function countStates(actions: readonly ActionResource[]): string {
  const counts = new Map<string, number>();
  for (const action of actions) counts.set(str(action.state), (counts.get(str(action.state)) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

/** One log line per action whose state differs from `seen` (every action on the first call), and per plan change. */
export function changeLines(
  previous: PlanSnapshot | undefined,
  current: PlanSnapshot,
  at: Date,
  color: boolean,
): string[] {
  const time = at.toISOString().replace(/\.\d+Z$/, 'Z');
  const before = new Map(previous?.actions.map((action) => [str(action.uuid), str(action.state)]));
  const lines: string[] = [];
  for (const action of current.actions) {
    const state = str(action.state);
    if (before.get(str(action.uuid)) === state) continue;
    const message = str(action.status_message);
    lines.push(
      [
        time,
        shortUuid(action.uuid),
        // Padded so a log of changes lines up in columns (change_nova_service_state is the longest type).
        str(action.action_type).padEnd(25),
        describeAction(action).padEnd(44),
        paint(state, state, color),
        ...(message ? [message] : []),
      ].join('  '),
    );
  }
  const planState = str(current.plan.state);
  if (previous === undefined || str(previous.plan.state) !== planState)
    lines.push(
      `${time}  plan ${str(current.plan.uuid)}  ${paint(summarise(current), planState, color)}` +
        (planState === 'RECOMMENDED'
          ? `  (not started: steward actionplan start ${str(current.plan.uuid)})`
          : ''),
    );
  return lines;
}

/** Terminal rows a frame takes: a line wider than the terminal wraps (on one too narrow for the table). */
export function screenLines(frame: string, columns: number | undefined): number {
  return frame
    .split('\n')
    .map((line) => stripVTControlCharacters(line).length)
    .reduce((sum, length) => sum + Math.max(1, columns ? Math.ceil(length / columns) : 1), 0);
}

// ANSI: cursor up n lines to column 1, erase to the end of the screen, hide and show the cursor.
const cursorUp = (lines: number): string => (lines > 0 ? `\x1b[${lines}F` : '\r');
const ERASE_DOWN = '\x1b[J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Polls until the plan ends or the signal fires; returns the exit status (WATCH_EXIT). API errors propagate. */
export async function watchActionPlan(options: WatchOptions): Promise<number> {
  const { client, out, color, signal } = options;
  const now = options.now ?? (() => new Date());
  let previous: PlanSnapshot | undefined;
  let drawnLines = 0;
  if (out.isTTY) out.write(HIDE_CURSOR);
  try {
    for (;;) {
      const plan = await client.show('action_plans', options.planId);
      // The plan's uuid, not what was typed: a name or uuid prefix resolves once, the filter needs the uuid.
      const actions = await client.listAll('actions', { action_plan_uuid: str(plan.uuid) });
      if (signal.aborted) return WATCH_EXIT.INTERRUPTED;
      const current: PlanSnapshot = { plan, actions };
      if (out.isTTY) {
        const size = out.size?.();
        const frame = renderFrame(current, { color, at: now(), ...size });
        out.write(`${drawnLines > 0 ? cursorUp(drawnLines) + ERASE_DOWN : ''}${frame}\n`);
        drawnLines = screenLines(frame, size?.columns);
      } else {
        const lines = changeLines(previous, current, now(), color);
        if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
      }
      previous = current;
      const exit = PLAN_EXIT[str(plan.state)];
      if (exit !== undefined) return exit;
      try {
        await sleep(options.intervalMs, undefined, { signal });
      } catch {
        return WATCH_EXIT.INTERRUPTED;
      }
    }
  } finally {
    if (out.isTTY) out.write(SHOW_CURSOR);
  }
}
