import type { ClusterModel } from '../model/cluster-model.js';
import { isSchedulable } from './solution-builder.js';

/**
 * Destinations for instances whose move names none (zone_migration, host_maintenance): the schedulable hosts outside
 * the sources, the one with the
 * most free memory first (Nova's default RAM weigher spreads the same way).
 */
export class SpreadingDestinations {
  readonly #hosts: { hostname: string; freeMb: number }[];

  constructor(
    readonly model: ClusterModel,
    sources: ReadonlySet<string>,
  ) {
    this.#hosts = [...model.nodes()]
      .filter((node) => !sources.has(node.hostname) && isSchedulable(node))
      .map((node) => ({ hostname: node.hostname, freeMb: this.#freeMb(node.hostname) }))
      .sort((a, b) => b.freeMb - a.freeMb || (a.hostname < b.hostname ? -1 : 1));
  }

  /** The first host, most free memory first, that `accepts`. */
  choose(accepts: (hostname: string) => boolean): string | undefined {
    const at = this.#hosts.findIndex((host) => accepts(host.hostname));
    return at === -1 ? undefined : this.#hosts[at]!.hostname;
  }

  /** After a move into `hostname`, keeps the list in order. */
  update(hostname: string): void {
    const at = this.#hosts.findIndex((host) => host.hostname === hostname);
    if (at === -1) return;
    const [host] = this.#hosts.splice(at, 1);
    host!.freeMb = this.#freeMb(hostname);
    let to = at;
    while (to < this.#hosts.length && this.#hosts[to]!.freeMb > host!.freeMb) to++;
    this.#hosts.splice(to, 0, host!);
  }

  #freeMb(hostname: string): number {
    const node = this.model.getNode(hostname)!;
    return this.model.capacity(node).memoryMb - this.model.usage(hostname).memoryMb;
  }
}
