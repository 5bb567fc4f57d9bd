import { describe, expect, it } from 'vitest';
import { flavor } from '../../test/helpers/cluster-model-builder.js';
import { findOversized, suggestFlavor, type InstanceUsage } from './oversize.js';

const FLAVORS = [
  flavor({ id: 'tiny', name: 'm1.tiny', vcpus: 1, memoryMb: 512, diskGb: 1 }),
  flavor({ id: 'small', name: 'm1.small', vcpus: 1, memoryMb: 2048, diskGb: 20 }),
  flavor({ id: 'medium', name: 'm1.medium', vcpus: 2, memoryMb: 4096, diskGb: 40 }),
  flavor({ id: 'large', name: 'm1.large', vcpus: 4, memoryMb: 8192, diskGb: 80 }),
  flavor({ id: 'large-small-disk', name: 'c1.large', vcpus: 4, memoryMb: 4096, diskGb: 20 }),
  flavor({ id: 'xlarge', name: 'm1.xlarge', vcpus: 8, memoryMb: 16384, diskGb: 160 }),
];
const byId = (id: string) => FLAVORS.find((candidate) => candidate.id === id)!;

const usage = (overrides: Partial<InstanceUsage>): InstanceUsage => ({
  uuid: 'u1',
  name: 'vm',
  flavor: byId('xlarge'),
  p95CpuPercent: 10,
  p95RamMib: 2000,
  coverage: 1,
  ...overrides,
});

describe('oversized instances', () => {
  it('suggests the smallest flavor holding the p95 with 20 % headroom, never a smaller disk', () => {
    // xlarge (8 vCPUs) at p95 10 % = 0.8 vCPU → 1 vCPU; 2000 MiB / 0.8 = 2500 MiB → 4096; disk stays ≥ 160 GB.
    // Only flavors with ≥ 160 GB disk qualify, and none but xlarge has one: no suggestion.
    expect(findOversized([usage({})], FLAVORS)).toEqual([]);
    const large = findOversized([usage({ flavor: byId('large') })], FLAVORS);
    // large: 4 vCPUs at 10 % → 1; 2500 MiB → ≥ 2500; disk ≥ 80: only large itself → none. Same-size disk rule.
    expect(large).toEqual([]);
    const medium = findOversized(
      [usage({ flavor: byId('medium'), p95CpuPercent: 20, p95RamMib: 1000 })],
      [...FLAVORS, flavor({ id: 'small40', name: 'm1.small-40', vcpus: 1, memoryMb: 2048, diskGb: 40 })],
    );
    expect(medium).toHaveLength(1);
    expect(medium[0]!.suggested.name).toBe('m1.small-40');
    expect(medium[0]!.needed).toEqual({ vcpus: 1, memoryMb: 1250, diskGb: 40 });
    expect(medium[0]!.underused).toEqual(['cpu', 'ram']);
  });

  it('flags one dimension far under the flavor even when the other is well used', () => {
    const rows = findOversized(
      [usage({ flavor: byId('large'), p95CpuPercent: 70, p95RamMib: 1500 })],
      [...FLAVORS, flavor({ id: 'c4', name: 'c1.4x2', vcpus: 4, memoryMb: 2048, diskGb: 80 })],
    );
    expect(rows.map((row) => [row.suggested.name, row.underused])).toEqual([['c1.4x2', ['ram']]]);
  });

  it('leaves alone instances near their flavor, without data, or with data on under half the range', () => {
    const flavors = [...FLAVORS, flavor({ id: 's80', name: 's80', vcpus: 1, memoryMb: 1024, diskGb: 80 })];
    expect(
      findOversized(
        [
          usage({ uuid: 'busy', flavor: byId('large'), p95CpuPercent: 75, p95RamMib: 7000 }),
          usage({ uuid: 'nodata', flavor: byId('large'), p95CpuPercent: null, p95RamMib: null, coverage: 0 }),
          usage({ uuid: 'new', flavor: byId('large'), p95CpuPercent: 1, p95RamMib: 100, coverage: 0.3 }),
          usage({ uuid: 'idle', flavor: byId('large'), p95CpuPercent: 1, p95RamMib: 100, coverage: 0.9 }),
        ],
        flavors,
      ).map((row) => row.uuid),
    ).toEqual(['idle']);
  });

  it('never suggests a flavor bigger in any dimension, nor the current one', () => {
    const current = byId('large-small-disk');
    // m1.tiny has a 1 GB disk: a resize cannot shrink the 20 GB root disk.
    expect(suggestFlavor(current, { vcpus: 1, memoryMb: 100, diskGb: 20 }, FLAVORS)?.name).toBe('m1.small');
    expect(suggestFlavor(current, { vcpus: 4, memoryMb: 4096, diskGb: 20 }, FLAVORS)).toBeUndefined();
  });

  it('lists the biggest saving first', () => {
    const flavors = [
      ...FLAVORS,
      flavor({ id: 'x1', name: 'x1', vcpus: 1, memoryMb: 1024, diskGb: 160 }),
      flavor({ id: 'l1', name: 'l1', vcpus: 1, memoryMb: 1024, diskGb: 80 }),
    ];
    const rows = findOversized(
      [
        usage({ uuid: 'large', flavor: byId('large'), p95CpuPercent: 5, p95RamMib: 500 }),
        usage({ uuid: 'xlarge', flavor: byId('xlarge'), p95CpuPercent: 5, p95RamMib: 500 }),
      ],
      flavors,
    );
    expect(rows.map((row) => [row.uuid, row.suggested.name])).toEqual([
      ['xlarge', 'x1'],
      ['large', 'l1'],
    ]);
  });
});
