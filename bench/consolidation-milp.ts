/**
 * The exact answer to allocation consolidation on a small cluster, as a mixed-integer program solved by HiGHS: the
 * fewest migrations that empty a given number of hosts. Benchmarks and tests print it beside a strategy's plan, so
 * the gap to the optimum is measured rather than argued (issue 12: "on 10x50 the MILP optimum shows the gap").
 *
 *   x[i,h] = 1 when instance i ends on host h, y[h] = 1 when host h keeps instances.
 *   every instance on exactly one host it may be on (the static Nova rules of `nova-rules.ts`: movable instance,
 *   enabled and up destination, zone, traits, aggregates; an instance that may not move stays put);
 *   per host and resource, the allocations fit (total − reserved) × ratio, and only when y[h] = 1;
 *   server groups: anti-affinity at most one member per host, affinity all members on one host;
 *   Σ y ≤ hosts − emptied; minimise Σ over instances of (1 − x[i, its host]).
 *
 * The end state is what the program decides; the order of the moves is not (the lower bound makes the same
 * simplification). Meant for clusters of a few hundred instances: the program has hosts × instances binaries.
 */
import highs from 'highs';
import type { ClusterModel } from '../src/model/cluster-model.js';
import type { Instance } from '../src/model/elements.js';
import {
  refuseDestinationFor,
  refuseDestinationHost,
  refuseInstanceMove,
} from '../src/strategies/nova-rules.js';

// highs types its ESM build with a CommonJS declaration: TypeScript sees the module where the loader is.
const highsLoader = highs as unknown as typeof highs.default;

export interface MilpOptimum {
  /** The hosts the program had to empty (hosts holding nothing at the end, including those empty before). */
  emptyHosts: number;
  /** The fewest migrations reaching that; undefined when no assignment empties that many hosts. */
  migrations: number | undefined;
  /** HiGHS's model status (`Optimal` when the minimum is proven). */
  status: string;
  seconds: number;
}

const RESOURCES = ['vcpus', 'memoryMb', 'diskGb'] as const;

/** Solves for the fewest migrations leaving at least `emptyHosts` hosts without instances. */
export async function minimumMigrations(
  model: ClusterModel,
  emptyHosts: number,
  options: { timeLimitSeconds?: number } = {},
): Promise<MilpOptimum> {
  const started = performance.now();
  const solver = await highsLoader();
  const nodes = [...model.nodes()];
  const instances = [...model.instances()];
  const hostIndex = new Map(nodes.map((node, index) => [node.hostname, index]));

  const allowed: number[][] = instances.map((instance) => {
    const movable =
      refuseInstanceMove(instance, 'live') === undefined ||
      refuseInstanceMove(instance, 'cold') === undefined;
    const home = hostIndex.get(instance.hostname ?? '');
    return nodes.flatMap((node, h) => {
      if (h === home) return [h];
      if (!movable) return [];
      if (refuseDestinationHost(node) || refuseDestinationFor(model, instance, node)) return [];
      return [h];
    });
  });

  const x = (i: number, h: number) => `x_${i}_${h}`;
  const y = (h: number) => `y_${h}`;
  const objective: string[] = [];
  const constraints: string[] = [];
  const binaries: string[] = [];
  let constant = 0;

  instances.forEach((instance, i) => {
    const home = hostIndex.get(instance.hostname ?? '');
    if (home !== undefined) {
      constant += 1;
      objective.push(`- ${x(i, home)}`);
    }
    constraints.push(`one_${i}: ${allowed[i]!.map((h) => x(i, h)).join(' + ')} = 1`);
    binaries.push(...allowed[i]!.map((h) => x(i, h)));
  });
  nodes.forEach((node, h) => {
    binaries.push(y(h));
    const capacity = model.capacity(node);
    for (const resource of RESOURCES) {
      const terms = instances
        .map((instance, i) => (allowed[i]!.includes(h) ? `${instance[resource]} ${x(i, h)}` : ''))
        .filter(Boolean);
      if (terms.length === 0) continue;
      constraints.push(`${resource}_${h}: ${terms.join(' + ')} - ${capacity[resource]} ${y(h)} <= 0`);
    }
  });
  constraints.push(`kept: ${nodes.map((_, h) => y(h)).join(' + ')} <= ${nodes.length - emptyHosts}`);
  constraints.push(...groupConstraints(instances, allowed, nodes.length, x));

  const program = [
    'Minimize',
    // HiGHS's LP reader takes no constant: the objective is "stays" counted negatively, added back below.
    ` obj: ${objective.length > 0 ? objective.join(' ') : '0 y_0'}`,
    'Subject To',
    ...constraints.map((line) => ` ${line}`),
    'Binary',
    ...binaries.map((name) => ` ${name}`),
    'End',
  ].join('\n');
  const solution = solver.solve(program, {
    ...(options.timeLimitSeconds !== undefined && { time_limit: options.timeLimitSeconds }),
    mip_rel_gap: 0,
  });
  const solved = solution.Status === 'Optimal';
  return {
    emptyHosts,
    migrations: solved ? Math.round(constant + solution.ObjectiveValue) : undefined,
    status: solution.Status,
    seconds: (performance.now() - started) / 1000,
  };
}

function groupConstraints(
  instances: readonly Instance[],
  allowed: readonly number[][],
  hosts: number,
  x: (i: number, h: number) => string,
): string[] {
  const groups = new Map<string, { policy: string; members: number[] }>();
  instances.forEach((instance, i) => {
    const group = instance.serverGroup;
    if (!group) return;
    const entry = groups.get(group.uuid) ?? { policy: group.policy, members: [] };
    entry.members.push(i);
    groups.set(group.uuid, entry);
  });
  const lines: string[] = [];
  let index = 0;
  for (const { policy, members } of groups.values()) {
    for (let h = 0; h < hosts; h++) {
      const present = members.filter((i) => allowed[i]!.includes(h));
      if (policy === 'anti-affinity' && present.length > 1)
        lines.push(`anti_${index}_${h}: ${present.map((i) => x(i, h)).join(' + ')} <= 1`);
      if (policy === 'affinity') {
        const [first, ...rest] = members;
        for (const other of rest) {
          // Members share a host: where one may not go, neither may the other.
          const a = allowed[first!]!.includes(h) ? x(first!, h) : undefined;
          const b = allowed[other]!.includes(h) ? x(other, h) : undefined;
          if (a && b) lines.push(`aff_${index}_${other}_${h}: ${a} - ${b} = 0`);
          else if (a) lines.push(`aff_${index}_${other}_${h}: ${a} = 0`);
          else if (b) lines.push(`aff_${index}_${other}_${h}: ${b} = 0`);
        }
      }
    }
    index++;
  }
  return lines;
}
