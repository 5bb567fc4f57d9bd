/**
 * "Could this run with half the resources?": an instance is oversized when its 95th-percentile CPU or RAM over the
 * range is under half of what its flavor gives, and a smaller flavor of the cloud would still hold that p95 with
 * headroom. The suggestion never shrinks the root disk: Nova refuses a resize to a smaller disk.
 */
import type { Flavor } from '../model/elements.js';

/** p95 usage under this share of the flavor is "far under" it. */
export const OVERSIZED_BELOW = 0.5;
/** A suggested flavor keeps the p95 at or under this share of it (20 % headroom for peaks above the p95). */
export const TARGET_UTILISATION = 0.8;
/** Data on less than this share of the range gives no verdict (a new instance, a gap in scraping). */
export const MIN_COVERAGE = 0.5;

export interface InstanceUsage {
  uuid: string;
  name: string;
  flavor: Flavor;
  /** p95 CPU over the range, percent of the flavor's vCPUs; null without data. */
  p95CpuPercent: number | null;
  /** p95 resident memory, MiB; null without data. */
  p95RamMib: number | null;
  /** Share of the range with data, 0..1 (the lower of CPU and RAM). */
  coverage: number;
}

export interface OversizedInstance {
  uuid: string;
  name: string;
  flavor: Flavor;
  p95CpuPercent: number;
  p95RamMib: number;
  /** What the instance needs at the target utilisation. */
  needed: { vcpus: number; memoryMb: number; diskGb: number };
  suggested: Flavor;
  /** Which dimensions are far under the flavor. */
  underused: ('cpu' | 'ram')[];
}

export function needs(usage: InstanceUsage & { p95CpuPercent: number; p95RamMib: number }) {
  return {
    vcpus: Math.max(1, Math.ceil(((usage.p95CpuPercent / 100) * usage.flavor.vcpus) / TARGET_UTILISATION)),
    memoryMb: Math.ceil(usage.p95RamMib / TARGET_UTILISATION),
    diskGb: usage.flavor.diskGb,
  };
}

/** The smallest flavor (memory first, then vCPUs) that holds `needed` and is no bigger than `current` anywhere. */
export function suggestFlavor(
  current: Flavor,
  needed: { vcpus: number; memoryMb: number; diskGb: number },
  flavors: readonly Flavor[],
): Flavor | undefined {
  return flavors
    .filter(
      (flavor) =>
        flavor.id !== current.id &&
        flavor.vcpus >= needed.vcpus &&
        flavor.memoryMb >= needed.memoryMb &&
        flavor.diskGb >= needed.diskGb &&
        flavor.vcpus <= current.vcpus &&
        flavor.memoryMb <= current.memoryMb &&
        (flavor.vcpus < current.vcpus || flavor.memoryMb < current.memoryMb),
    )
    .sort((a, b) => a.memoryMb - b.memoryMb || a.vcpus - b.vcpus || a.diskGb - b.diskGb)[0];
}

export function findOversized(
  usages: readonly InstanceUsage[],
  flavors: readonly Flavor[],
): OversizedInstance[] {
  const out: OversizedInstance[] = [];
  for (const usage of usages) {
    const { p95CpuPercent, p95RamMib } = usage;
    if (p95CpuPercent === null || p95RamMib === null || usage.coverage < MIN_COVERAGE) continue;
    const underused: ('cpu' | 'ram')[] = [];
    if (p95CpuPercent < OVERSIZED_BELOW * 100) underused.push('cpu');
    if (p95RamMib < OVERSIZED_BELOW * usage.flavor.memoryMb) underused.push('ram');
    if (underused.length === 0) continue;
    const needed = needs({ ...usage, p95CpuPercent, p95RamMib });
    const suggested = suggestFlavor(usage.flavor, needed, flavors);
    if (!suggested) continue;
    out.push({
      uuid: usage.uuid,
      name: usage.name,
      flavor: usage.flavor,
      p95CpuPercent,
      p95RamMib,
      needed,
      suggested,
      underused,
    });
  }
  // The biggest saving first: the memory given back, then the vCPUs.
  return out.sort(
    (a, b) =>
      b.flavor.memoryMb - b.suggested.memoryMb - (a.flavor.memoryMb - a.suggested.memoryMb) ||
      b.flavor.vcpus - b.suggested.vcpus - (a.flavor.vcpus - a.suggested.vcpus),
  );
}
