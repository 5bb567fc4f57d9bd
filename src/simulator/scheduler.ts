/** A small Nova scheduler: filters then weighers, for new instances and moves without a destination. */
import type { ClusterState, SimFlavor, SimHost, SimInstance } from './cluster.js';
import { usedOn } from './cluster.js';
import { DEFAULT_WEIGHERS, type Weigher } from './weighers/index.js';

export interface ScheduleRequest {
  flavor: SimFlavor;
  instance?: SimInstance;
  az?: string | null;
  ignoreHosts?: string[];
  serverGroup?: string | null;
}

/** Why a host was rejected; the first failing filter wins. */
export function rejectReason(state: ClusterState, host: SimHost, req: ScheduleRequest): string | null {
  if (host.status !== 'enabled') return `compute service on ${host.hostname} is disabled`;
  if (host.forcedDown) return `compute service on ${host.hostname} is down`;
  if (host.powerState === 'off') return `host ${host.hostname} is powered off`;
  if (host.powerTarget?.state === 'off') return `host ${host.hostname} is powering off`;
  if (host.inMaintenance) return `host ${host.hostname} is in maintenance`;
  const used = usedOn(state, host.hostname);
  const f = req.flavor;
  if (used.vcpus + f.vcpus > (host.vcpus - host.vcpuReserved) * host.vcpuRatio)
    return `not enough VCPU on ${host.hostname}`;
  if (used.ramMb + f.ramMb > (host.memoryMb - host.memoryMbReserved) * host.memoryRatio)
    return `not enough MEMORY_MB on ${host.hostname}`;
  if (used.diskGb + f.diskGb > (host.diskGb - host.diskGbReserved) * host.diskRatio)
    return `not enough DISK_GB on ${host.hostname}`;
  const az = req.az ?? req.instance?.pinnedAz ?? null;
  if (az && host.az !== az) return `host ${host.hostname} is not in availability zone ${az}`;
  for (const [k, v] of Object.entries(f.extraSpecs)) {
    if (!k.startsWith('trait:')) continue;
    const has = host.traits.includes(k.slice(6));
    if (v === 'required' && !has) return `host ${host.hostname} lacks required trait ${k.slice(6)}`;
    if (v === 'forbidden' && has) return `host ${host.hostname} has forbidden trait ${k.slice(6)}`;
  }
  const groupId = req.serverGroup ?? req.instance?.serverGroup ?? null;
  const group = groupId ? state.serverGroups.find((g) => g.id === groupId) : undefined;
  if (group) {
    const others = group.members
      .filter((m) => m !== req.instance?.id)
      .map((m) => state.instances.get(m)?.host)
      .filter((h): h is string => !!h);
    if (group.policy === 'anti-affinity' && others.includes(host.hostname))
      return `anti-affinity server group ${group.name} already has a member on ${host.hostname}`;
    if (group.policy === 'affinity' && others.length > 0 && !others.includes(host.hostname))
      return `affinity server group ${group.name} lives on another host`;
  }
  return null;
}

export function schedule(
  state: ClusterState,
  req: ScheduleRequest,
  weighers: Weigher[] = DEFAULT_WEIGHERS,
): SimHost | null {
  let best: SimHost | null = null;
  let bestScore = -Infinity;
  for (const host of state.hosts) {
    if (req.ignoreHosts?.includes(host.hostname) || host.hostname === req.instance?.host) continue;
    if (rejectReason(state, host, req) !== null) continue;
    let score = 0;
    for (const w of weighers) score += w.multiplier * w.weigh(state, host, req.flavor);
    // Ties break on hostname so scheduling is deterministic.
    if (score > bestScore + 1e-12) {
      best = host;
      bestScore = score;
    }
  }
  return best;
}
