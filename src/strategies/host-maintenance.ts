import { Type, type Static } from 'typebox';
import { clusterMaintaining } from '../goals/cluster-maintaining.js';
import type { ClusterModel } from '../model/cluster-model.js';
import type { Instance } from '../model/elements.js';
import type { MoveKind } from './nova-rules.js';
import type { SolutionBuilder } from './solution-builder.js';
import { SpreadingDestinations } from './spreading-destinations.js';
import { defineStrategy, type StrategyLog } from './strategy.js';

/** Upstream's `HostMaintenanceBaseStrategy.REASON_FOR_MAINTAINING`: the disabled reason that marks the host. */
export const REASON_FOR_MAINTAINING = 'watcher_maintaining';

const parameters = Type.Object({
  maintenance_node: Type.String({ description: 'The name of the compute node which need maintenance' }),
  backup_node: Type.Optional(
    Type.String({ description: 'The name of the compute node which will backup the maintenance node.' }),
  ),
  disable_live_migration: Type.Optional(
    Type.Boolean({
      description:
        'Disable live migration in maintenance. If True, active instances will be cold migrated if `disable_cold_migration` is not set, otherwise they will be stopped.',
      default: false,
    }),
  ),
  disable_cold_migration: Type.Optional(
    Type.Boolean({
      description:
        'Disable cold migration in maintenance. If True, non-active instances will not be cold migrated.',
      default: false,
    }),
  ),
});

type Parameters = Static<typeof parameters>;

/** `ha:maintenance-strategy`: what the instance's owner wants done with it while its host is maintained. */
export type MaintenanceHandling = 'in_place' | 'power_off' | 'migrate';

const HANDLINGS: readonly string[] = ['in_place', 'power_off', 'migrate'];

/** The instance's handling; absent or unknown values mean upstream's behaviour, `migrate`. */
export function handlingOf(instance: Instance): { handling: MaintenanceHandling; unknown?: string } {
  const value = instance.metadata['ha:maintenance-strategy']?.trim().toLowerCase();
  if (value === undefined) return { handling: 'migrate' };
  if (HANDLINGS.includes(value)) return { handling: value as MaintenanceHandling };
  return { handling: 'migrate', unknown: value };
}

/**
 * `ha:role` as a rank: the standby side of a pair is handled first, so the primary moves (or stops) last, once its
 * standby is settled; roles Steward does not know, and no role, sit between.
 */
const STANDBY_ROLES = new Set(['standby', 'secondary', 'backup', 'passive', 'replica', 'slave', 'follower']);
const PRIMARY_ROLES = new Set(['primary', 'active', 'master', 'leader']);

export function roleRank(instance: Instance): number {
  const role = instance.metadata['ha:role']?.trim().toLowerCase();
  if (role === undefined) return 1;
  if (STANDBY_ROLES.has(role)) return 0;
  if (PRIMARY_ROLES.has(role)) return 2;
  return 1;
}

/** `ha:priority` as a number, higher first; absent or not a number is 0. */
export function priorityOf(instance: Instance): number {
  const value = Number(instance.metadata['ha:priority']);
  return Number.isFinite(value) ? value : 0;
}

/**
 * The order of the work: role rank (standby first, primary last), then higher `ha:priority` first, then name and
 * uuid so runs are reproducible. Returns tiers: instances of one role rank and priority, which may run side by side.
 */
export function maintenanceTiers(instances: readonly Instance[]): Instance[][] {
  const sorted = [...instances].sort(
    (a, b) =>
      roleRank(a) - roleRank(b) ||
      priorityOf(b) - priorityOf(a) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0),
  );
  const tiers: Instance[][] = [];
  let key: string | undefined;
  for (const instance of sorted) {
    const tierKey = `${roleRank(instance)}/${priorityOf(instance)}`;
    if (tierKey !== key) tiers.push([]);
    key = tierKey;
    tiers[tiers.length - 1]!.push(instance);
  }
  return tiers;
}

/** The kinds of move to try for an instance, preferred first: what its state allows and the audit does not forbid. */
function moveKinds(instance: Instance, params: Parameters): MoveKind[] {
  const live = params.disable_live_migration !== true;
  const cold = params.disable_cold_migration !== true;
  const kinds: MoveKind[] = [];
  if (live && (instance.state === 'active' || instance.state === 'paused')) kinds.push('live');
  if (cold && (instance.state === 'active' || instance.state === 'stopped')) kinds.push('cold');
  return kinds;
}

interface Counts {
  live: number;
  cold: number;
  stopped: number;
  inPlace: number;
  left: number;
}

class MaintenancePlan {
  readonly counts: Counts = { live: 0, cold: 0, stopped: 0, inPlace: 0, left: 0 };
  readonly #spreading: SpreadingDestinations;

  constructor(
    readonly model: ClusterModel,
    readonly solution: SolutionBuilder,
    readonly log: StrategyLog,
    readonly params: Parameters,
  ) {
    // The backup node is tried first by name; the others spread, the backup among them once it is full.
    this.#spreading = new SpreadingDestinations(model, new Set([params.maintenance_node]));
  }

  /** Plans the instance's handling after `after`; returns the indexes of the actions it planned. */
  handle(instance: Instance, after: readonly number[]): number[] {
    const { handling, unknown } = handlingOf(instance);
    if (unknown !== undefined)
      this.log.warn(
        { instance: instance.uuid, value: unknown },
        'host_maintenance: unknown ha:maintenance-strategy, handled as migrate',
      );
    if (handling === 'in_place') {
      this.counts.inPlace += 1;
      return [];
    }
    if (handling === 'migrate') {
      const moved = this.#move(instance, after);
      if (moved !== undefined) return [moved];
    }
    // power_off, or a move nothing allows: a running instance is stopped, a stopped one already is.
    if (instance.state === 'stopped') return [];
    const outcome = this.solution.stop(instance, { after });
    if (outcome.ok) {
      this.counts.stopped += 1;
      return [outcome.index];
    }
    this.counts.left += 1;
    this.log.warn(
      { instance: instance.uuid, rule: outcome.rule, reason: outcome.reason },
      'host_maintenance: the instance can neither move nor stop; it stays on the host',
    );
    return [];
  }

  /** The first move the audit, the instance's state and metadata, and Nova's rules all allow. */
  #move(instance: Instance, after: readonly number[]): number | undefined {
    for (const kind of moveKinds(instance, this.params)) {
      const accepts = (hostname: string) => !this.solution.refuseMigration(instance, hostname, kind);
      const backup = this.params.backup_node;
      const to =
        backup !== undefined && this.model.getNode(backup) && accepts(backup)
          ? backup
          : this.#spreading.choose(accepts);
      if (to === undefined) {
        this.log.info(
          { instance: instance.uuid, kind },
          'host_maintenance: no host takes the instance this way',
        );
        continue;
      }
      const outcome = this.solution.migrate(instance, { to, live: kind === 'live', after });
      if (!outcome.ok) {
        this.log.info(
          { instance: instance.uuid, kind, rule: outcome.rule, reason: outcome.reason },
          'host_maintenance: move refused',
        );
        continue;
      }
      this.#spreading.update(to);
      if (kind === 'live') this.counts.live += 1;
      else this.counts.cold += 1;
      return outcome.index;
    }
    return undefined;
  }
}

/**
 * Description: prepares one compute node for maintenance: disables its nova-compute service first (reason
 * `watcher_maintaining`), then moves its instances to the backup node or other hosts, or stops them, as the audit's
 * parameters and each instance's `lifecycle:*` and `ha:*` metadata allow.
 * Requirements: at least two compute nodes for moves.
 * Limitations: without `backup_node` Steward names each destination where upstream lets Nova choose.
 */
export const hostMaintenance = defineStrategy({
  name: 'host_maintenance',
  goal: clusterMaintaining,
  displayName: 'Host Maintenance Strategy',
  parameters,
  metrics: [],
  supportLevel: 'experimental',
  planner: 'dependency',
  docs: {
    description: [
      'Prepares `maintenance_node` for maintenance. Its nova-compute service is disabled first (reason `watcher_maintaining`, as upstream; skipped when it is disabled already), so nothing new lands on it, and every other action of the plan waits for that. Each instance is then handled as its `ha:maintenance-strategy` metadata says:',
      '',
      '- `migrate` (also when absent, upstream’s behaviour; an unknown value is logged and treated so): an active instance is live-migrated, or cold-migrated when live migration is not possible; a paused one live-migrated; a stopped one cold-migrated. `disable_live_migration` and `disable_cold_migration` take that kind of move away for every instance, `lifecycle:live-migratable=false` and `lifecycle:cold-migratable=false` for that instance (the solution builder refuses such moves for every strategy). The destination is `backup_node` while it takes the instance (enabled first when it is disabled, as upstream), else the host with the most free memory that Nova would accept. When no move is allowed or no host takes the instance, an active instance is **stopped** (`stop`) and a stopped one stays as it is.',
      '- `power_off`: an active instance is stopped, never moved.',
      '- `in_place`: the instance is left running where it is (maintenance that does not need the host empty).',
      '',
      'The work is ordered by `ha:role` and `ha:priority`: standby roles (`standby`, `secondary`, `backup`, `passive`, `replica`, `slave`, `follower`) first, instances with no or another role next, primary roles (`primary`, `active`, `master`, `leader`) last; within a role, higher `ha:priority` (a number, 0 when absent) first. Each such tier waits for every action of the tier before, so a primary is touched only once its standbys are settled; within a tier actions run side by side (moves into one host one after another, as the builder chains them). A host with no instances is only disabled.',
    ].join('\n'),
    requirements:
      'At least two compute nodes for moves; the maintenance node must be in the audit’s scope (else the plan is empty and a warning logged).',
    limitations:
      'Without `backup_node` upstream lets Nova’s scheduler choose each destination; Steward names it, so the plan can be checked. Upstream sends everything to `backup_node` only when the whole host fits it, else nothing; Steward fills the backup node while it has room and spreads the rest. Instances that can neither move nor stop (locked, excluded by the audit scope, busy, or in a state such as error) stay on the host and are logged. Upstream’s goal for this strategy is `cluster_maintaining`, which has no efficacy indicators; Steward keeps it.',
  },
  execute({ model, solution, log, signal }, params) {
    signal.throwIfAborted();
    const node = model.getNode(params.maintenance_node);
    if (!node) {
      log.warn({ node: params.maintenance_node }, 'host_maintenance: the node is not in the audit’s model');
      return Promise.resolve();
    }
    const instances = model.instancesOn(node.hostname);
    const first: number[] = [];
    if (node.status !== 'disabled') {
      const disabled = solution.changeServiceState(node.hostname, 'disabled', REASON_FOR_MAINTAINING);
      if (disabled.ok) first.push(disabled.index);
    }
    const backup = params.backup_node === undefined ? undefined : model.getNode(params.backup_node);
    if (params.backup_node !== undefined && !backup)
      log.warn({ node: params.backup_node }, 'host_maintenance: the backup node is not in the audit’s model');
    if (backup && backup.status === 'disabled' && instances.length > 0 && backup.hostname !== node.hostname) {
      // Upstream enables a disabled backup node before it moves instances there.
      const enabled = solution.enableComputeService(backup.hostname);
      if (enabled.ok) first.push(enabled.index);
    }
    const plan = new MaintenancePlan(model, solution, log, params);
    let after = first;
    for (const tier of maintenanceTiers(instances)) {
      signal.throwIfAborted();
      const planned: number[] = [];
      for (const instance of tier) planned.push(...plan.handle(instance, after));
      if (planned.length > 0) after = planned;
    }
    log.info({ node: node.hostname, ...plan.counts }, 'host_maintenance: planned');
    return Promise.resolve();
  },
});
