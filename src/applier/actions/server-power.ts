/** What `stop` and `start` share: asking Nova to stop or start a server and waiting until it is SHUTOFF or ACTIVE. */
import type { Server } from '../../cloud/ports.js';
import { conflict } from '../../errors.js';
import { ok, skip, type ActionContext, type Precondition } from '../action-type.js';
import { requireCloud, waitForServer } from './wait-for.js';

export type ServerPower = 'stop' | 'start';

const GOAL: Record<ServerPower, string> = { stop: 'SHUTOFF', start: 'ACTIVE' };
const FROM: Record<ServerPower, string> = { stop: 'ACTIVE', start: 'SHUTOFF' };
const TASK: Record<ServerPower, string> = { stop: 'powering-off', start: 'powering-on' };

/** Skipped when the server is gone or already there; a server neither there nor where the change starts fails. */
export async function checkServerPower(
  ctx: ActionContext,
  uuid: string,
  power: ServerPower,
): Promise<Precondition> {
  const { compute } = requireCloud(ctx);
  const server = await compute.getServer(uuid);
  if (!server) return skip(`instance ${uuid} was not found`);
  if (server.status === GOAL[power] && server.taskState === null)
    return skip(`instance ${uuid} is already ${GOAL[power]}`);
  if (server.status !== FROM[power] && server.taskState !== TASK[power])
    throw conflict(`instance ${uuid} is ${server.status}: ${power} needs ${FROM[power]}`);
  return ok;
}

/**
 * Stops or starts the server and waits for Nova to report it. Idempotent: a server already there, or on its way
 * (an interrupted run), is only waited for. A server deleted meanwhile ends a `stop` successfully, as upstream.
 */
export async function changeServerPower(ctx: ActionContext, uuid: string, power: ServerPower): Promise<void> {
  const { compute } = requireCloud(ctx);
  const server = await compute.getServer(uuid);
  if (!server) {
    if (power === 'stop') return;
    throw conflict(`instance ${uuid} vanished before it could be started`);
  }
  const there = (s: Server) => s.status === GOAL[power] && s.taskState === null;
  if (there(server)) return;
  if (server.taskState !== TASK[power]) {
    if (power === 'stop') await compute.stop(uuid);
    else await compute.start(uuid);
  }
  await waitForServer(
    ctx,
    compute,
    uuid,
    {
      operation: power,
      doing: power === 'stop' ? 'stopping' : 'starting',
      timeoutMs: ctx.timeoutMs(),
      intervalMs: 1000,
    },
    there,
  );
}

export async function verifyServerPower(ctx: ActionContext, uuid: string, power: ServerPower): Promise<void> {
  const { compute } = requireCloud(ctx);
  const server = await compute.getServer(uuid);
  if (power === 'stop' && !server) return;
  if (server?.status !== GOAL[power])
    throw conflict(`instance ${uuid} is ${server?.status ?? 'gone'}, not ${GOAL[power]}`);
}
