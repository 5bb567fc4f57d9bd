import { describe, expect, it } from 'vitest';
import { clusterModel, uuidOf } from '../../test/helpers/cluster-model-builder.js';
import { executeStrategy, metricsSource } from '../../test/helpers/strategy-run.js';
import type { MetricName, MetricsSource } from '../datasources/metrics-source.js';
import type { ClusterModel } from '../model/cluster-model.js';
import { hostPressure, type HostPressureParameters } from './host-pressure.js';

type Readings = Record<string, Partial<Record<'cpu' | 'memory' | 'io', number>>>;

/** A datasource serving the given mean pressures per host: a host left out has no reading, a resource left out 0. */
function pressures(readings: Readings): MetricsSource {
  const value = (hostname: string, metric: MetricName) => {
    const host = readings[hostname];
    return host && (host[metric.replace('host_pressure_', '') as 'cpu' | 'memory' | 'io'] ?? 0);
  };
  return metricsSource('fixed', (resource, metric) =>
    resource.kind === 'host' ? value(resource.hostname, metric) : undefined,
  );
}

function cluster(traits: Record<string, string[]> = {}): ClusterModel {
  const builder = clusterModel();
  ['h1', 'h2', 'h3'].forEach((hostname, at) =>
    builder.host(hostname, { uuid: uuidOf(at + 1), traits: traits[hostname] ?? [] }),
  );
  return builder.build();
}

/** Runs one audit on `model` (the plan's effects stay in it, as the next sync would show them); one line per action. */
async function audit(
  model: ClusterModel,
  readings: Readings,
  parameters: HostPressureParameters = {},
): Promise<string[]> {
  const solution = await executeStrategy(hostPressure, model, pressures(readings), parameters);
  return solution.actions.map(
    ({ actionType, inputParameters: p }) =>
      `${actionType} ${String(p.trait)} ${String(p.resource_name)} ${String(p.resource_id)}`,
  );
}

describe('host_pressure', () => {
  it('sets each pressure trait on exactly the hosts at or above its threshold', async () => {
    const model = cluster();
    const actions = await audit(model, {
      h1: { cpu: 0.1, memory: 0.02, io: 0 },
      h2: { cpu: 0.3, memory: 0.5, io: 0.2 },
      h3: { cpu: 0.0999, memory: 0, io: 0.01 },
    });
    expect(actions).toEqual([
      `add_trait PRESSURE_CPU h1 ${uuidOf(1)}`,
      `add_trait PRESSURE_CPU h2 ${uuidOf(2)}`,
      `add_trait PRESSURE_MEMORY h2 ${uuidOf(2)}`,
      `add_trait PRESSURE_DISK h2 ${uuidOf(2)}`,
    ]);
    expect(model.getNode('h2')!.traits).toEqual(['PRESSURE_CPU', 'PRESSURE_DISK', 'PRESSURE_MEMORY']);
  });

  it('clears a trait only below threshold × (1 − hysteresis), and leaves hosts between the two as they are', async () => {
    const model = cluster({ h1: ['PRESSURE_CPU'], h2: ['PRESSURE_CPU', 'CUSTOM_GPU'] });
    const actions = await audit(
      model,
      { h1: { cpu: 0.05 }, h2: { cpu: 0.0499 }, h3: { cpu: 0.07 } },
      { thresholds: { cpu: 0.1 }, hysteresis: 0.5 },
    );
    expect(actions).toEqual([`remove_trait PRESSURE_CPU h2 ${uuidOf(2)}`]);
    expect(model.getNode('h1')!.traits).toEqual(['PRESSURE_CPU']);
    expect(model.getNode('h2')!.traits).toEqual(['CUSTOM_GPU']);
    expect(model.getNode('h3')!.traits).toEqual([]);
  });

  it('does not flap when the pressure hovers around its threshold, audit after audit', async () => {
    const model = cluster();
    const series = [0.09, 0.11, 0.09, 0.12, 0.08, 0.11, 0.06, 0.04, 0.09, 0.1];
    const plans: string[][] = [];
    for (const cpu of series) plans.push(await audit(model, { h1: { cpu } }));
    const changes = plans.map((plan) => plan.map((line) => line.split(' ')[0]).join());
    // Set once the threshold is met, kept until the pressure falls under 0.05, set again at 0.1.
    expect(changes).toEqual(['', 'add_trait', '', '', '', '', '', 'remove_trait', '', 'add_trait']);
    // With no hysteresis the same series flips the trait at every crossing.
    const eager = cluster();
    let flips = 0;
    for (const cpu of series) flips += (await audit(eager, { h1: { cpu } }, { hysteresis: 0 })).length;
    expect(flips).toBe(7);
  });

  it('leaves a host without a reading as it is, and fails the audit when no host has one', async () => {
    const model = cluster({ h3: ['PRESSURE_CPU'] });
    expect(
      await audit(model, { h1: { cpu: 0.5, memory: 0, io: 0 }, h2: { cpu: 0, memory: 0, io: 0 } }),
    ).toEqual([`add_trait PRESSURE_CPU h1 ${uuidOf(1)}`]);
    expect(model.getNode('h3')!.traits).toEqual(['PRESSURE_CPU']);
    await expect(audit(cluster(), {})).rejects.toMatchObject({ code: 'METRIC_UNAVAILABLE' });
  });

  it('reads no host that is down or powered off', async () => {
    const model = clusterModel()
      .host('up', { uuid: uuidOf(1) })
      .host('down', { uuid: uuidOf(2), state: 'down' })
      .host('off', { uuid: uuidOf(3), powerState: 'off' })
      .build();
    const all = { cpu: 0.9, memory: 0.9, io: 0.9 };
    const actions = await audit(model, { up: all, down: all, off: all });
    expect(actions.every((line) => line.includes(' up '))).toBe(true);
    expect(actions).toHaveLength(3);
  });
});
