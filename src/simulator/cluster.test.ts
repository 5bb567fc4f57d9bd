import { describe, expect, it } from 'vitest';
import { bootLoad, buildFromConfig, buildFromScenario, type ClusterConfig } from './cluster.js';
import { assignTraces } from './planetlab.js';
import { hostCpu, hostRamUsedMb } from './load.js';
import { readScenario } from '../scenarios/scenario-file.js';

const NOW = '2026-01-01T00:00:00Z';
const PLANETLAB = 'test/fixtures/planetlab/20110303'; // three traces

describe('bootLoad (instances booted over POST /servers)', () => {
  it('gives booted instances the next traces of the seeded PlanetLab assignment, after the built ones', () => {
    const state = buildFromConfig(
      { hosts: 2, instances: 4, seed: 9, loadPattern: 'planetlab', planetlab: { path: PLANETLAB } },
      NOW,
    );
    const expected = assignTraces(7, 3, 9);
    expect([...state.instances.values()].map((i) => i.trace?.index)).toEqual(
      Array.from(expected.subarray(0, 4)),
    );
    const booted = [bootLoad(state), bootLoad(state), bootLoad(state)];
    expect(booted.map((l) => l.trace?.index)).toEqual(Array.from(expected.subarray(4, 7)));
    for (const l of booted) expect(l).toMatchObject({ cpuAmp: 0, noise: [0, 0] });
  });

  it('keeps the assignment a function of the seed: two builds boot the same traces and loads', () => {
    const config: ClusterConfig = {
      hosts: 2,
      instances: 5,
      seed: 11,
      loadPattern: 'planetlab',
      planetlab: { path: PLANETLAB },
    };
    const a = buildFromConfig(config, NOW);
    const b = buildFromConfig(config, NOW);
    expect([bootLoad(a), bootLoad(a)]).toEqual([bootLoad(b), bootLoad(b)]);
  });

  it.each<[ClusterConfig['loadPattern'], (l: ReturnType<typeof bootLoad>) => void]>([
    [
      'diurnal',
      (l) => {
        expect(l.cpuAmp).toBeGreaterThan(0);
        expect(l.noise).toEqual([0, 0]);
      },
    ],
    [
      'flat',
      (l) => {
        expect(l.cpuAmp).toBe(0);
        expect(l.noise).toEqual([0, 0]);
      },
    ],
    [
      'noisy',
      (l) => {
        expect(l.cpuAmp).toBeGreaterThan(0);
        expect(l.noise.some((x) => x > 0)).toBe(true);
      },
    ],
  ])('gives a booted instance the %s pattern of the cluster, without a trace', (loadPattern, check) => {
    const load = bootLoad(
      buildFromConfig({ hosts: 2, instances: 3, seed: 5, ...(loadPattern && { loadPattern }) }, NOW),
    );
    expect(load.trace).toBeUndefined();
    expect(load.cpuMean).toBeGreaterThan(0);
    check(load);
  });

  it('gives an instance booted into a scenario a flat load, as the scenario has', () => {
    const load = bootLoad(buildFromScenario('test/fixtures/scenarios/scenario-10x50-seed42.json', NOW));
    expect(load).toMatchObject({ cpuAmp: 0, noise: [0, 0] });
    expect(load.trace).toBeUndefined();
  });
});

describe('buildFromScenario', () => {
  it('reproduces each host’s CPU and RAM use with a stopped instance on it, whose metrics are its load once started', () => {
    // compute-00000 holds two running instances and a stopped m1.xlarge whose metrics say 75 % CPU.
    const path = 'test/fixtures/simulator/noisy-neighbour.json';
    const state = buildFromScenario(path, NOW);
    const doc = readScenario(path);
    const t = Date.parse('2026-03-01T12:00:00Z') / 1000;
    for (const node of doc.nodes) {
      const host = state.hostsByName.get(node.hostname)!;
      expect(hostCpu(state, host, t)).toBeCloseTo(node.metrics.host_cpu_usage! / 100, 9);
      expect(hostRamUsedMb(state, host, t)).toBeCloseTo(node.metrics.host_ram_usage! / 1024, 6);
    }
    const noisy = [...state.instances.values()].find((i) => i.name === 'vm-noisy')!;
    expect(noisy.vmState).toBe('stopped');
    expect(noisy.cpuMean).toBe(0.75);
  });
});
