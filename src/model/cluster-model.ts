/**
 * The compute part of the cluster data model: hosts and the instances placed on them. Strategies get a
 * private clone (`clone()`), so their what-if moves never leak into the shared model.
 */
import type { ComputeNode, HostAggregate, Instance } from './elements.js';

export interface HostUsage {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

export class ClusterModel {
  readonly #nodes = new Map<string, ComputeNode>();
  readonly #instances = new Map<string, Instance>();
  readonly #instancesByHost = new Map<string, Set<string>>();
  readonly #aggregates = new Map<number, HostAggregate>();

  get nodeCount(): number {
    return this.#nodes.size;
  }

  get instanceCount(): number {
    return this.#instances.size;
  }

  nodes(): IterableIterator<ComputeNode> {
    return this.#nodes.values();
  }

  instances(): IterableIterator<Instance> {
    return this.#instances.values();
  }

  getNode(hostname: string): ComputeNode | undefined {
    return this.#nodes.get(hostname);
  }

  getNodeByUuid(uuid: string): ComputeNode | undefined {
    for (const node of this.#nodes.values()) if (node.uuid === uuid) return node;
    return undefined;
  }

  aggregates(): IterableIterator<HostAggregate> {
    return this.#aggregates.values();
  }

  getAggregate(id: number): HostAggregate | undefined {
    return this.#aggregates.get(id);
  }

  /** Also by name: Watcher's scope accepts `{id}` or `{name}`. */
  findAggregate(idOrName: number | string): HostAggregate | undefined {
    if (typeof idOrName === 'number') return this.#aggregates.get(idOrName);
    for (const aggregate of this.#aggregates.values())
      if (aggregate.name === idOrName || String(aggregate.id) === idOrName) return aggregate;
    return undefined;
  }

  upsertAggregate(aggregate: HostAggregate): void {
    this.#aggregates.set(aggregate.id, aggregate);
  }

  removeAggregate(id: number): void {
    this.#aggregates.delete(id);
  }

  getInstance(uuid: string): Instance | undefined {
    return this.#instances.get(uuid);
  }

  upsertNode(node: ComputeNode): void {
    this.#nodes.set(node.hostname, node);
    if (!this.#instancesByHost.has(node.hostname)) this.#instancesByHost.set(node.hostname, new Set());
  }

  removeNode(hostname: string): void {
    this.#nodes.delete(hostname);
    for (const uuid of this.#instancesByHost.get(hostname) ?? []) {
      const instance = this.#instances.get(uuid);
      if (instance) instance.hostname = null;
    }
    this.#instancesByHost.delete(hostname);
  }

  upsertInstance(instance: Instance): void {
    const previous = this.#instances.get(instance.uuid);
    if (previous?.hostname != null) this.#instancesByHost.get(previous.hostname)?.delete(instance.uuid);
    this.#instances.set(instance.uuid, instance);
    if (instance.hostname != null) this.#hostSet(instance.hostname).add(instance.uuid);
  }

  removeInstance(uuid: string): void {
    const previous = this.#instances.get(uuid);
    if (!previous) return;
    if (previous.hostname != null) this.#instancesByHost.get(previous.hostname)?.delete(uuid);
    this.#instances.delete(uuid);
  }

  /** Moves an instance to another host (a migration applied to the model). */
  moveInstance(uuid: string, toHostname: string): void {
    const instance = this.#instances.get(uuid);
    if (!instance) throw new RangeError(`instance ${uuid} is not in the model`);
    this.upsertInstance({ ...instance, hostname: toHostname });
  }

  instancesOn(hostname: string): Instance[] {
    const uuids = this.#instancesByHost.get(hostname);
    if (!uuids) return [];
    const result: Instance[] = [];
    for (const uuid of uuids) {
      const instance = this.#instances.get(uuid);
      if (instance) result.push(instance);
    }
    return result;
  }

  /** Resources allocated on a host: the sum of its instances' flavors (what Placement counts). */
  usage(hostname: string): HostUsage {
    const usage: HostUsage = { vcpus: 0, memoryMb: 0, diskGb: 0 };
    for (const instance of this.instancesOn(hostname)) {
      usage.vcpus += instance.vcpus;
      usage.memoryMb += instance.memoryMb;
      usage.diskGb += instance.diskGb;
    }
    return usage;
  }

  /** Capacity Nova would allow: (total - reserved) x allocation ratio. */
  capacity(node: ComputeNode): HostUsage {
    return {
      vcpus: (node.vcpus - node.vcpuReserved) * node.vcpuRatio,
      memoryMb: (node.memoryMb - node.memoryMbReserved) * node.memoryRatio,
      diskGb: (node.diskGb - node.diskGbReserved) * node.diskRatio,
    };
  }

  clone(): ClusterModel {
    const copy = new ClusterModel();
    for (const node of this.#nodes.values()) copy.upsertNode(structuredClone(node));
    for (const instance of this.#instances.values()) copy.upsertInstance(structuredClone(instance));
    for (const aggregate of this.#aggregates.values()) copy.upsertAggregate(structuredClone(aggregate));
    return copy;
  }

  #hostSet(hostname: string): Set<string> {
    let set = this.#instancesByHost.get(hostname);
    if (!set) {
      set = new Set();
      this.#instancesByHost.set(hostname, set);
    }
    return set;
  }
}
