/** `steward simulator` as its own process, for tests that need the cloud outside Steward's process. */
import { startStewardCommand, type Running } from './steward-command.js';

export type { Running };

/** Starts `steward simulator` and waits for its banner, which it prints once it listens. */
export function startSimulator(args: string[]): Promise<Running> {
  return startStewardCommand(['simulator', ...args]);
}
