import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StewardError } from '../errors.js';
import { buildFromConfig, type ClusterState, type SimInstance } from './cluster.js';
import { resolveSimulatorOptions } from './config.js';
import { hostCpu } from './load.js';
import { createMetricSource } from './metrics.js';
import {
  assignTraces,
  loadPlanetLabTraces,
  traceCpu,
  traceCpuIntegral,
  TRACE_SAMPLE_SECONDS,
  TRACE_SAMPLES_PER_DAY,
} from './planetlab.js';
import { query, type Value } from './promql/evaluator.js';

// Three VMs of CloudSim's 20110303 day, byte for byte (one name has a space); the CSV holds the same three rows.
const DIR = 'test/fixtures/planetlab/20110303';
const CSV = 'test/fixtures/planetlab/20110303.csv';
const NAMES = [
  '146-179_surfsnel_dsl_internl_net_colostate_557',
  'aladdin_planetlab_extranet_uni-passau_de_ rnp_dcc_ufjf',
  'plink_cs_uwaterloo_ca_uw_oneswarm',
];
const percents = (name: string): number[] =>
  readFileSync(join(DIR, name), 'utf8').trim().split('\n').map(Number);
// A midnight UTC: the traces' day starts there.
const MIDNIGHT = Date.UTC(2026, 0, 1) / 1000;
const DAY = TRACE_SAMPLE_SECONDS * TRACE_SAMPLES_PER_DAY;

const scratch = mkdtempSync(join(tmpdir(), 'steward-planetlab-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cluster(seed = 42, instances = 12): ClusterState {
  return buildFromConfig(
    { hosts: 3, instances, seed, loadPattern: 'planetlab', planetlab: { path: DIR } },
    '2026-01-01T00:00:00Z',
  );
}
const vector = (v: Value): { labels: Record<string, string>; value: number }[] =>
  v.type === 'vector' ? v.samples : [];

describe('PlanetLab traces', () => {
  it('reads a folder of per-VM files in byte order of their names, as fractions of the percentages', () => {
    const traces = loadPlanetLabTraces(DIR);
    expect(traces.names).toEqual(NAMES);
    NAMES.forEach((name, i) => {
      expect(Array.from(traces.samples.subarray(i * 288, (i + 1) * 288))).toEqual(
        percents(name).map((p) => p / 100),
      );
    });
  });

  it('reads the one-file CSV into the same traces as the folder', () => {
    const fromCsv = loadPlanetLabTraces(CSV);
    const fromDir = loadPlanetLabTraces(DIR);
    expect(fromCsv.names).toEqual(fromDir.names);
    expect(fromCsv.samples).toEqual(fromDir.samples);
    expect(fromCsv.cumulative).toEqual(fromDir.cumulative);
  });

  it('parses each source once per process', () => {
    expect(loadPlanetLabTraces(`./${DIR}`)).toBe(loadPlanetLabTraces(DIR));
  });

  it.each([0, 1, 143, 287])('integrates sample %i exactly over its 5-minute interval', (k) => {
    const traces = loadPlanetLabTraces(DIR);
    NAMES.forEach((name, index) => {
      const ref = { traces, index };
      const start = MIDNIGHT + k * TRACE_SAMPLE_SECONDS;
      const expected = (percents(name)[k] as number) / 100;
      expect(traceCpu(ref, start)).toBe(expected);
      expect(traceCpu(ref, start + TRACE_SAMPLE_SECONDS - 0.5)).toBe(expected);
      expect(
        (traceCpuIntegral(ref, start + TRACE_SAMPLE_SECONDS) - traceCpuIntegral(ref, start)) /
          TRACE_SAMPLE_SECONDS,
      ).toBeCloseTo(expected, 9);
    });
  });

  it('repeats the day: the same load a day later and a full day integrates to the sum of the samples', () => {
    const traces = loadPlanetLabTraces(DIR);
    const ref = { traces, index: 1 };
    const daySum = percents(NAMES[1] as string).reduce((a, b) => a + b, 0) / 100;
    for (const t of [MIDNIGHT + 10, MIDNIGHT + 40_000, MIDNIGHT + DAY - 1])
      expect(traceCpu(ref, t + DAY)).toBe(traceCpu(ref, t));
    expect(traceCpuIntegral(ref, MIDNIGHT + DAY + 1234) - traceCpuIntegral(ref, MIDNIGHT + 1234)).toBeCloseTo(
      daySum * TRACE_SAMPLE_SECONDS,
      6,
    );
  });

  it.each([
    ['a missing path', join(scratch, 'nowhere'), /does not exist/],
    ['an empty folder', join(scratch, 'empty'), /holds no traces/],
    ['a short trace', join(scratch, 'short'), /has 3 values; a day's trace has 288/],
    ['a value that is not a percentage', join(scratch, 'bad'), /not a percentage/],
  ])('rejects %s with a message that names it', (_what, path, message) => {
    mkdirSync(join(scratch, 'empty'), { recursive: true });
    mkdirSync(join(scratch, 'short'), { recursive: true });
    writeFileSync(join(scratch, 'short', 'vm'), '1\n2\n3\n');
    mkdirSync(join(scratch, 'bad'), { recursive: true });
    writeFileSync(join(scratch, 'bad', 'vm'), `${'5\n'.repeat(287)}abc\n`);
    expect(() => loadPlanetLabTraces(path)).toThrow(StewardError);
    expect(() => loadPlanetLabTraces(path)).toThrow(message);
  });
});

describe('trace assignment', () => {
  it('gives every trace once before any repeats', () => {
    const order = Array.from(assignTraces(10, 4, 42));
    expect(new Set(order.slice(0, 4)).size).toBe(4);
    expect(order.slice(4, 8)).toEqual(order.slice(0, 4));
  });

  it('gives the same instances the same traces for the same seed, and another assignment for another seed', () => {
    const traceOf = (s: ClusterState) => [...s.instances.values()].map((i) => [i.name, i.trace?.index]);
    expect(traceOf(cluster(42))).toEqual(traceOf(cluster(42)));
    expect(Array.from(assignTraces(1000, 1000, 1))).not.toEqual(Array.from(assignTraces(1000, 1000, 2)));
  });

  it('places instances as the diurnal pattern does for the same seed', () => {
    const diurnal = buildFromConfig({ hosts: 3, instances: 12, seed: 42 }, '2026-01-01T00:00:00Z');
    const hostOf = (s: ClusterState) => [...s.instances.values()].map((i) => [i.name, i.host, i.flavor.name]);
    expect(hostOf(cluster(42))).toEqual(hostOf(diurnal));
  });

  it('needs a trace path for the planetlab pattern', () => {
    expect(() => buildFromConfig({ hosts: 1, loadPattern: 'planetlab' }, '2026-01-01T00:00:00Z')).toThrow(
      /needs planetlab\.path/,
    );
  });
});

describe('metrics under PlanetLab load', () => {
  const state = cluster();
  const source = createMetricSource(state, 'fqdn');
  const active = [...state.instances.values()].filter(
    (i): i is SimInstance & { host: string } => i.host !== null && i.vmState === 'active',
  );
  const sample = (i: SimInstance, k: number): number =>
    (percents(NAMES[i.trace?.index ?? -1] as string)[k] as number) / 100;

  it.each([0, 100, 287])(
    'serves rate(...[5m]) over sample %i as that sample × vCPUs, for ceilometer and libvirt',
    (k) => {
      const end = MIDNIGHT + (k + 1) * TRACE_SAMPLE_SECONDS + 3 * DAY;
      const ceilometer = new Map(
        vector(query('rate(ceilometer_cpu[5m])', source, end)).map((s) => [s.labels.resource, s.value]),
      );
      const libvirt = new Map(
        vector(query('rate(libvirt_domain_info_cpu_time_seconds_total[5m])', source, end)).map((s) => [
          s.labels.uuid,
          s.value,
        ]),
      );
      expect(active.length).toBeGreaterThan(0);
      for (const i of active) {
        expect((ceilometer.get(i.id) as number) / 1e9).toBeCloseTo(sample(i, k) * i.flavor.vcpus, 6);
        expect(libvirt.get(i.id) as number).toBeCloseTo(sample(i, k) * i.flavor.vcpus, 6);
      }
    },
  );

  it('makes the host CPU counters follow the traces of the instances on it', () => {
    const k = 42;
    const end = MIDNIGHT + (k + 1) * TRACE_SAMPLE_SECONDS;
    const busy = new Map(
      vector(query('sum by (fqdn) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))', source, end)).map(
        (s) => [s.labels.fqdn, s.value],
      ),
    );
    for (const h of state.hosts) {
      const cores = active
        .filter((i) => i.host === h.hostname)
        .reduce((sum, i) => sum + i.flavor.vcpus * sample(i, k), 0);
      expect(busy.get(h.hostname) as number).toBeCloseTo(h.baseCpu * h.vcpus + cores, 4);
      expect(hostCpu(state, h, end - 1)).toBeCloseTo(h.baseCpu + cores / h.vcpus, 9);
    }
  });
});

describe('resolveSimulatorOptions', () => {
  it('takes --planetlab as the planetlab load pattern', () => {
    expect(resolveSimulatorOptions({ planetlab: DIR, hosts: 3 }).cluster).toMatchObject({
      hosts: 3,
      instances: 23,
      loadPattern: 'planetlab',
      planetlab: { path: DIR },
    });
  });

  it.each([
    [{ loadPattern: 'spiky' }, /unknown load pattern spiky/],
    [{ loadPattern: 'planetlab' }, /needs the traces/],
    [{ loadPattern: 'flat', planetlab: DIR }, /drop one of them/],
    [{ scenario: 'x.json', planetlab: DIR }, /not both/],
  ])('rejects %o', (options, message) => {
    expect(() => resolveSimulatorOptions(options)).toThrow(message);
  });
});
