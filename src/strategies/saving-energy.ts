import { Type } from 'typebox';
import { savingEnergy as savingEnergyGoal } from '../goals/saving-energy.js';
import { defineStrategy } from './strategy.js';

/**
 * Description: keeps a pool of empty hosts powered on for new instances and powers the other empty hosts off (or
 * powers hosts back on when the pool is too small).
 * Requirements: node power control in the cloud (Ironic/MaaS upstream; the simulated cloud models it).
 * Limitations: only empty, enabled hosts are powered off; consolidate first (server_consolidation) to empty more.
 */
export const savingEnergy = defineStrategy({
  name: 'saving_energy',
  goal: savingEnergyGoal,
  displayName: 'Saving Energy Strategy',
  parameters: Type.Object({
    free_used_percent: Type.Optional(
      Type.Number({
        description:
          'a rational number, which describes the quotient of min_free_hosts_num/nodes_with_VMs_num',
        default: 10.0,
        minimum: 0,
      }),
    ),
    min_free_hosts_num: Type.Optional(
      Type.Number({
        description: 'minimum number of hosts without VMs but still powered on',
        default: 1,
        minimum: 0,
      }),
    ),
  }),
  metrics: [],
  supportLevel: 'experimental',
  planner: 'weight',
  docs: {
    description:
      'Counts the hosts with instances, the empty powered-on hosts and the empty powered-off ones. It keeps `max(hosts with instances × free_used_percent / 100, min_free_hosts_num)` empty hosts powered on (rounded down, as upstream) and powers the other empty hosts off (disabled ones too: a consolidation disables the hosts it empties) with `change_node_power_state`, or powers powered-off hosts on when too few are on. The hosts are chosen at random with the audit’s seed, as upstream chooses at random.',
    requirements: 'A cloud that can power nodes on and off (the simulated cloud does).',
    limitations:
      'Hosts with instances are never touched; run a server_consolidation audit first to empty more. Power states come from the cloud’s bare-metal service (Ironic; the simulated cloud’s Ironic-like API); a cloud without one reports every node on.',
  },
  execute({ model, solution, random, signal }, { free_used_percent = 10.0, min_free_hosts_num = 1 }) {
    signal.throwIfAborted();
    const withInstances: string[] = [];
    const freeOn: string[] = [];
    const freeOff: string[] = [];
    for (const node of model.nodes()) {
      if (node.inMaintenance) continue;
      const empty = model.instancesOn(node.hostname).length === 0;
      if (!empty) withInstances.push(node.hostname);
      else if (node.powerState === 'off') freeOff.push(node.hostname);
      // A host a consolidation emptied and disabled is the one to power off.
      else freeOn.push(node.hostname);
    }
    const needOn = Math.floor(Math.max((withInstances.length * free_used_percent) / 100, min_free_hosts_num));
    const shuffled = (hosts: string[]) => {
      const copy = [...hosts].sort();
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(random.next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy;
    };
    let poweredOff = 0;
    let poweredOn = 0;
    if (freeOn.length > needOn) {
      // Disabled hosts take no new instances anyway: they go first, then enabled ones at random.
      const isDisabled = (hostname: string) => model.getNode(hostname)?.status === 'disabled';
      const candidates = [
        ...shuffled(freeOn.filter(isDisabled)),
        ...shuffled(freeOn.filter((hostname) => !isDisabled(hostname))),
      ];
      for (const hostname of candidates.slice(0, freeOn.length - needOn))
        if (solution.changePowerState(hostname, 'off').ok) poweredOff++;
    } else if (freeOn.length < needOn) {
      for (const hostname of shuffled(freeOff).slice(0, needOn - freeOn.length))
        if (solution.changePowerState(hostname, 'on').ok) poweredOn++;
    }
    solution.indicator('compute_nodes_count', model.nodeCount);
    solution.indicator('powered_off_nodes_count', poweredOff);
    solution.indicator('powered_on_nodes_count', poweredOn);
    return Promise.resolve();
  },
});
