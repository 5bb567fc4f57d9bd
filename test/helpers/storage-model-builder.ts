/**
 * Storage models as data for unit tests: `storageModel().backend('c0@lvm', { zone: 'az1' }).pool('c0@lvm#a')
 * .volume('v1', 'c0@lvm#a').build()`. Defaults are small and round so a test states only what it is about.
 */
import type { StorageNode, StoragePool, Volume } from '../../src/model/elements.js';
import { StorageModel } from '../../src/model/storage-model.js';

export const STORAGE_BUILT_AT = new Date('2026-01-01T00:00:00Z');

export function storageNode(host: string, overrides: Partial<StorageNode> = {}): StorageNode {
  return {
    host,
    zone: 'nova',
    status: 'enabled',
    state: 'up',
    disabledReason: null,
    volumeType: [],
    updatedAt: STORAGE_BUILT_AT,
    ...overrides,
  };
}

export function storagePool(name: string, overrides: Partial<StoragePool> = {}): StoragePool {
  return {
    name,
    totalCapacityGb: 1000,
    freeCapacityGb: 1000,
    allocatedCapacityGb: 0,
    provisionedCapacityGb: 0,
    virtualFreeGb: 1000,
    maxOverSubscriptionRatio: 1,
    totalVolumes: 0,
    volumeTypes: [],
    updatedAt: STORAGE_BUILT_AT,
    ...overrides,
  };
}

export function volume(uuid: string, pool: string | null, overrides: Partial<Volume> = {}): Volume {
  return {
    uuid,
    name: `vol-${uuid}`,
    sizeGb: 10,
    status: 'available',
    volumeType: null,
    pool,
    attachments: [],
    projectId: 'project-a',
    bootable: false,
    migrationStatus: null,
    updatedAt: STORAGE_BUILT_AT,
    ...overrides,
  };
}

export class StorageModelBuilder {
  readonly #nodes: StorageNode[] = [];
  readonly #pools: StoragePool[] = [];
  readonly #volumes: Volume[] = [];

  backend(host: string, overrides: Partial<StorageNode> = {}): this {
    this.#nodes.push(storageNode(host, overrides));
    return this;
  }

  pool(name: string, overrides: Partial<StoragePool> = {}): this {
    this.#pools.push(storagePool(name, overrides));
    return this;
  }

  volume(uuid: string, pool: string | null, overrides: Partial<Volume> = {}): this {
    this.#volumes.push(volume(uuid, pool, overrides));
    return this;
  }

  build(): StorageModel {
    const model = new StorageModel();
    for (const node of this.#nodes) model.upsertNode(structuredClone(node));
    for (const pool of this.#pools) model.upsertPool(structuredClone(pool));
    for (const element of this.#volumes) model.upsertVolume(structuredClone(element));
    return model;
  }
}

export const storageModel = (): StorageModelBuilder => new StorageModelBuilder();
