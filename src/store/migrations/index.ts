/** Every migration, in order. Adding one: a new file NNNN-<what>.ts exporting `up`, and one line here. */
import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as strategySupportLevel from './0002-strategy-support-level.js';

export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-strategy-support-level': strategySupportLevel,
};
