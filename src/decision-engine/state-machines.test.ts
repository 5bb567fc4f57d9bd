/**
 * Every pair of states of every machine: allowed exactly when the table says so. The expected tables are written
 * out again here, from upstream's rules, so a change to a table must be a deliberate change to this test.
 */
import { describe, expect, it } from 'vitest';
import { actionOperatorStates, actionStates, planOutcome } from '../applier/action-states.js';
import { actionPlanOperatorStates, actionPlanStates } from '../applier/plan-states.js';
import { auditStates } from './audit-states.js';
import type { StateMachine } from '../lib/state-machine.js';

const expected: [string, StateMachine<string>, Record<string, string[]>][] = [
  [
    'audit',
    auditStates,
    {
      PENDING: ['ONGOING', 'CANCELLED'],
      ONGOING: ['FAILED', 'SUCCEEDED', 'CANCELLED', 'SUSPENDED'],
      SUCCEEDED: ['DELETED'],
      FAILED: ['DELETED'],
      CANCELLED: ['DELETED'],
      SUSPENDED: ['ONGOING', 'DELETED'],
      DELETED: [],
    },
  ],
  [
    'action plan (operator)',
    actionPlanOperatorStates,
    {
      RECOMMENDED: ['PENDING', 'CANCELLED', 'DELETED'],
      PENDING: ['CANCELLED'],
      ONGOING: ['CANCELLING'],
      CANCELLING: [],
      SUCCEEDED: ['DELETED'],
      FAILED: ['DELETED'],
      CANCELLED: ['DELETED'],
      SUPERSEDED: ['DELETED'],
      DELETED: [],
    },
  ],
  [
    'action plan (engine)',
    actionPlanStates,
    {
      RECOMMENDED: ['PENDING', 'CANCELLED', 'SUPERSEDED', 'DELETED'],
      PENDING: ['ONGOING', 'CANCELLED'],
      ONGOING: ['SUCCEEDED', 'FAILED', 'CANCELLING', 'CANCELLED'],
      CANCELLING: ['CANCELLED', 'FAILED'],
      SUCCEEDED: ['DELETED'],
      FAILED: ['DELETED'],
      CANCELLED: ['DELETED'],
      SUPERSEDED: ['DELETED'],
      DELETED: [],
    },
  ],
  [
    'action (operator)',
    actionOperatorStates,
    {
      PENDING: ['SKIPPED'],
      ONGOING: [],
      CANCELLING: [],
      SUCCEEDED: [],
      FAILED: [],
      CANCELLED: [],
      SKIPPED: [],
      DELETED: [],
    },
  ],
  [
    'action (applier)',
    actionStates,
    {
      PENDING: ['ONGOING', 'SKIPPED', 'FAILED', 'CANCELLED', 'DELETED'],
      ONGOING: ['SUCCEEDED', 'FAILED', 'CANCELLING', 'CANCELLED'],
      CANCELLING: ['CANCELLED', 'FAILED'],
      SUCCEEDED: ['DELETED'],
      FAILED: ['DELETED'],
      CANCELLED: ['DELETED'],
      SKIPPED: ['DELETED'],
      DELETED: [],
    },
  ],
];

describe.each(expected)('the %s state machine', (_name, machine, table) => {
  const pairs = machine.states.flatMap((from) =>
    machine.states.map((to) => [from, to, (table[from] ?? []).includes(to)] as const),
  );

  it.each(pairs)('%s -> %s allowed: %s', (from, to, allowed) => {
    expect(machine.canTransition(from, to)).toBe(allowed);
  });

  it('knows every state and nothing else', () => {
    expect([...machine.states].sort()).toEqual(Object.keys(table).sort());
    expect(machine.isState('BOGUS')).toBe(false);
  });
});

describe('planOutcome', () => {
  it.each([
    [['SUCCEEDED', 'SUCCEEDED'], 'SUCCEEDED'],
    [['SUCCEEDED', 'SKIPPED'], 'SUCCEEDED'],
    [['SKIPPED', 'SKIPPED'], 'SUCCEEDED'],
    [['SUCCEEDED', 'CANCELLED'], 'SUCCEEDED'],
    [['SUCCEEDED', 'FAILED', 'SKIPPED'], 'FAILED'],
    [['FAILED'], 'FAILED'],
    [[], 'SUCCEEDED'],
  ] as const)('a plan whose actions end %j is %s', (states, outcome) => {
    expect(planOutcome(states)).toBe(outcome);
  });
});
