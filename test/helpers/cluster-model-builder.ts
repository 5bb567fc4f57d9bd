/**
 * Cluster models as data for unit tests: `clusterModel().host('h1', { availabilityZone: 'az1' }).instance('i1', 'h1')
 * .aggregate(1, 'gpu', ['h1']).build()`. Defaults are small and round so a test states only what it is about.
 */
import { ClusterModel } from '../../src/model/cluster-model.js';
import type { ComputeNode, Flavor, HostAggregate, Instance } from '../../src/model/elements.js';

export const BUILT_AT = new Date('2026-01-01T00:00:00Z');

/** The `n`-th uuid of a test: a well-formed uuid whose last digits are `n`, so an assertion can name it. */
export const uuidOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export function computeNode(hostname: string, overrides: Partial<ComputeNode> = {}): ComputeNode {
  return {
    uuid: `node-${hostname}`,
    hostname,
    state: 'up',
    status: 'enabled',
    disabledReason: null,
    vcpus: 32,
    vcpuReserved: 0,
    vcpuRatio: 1,
    memoryMb: 65536,
    memoryMbReserved: 0,
    memoryRatio: 1,
    diskGb: 1000,
    diskGbReserved: 0,
    diskRatio: 1,
    availabilityZone: 'nova',
    aggregates: [],
    traits: [],
    inMaintenance: false,
    powerState: 'on',
    updatedAt: BUILT_AT,
    ...overrides,
  };
}

export function flavor(overrides: Partial<Flavor> = {}): Flavor {
  return { id: 'small', name: 'small', vcpus: 2, memoryMb: 4096, diskGb: 20, extraSpecs: {}, ...overrides };
}

export function instance(uuid: string, hostname: string | null, overrides: Partial<Instance> = {}): Instance {
  const shape = overrides.flavor ?? flavor();
  return {
    uuid,
    name: `vm-${uuid.slice(0, 8)}`,
    state: 'active',
    taskState: null,
    hostname,
    projectId: 'project-a',
    flavor: shape,
    vcpus: shape.vcpus,
    memoryMb: shape.memoryMb,
    diskGb: shape.diskGb,
    locked: false,
    metadata: {},
    pinnedAvailabilityZone: null,
    schedulerHints: {},
    imageProperties: {},
    serverGroup: null,
    updatedAt: BUILT_AT,
    ...overrides,
  };
}

export class ClusterModelBuilder {
  readonly #nodes: ComputeNode[] = [];
  readonly #instances: Instance[] = [];
  readonly #aggregates: HostAggregate[] = [];

  host(hostname: string, overrides: Partial<ComputeNode> = {}): this {
    this.#nodes.push(computeNode(hostname, overrides));
    return this;
  }

  instance(uuid: string, hostname: string | null, overrides: Partial<Instance> = {}): this {
    this.#instances.push(instance(uuid, hostname, overrides));
    return this;
  }

  /** Also records the membership on the hosts already added (ids and, when the aggregate has one, the zone). */
  aggregate(id: number, name: string, hosts: string[], overrides: Partial<HostAggregate> = {}): this {
    const aggregate: HostAggregate = { id, name, availabilityZone: null, hosts, metadata: {}, ...overrides };
    this.#aggregates.push(aggregate);
    for (const node of this.#nodes) {
      if (!hosts.includes(node.hostname)) continue;
      node.aggregates.push(id);
      if (aggregate.availabilityZone !== null) node.availabilityZone = aggregate.availabilityZone;
    }
    return this;
  }

  build(): ClusterModel {
    const model = new ClusterModel();
    for (const node of this.#nodes) model.upsertNode(structuredClone(node));
    for (const element of this.#instances) model.upsertInstance(structuredClone(element));
    for (const aggregate of this.#aggregates) model.upsertAggregate(structuredClone(aggregate));
    return model;
  }
}

export const clusterModel = (): ClusterModelBuilder => new ClusterModelBuilder();

/** A plain, comparable picture of a model (for deep-equal before/after checks). */
export function snapshotOf(model: ClusterModel): {
  nodes: ComputeNode[];
  instances: Instance[];
  aggregates: HostAggregate[];
} {
  const byKey =
    <T>(key: (item: T) => string | number) =>
    (a: T, b: T) =>
      String(key(a)).localeCompare(String(key(b)));
  return {
    nodes: [...model.nodes()].map((node) => structuredClone(node)).sort(byKey((node) => node.hostname)),
    instances: [...model.instances()]
      .map((element) => structuredClone(element))
      .sort(byKey((element) => element.uuid)),
    aggregates: [...model.aggregates()]
      .map((aggregate) => structuredClone(aggregate))
      .sort(byKey((aggregate) => aggregate.id)),
  };
}
