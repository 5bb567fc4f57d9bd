import { describe, expect, it } from 'vitest';
import { buildFromConfig, invalidatePlacement, type SimFlavor } from './cluster.js';
import { rejectReason, schedule } from './scheduler.js';

const flavor = (extraSpecs: Record<string, string> = {}, vcpus = 2): SimFlavor => ({
  id: 'f',
  name: 'f',
  vcpus,
  ramMb: 4096,
  diskGb: 10,
  extraSpecs,
});

function cluster() {
  const state = buildFromConfig(
    {
      hosts: 4,
      instances: 0,
      seed: 7,
      azs: ['az1', 'az2'],
      host: { vcpus: 8, memoryMb: 16384, diskGb: 100, vcpuRatio: 1 },
    },
    '2026-01-01T00:00:00Z',
  );
  return state;
}

describe('simulator scheduler', () => {
  it.each([
    [
      'a disabled service',
      (s: ReturnType<typeof cluster>) => {
        s.hosts[0]!.status = 'disabled';
      },
      flavor(),
      /disabled/,
    ],
    [
      'a forced-down service',
      (s: ReturnType<typeof cluster>) => {
        s.hosts[0]!.forcedDown = true;
      },
      flavor(),
      /down/,
    ],
    [
      'a host in maintenance',
      (s: ReturnType<typeof cluster>) => {
        s.hosts[0]!.inMaintenance = true;
      },
      flavor(),
      /maintenance/,
    ],
    ['too many vcpus', () => undefined, flavor({}, 9), /VCPU/],
    [
      'a missing required trait',
      () => undefined,
      flavor({ 'trait:CUSTOM_GPU': 'required' }),
      /required trait/,
    ],
    [
      'a forbidden trait present',
      () => undefined,
      flavor({ 'trait:HW_CPU_X86_AVX2': 'forbidden' }),
      /forbidden trait/,
    ],
  ])('rejects %s', (_name, mutate, f, reason) => {
    const s = cluster();
    mutate(s);
    expect(rejectReason(s, s.hosts[0]!, { flavor: f })).toMatch(reason);
  });

  it('keeps instances of an availability zone inside it', () => {
    const s = cluster();
    expect(schedule(s, { flavor: flavor(), az: 'az2' })?.az).toBe('az2');
  });

  it('spreads onto the emptiest host by RAM and CPU', () => {
    const s = cluster();
    s.hosts.forEach((h, i) => {
      h.traits = [];
      if (i !== 2) h.vcpus = 4;
    });
    expect(schedule(s, { flavor: flavor() })?.hostname).toBe(s.hosts[2]!.hostname);
  });

  it('prefers a host with a preferred trait and avoids pressure traits', () => {
    const s = cluster();
    s.hosts[1]!.traits.push('CUSTOM_FAST');
    s.hosts[3]!.traits.push('CUSTOM_FAST', 'PRESSURE_CPU');
    expect(schedule(s, { flavor: flavor({ 'trait:CUSTOM_FAST': 'preferred' }) })?.hostname).toBe(
      s.hosts[1]!.hostname,
    );
  });

  it('never puts two members of an anti-affinity group on one host', () => {
    const s = cluster();
    s.serverGroups.push({ id: 'g', name: 'g', policy: 'anti-affinity', members: [], projectId: 'p' });
    const used = new Set<string>();
    for (let n = 0; n < 4; n++) {
      const host = schedule(s, { flavor: flavor(), serverGroup: 'g' });
      expect(host).not.toBeNull();
      expect(used.has(host!.hostname)).toBe(false);
      used.add(host!.hostname);
      const id = `i${n}`;
      s.instances.set(id, {
        id,
        name: id,
        projectId: 'p',
        userId: 'u',
        host: host!.hostname,
        flavor: flavor(),
        imageId: 'img',
        vmState: 'active',
        taskState: null,
        powerState: 1,
        locked: false,
        metadata: {},
        metadataRoles: {},
        pinnedAz: null,
        serverGroup: 'g',
        created: '',
        updated: '',
        cpuMean: 0.1,
        cpuAmp: 0,
        phase: 0,
        noise: [0, 0],
        ramFraction: 0.5,
      });
      s.serverGroups[0]!.members.push(id);
      invalidatePlacement();
    }
    expect(schedule(s, { flavor: flavor(), serverGroup: 'g' })).toBeNull();
  });
});
