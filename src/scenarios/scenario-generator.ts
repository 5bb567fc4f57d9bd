/**
 * Synthetic clusters in the shared scenario format, with the distributions of the Watcher peer's `fake_cluster.py`
 * (which made the shared scenarios): hosts of 48 vCPU / 192 GiB / 2000 GB; flavors of 1/2/4/8 vCPU drawn 30/35/25/10 %,
 * 2 GiB RAM and 20 GB disk per vCPU; each instance on a random host with room, hosts preferred by a weight r² + 0.05
 * drawn once per host (so some are nearly empty, some well loaded); instance CPU % ~ Beta(2, 3), RAM use 30-90 % of
 * the flavor; host CPU % = 2 + Σ vCPUs × CPU % / host vCPUs, host RAM (KiB) = (Σ RAM use + 4096 MB) × 1024.
 * Names and uuids are fake_cluster's own (uuid5 of `node-<i>` / `instance-<j>`); the draws come from Steward's
 * seeded PRNG, not Python's, so a seed gives a cluster with the same shape, not the same placement.
 */
import { createHash } from 'node:crypto';
import { createRandom, type Random } from '../lib/rng.js';
import type { ScenarioDocument, ScenarioInstance, ScenarioNode } from './scenario-file.js';

/** (name, vCPUs, RAM MB, disk GB, weight), as fake_cluster.FLAVORS. */
const FLAVORS = [
  { name: 'm1.small', vcpus: 1, memoryMb: 2048, diskGb: 20, weight: 30 },
  { name: 'm1.medium', vcpus: 2, memoryMb: 4096, diskGb: 40, weight: 35 },
  { name: 'm1.large', vcpus: 4, memoryMb: 8192, diskGb: 80, weight: 25 },
  { name: 'm1.xlarge', vcpus: 8, memoryMb: 16384, diskGb: 160, weight: 10 },
] as const;

const HOST = { vcpus: 48, memoryMb: 196_608, diskGb: 2000 } as const;
/** Placement tries this many weighted picks before taking the first host with room, as fake_cluster does. */
const PLACEMENT_ATTEMPTS = 20;

export interface AllocationRatios {
  vcpu: number;
  memory: number;
  disk: number;
}

export interface GeneratorOptions {
  hosts: number;
  instances: number;
  seed?: number;
  /** Allocation ratios of every host (default 1.0 each; the shared overcommit variant is 4.0 / 1.5 / 1.0). */
  ratios?: AllocationRatios;
}

/** uuid.NAMESPACE_URL, the namespace fake_cluster.py derives its uuids in. */
const NAMESPACE_URL = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** RFC 4122 version-5 uuid (Python's uuid.uuid5). */
export function uuid5(name: string, namespace: Buffer = NAMESPACE_URL): string {
  const bytes = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Beta(2, 3): the 2nd smallest of 4 uniforms (an integer-parameter Beta is an order statistic). */
function beta23(rng: Random): number {
  const u = [rng.next(), rng.next(), rng.next(), rng.next()].sort((a, b) => a - b);
  return u[1] as number;
}

/** Index drawn with probability proportional to the weights whose running sums `cumulative` holds. */
function weightedIndex(rng: Random, cumulative: Float64Array): number {
  const target = rng.next() * (cumulative[cumulative.length - 1] as number);
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((cumulative[middle] as number) > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** A cluster of `hosts` hosts and `instances` instances; throws when they cannot all be placed. */
export function generateScenario(options: GeneratorOptions): ScenarioDocument {
  const seed = options.seed ?? 42;
  const ratios = options.ratios ?? { vcpu: 1, memory: 1, disk: 1 };
  const rng = createRandom(seed);
  const hostCount = options.hosts;
  const hostWeights = new Float64Array(hostCount);
  let running = 0;
  for (let h = 0; h < hostCount; h++) hostWeights[h] = running += rng.next() ** 2 + 0.05;
  const flavorWeights = new Float64Array(FLAVORS.length);
  running = 0;
  FLAVORS.forEach((flavor, index) => (flavorWeights[index] = running += flavor.weight));

  const usedVcpus = new Float64Array(hostCount);
  const usedMemoryMb = new Float64Array(hostCount);
  const usedDiskGb = new Float64Array(hostCount);
  const busyCores = new Float64Array(hostCount);
  const ramUsedMb = new Float64Array(hostCount);
  // The placement respects the physical size whatever the ratios, as fake_cluster's does.
  const fits = (h: number, flavor: (typeof FLAVORS)[number]): boolean =>
    (usedVcpus[h] as number) + flavor.vcpus <= HOST.vcpus &&
    (usedMemoryMb[h] as number) + flavor.memoryMb <= HOST.memoryMb &&
    (usedDiskGb[h] as number) + flavor.diskGb <= HOST.diskGb;

  const nodeUuids = Array.from({ length: hostCount }, (_, h) => uuid5(`node-${h}`));
  const projects = Array.from({ length: 8 }, (_, p) => uuid5(`project-${p}`));
  const hostInstances: string[][] = Array.from({ length: hostCount }, () => []);
  const instances: ScenarioInstance[] = [];
  for (let j = 0; j < options.instances; j++) {
    const flavor = FLAVORS[weightedIndex(rng, flavorWeights)] as (typeof FLAVORS)[number];
    let placed = -1;
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS && placed < 0; attempt++) {
      const h = weightedIndex(rng, hostWeights);
      if (fits(h, flavor)) placed = h;
    }
    for (let h = 0; h < hostCount && placed < 0; h++) if (fits(h, flavor)) placed = h;
    if (placed < 0)
      throw new RangeError(
        `${hostCount} hosts cannot hold ${options.instances} instances: full at instance ${j}`,
      );
    usedVcpus[placed] = (usedVcpus[placed] as number) + flavor.vcpus;
    usedMemoryMb[placed] = (usedMemoryMb[placed] as number) + flavor.memoryMb;
    usedDiskGb[placed] = (usedDiskGb[placed] as number) + flavor.diskGb;
    const cpuPct = round(Math.min(100, beta23(rng) * 100), 3);
    const ramMb = round(flavor.memoryMb * (0.3 + 0.6 * rng.next()), 1);
    busyCores[placed] = (busyCores[placed] as number) + (flavor.vcpus * cpuPct) / 100;
    ramUsedMb[placed] = (ramUsedMb[placed] as number) + ramMb;
    const uuid = uuid5(`instance-${j}`);
    hostInstances[placed]!.push(uuid);
    instances.push({
      uuid,
      name: `vm-${String(j).padStart(6, '0')}`,
      state: 'active',
      host: nodeUuids[placed] as string,
      vcpus: flavor.vcpus,
      memory: flavor.memoryMb,
      disk: flavor.diskGb,
      project_id: projects[j % projects.length] as string,
      locked: false,
      watcher_exclude: false,
      metadata: { flavor: flavor.name },
      metrics: {
        instance_cpu_usage: cpuPct,
        instance_ram_usage: ramMb,
        instance_ram_allocated: flavor.memoryMb,
        instance_root_disk_size: flavor.diskGb,
      },
    });
  }

  const nodes: ScenarioNode[] = nodeUuids.map((uuid, h) => ({
    uuid,
    hostname: `compute-${String(h).padStart(5, '0')}`,
    state: 'up',
    status: 'enabled',
    disabled_reason: null,
    vcpus: HOST.vcpus,
    vcpu_reserved: 0,
    vcpu_ratio: ratios.vcpu,
    memory: HOST.memoryMb,
    memory_mb_reserved: 0,
    memory_ratio: ratios.memory,
    disk: HOST.diskGb,
    disk_gb_reserved: 0,
    disk_ratio: ratios.disk,
    instances: (hostInstances[h] as string[]).sort(),
    metrics: {
      host_cpu_usage: round(Math.min(100, 2 + (100 * (busyCores[h] as number)) / HOST.vcpus), 3),
      host_ram_usage: round(((ramUsedMb[h] as number) + 4096) * 1024, 1),
    },
  }));
  return {
    seed,
    nodes,
    instances,
    units: {
      host_cpu_usage: '%',
      host_ram_usage: 'KiB',
      instance_cpu_usage: '%',
      instance_ram_usage: 'MB',
      instance_ram_allocated: 'MB',
      instance_root_disk_size: 'GB',
    },
  };
}
