/**
 * The simulated cloud's state: hosts, instances, flavors, aggregates, migrations. Built from a config (seeded)
 * or from a scenario file of data/scenarios.
 */
import { createHash } from 'node:crypto';
import { createRandom, type Random } from '../lib/rng.js';
import { invalid } from '../errors.js';
import {
  assignTraces,
  loadPlanetLabTraces,
  traceMeanCpu,
  type PlanetLabTraces,
  type TraceRef,
} from './planetlab.js';
import { readScenario } from '../scenarios/scenario-file.js';
import type { LOAD_PATTERNS } from './defaults.js';
import { defaultNetworks, plugDefaultPorts } from './neutron.js';

export interface SimFlavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  extraSpecs: Record<string, string>;
}

export interface SimHost {
  id: string; // hypervisor id == resource provider uuid
  serviceId: string;
  hostname: string;
  hostIp: string;
  az: string;
  vcpus: number;
  vcpuReserved: number;
  vcpuRatio: number;
  memoryMb: number;
  memoryMbReserved: number;
  memoryRatio: number;
  diskGb: number;
  diskGbReserved: number;
  diskRatio: number;
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  forcedDown: boolean;
  inMaintenance: boolean;
  traits: string[];
  generation: number;
  /** The node's power as its BMC reports it (the simulated Ironic's `power_state`). */
  powerState: 'on' | 'off';
  /** A power change in progress: the node reaches `state` at `doneMs` (Ironic's `target_power_state`). */
  powerTarget: { state: 'on' | 'off'; doneMs: number } | null;
  /** When the node last came up (simulated ms): its hypervisor's uptime counts from here. */
  bootedMs: number;
  /** Background CPU use (fraction of all cores) not explained by instances, e.g. from a scenario's host metric. */
  baseCpu: number;
  /** Background memory use in MB. */
  baseRamMb: number;
  /** Temperature of the air the host takes in, °C (thermal.ts: 22 °C when unset). */
  inletC?: number;
}

export interface SimInstance {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  host: string | null; // hostname
  flavor: SimFlavor;
  /** The Glance image it was booted from (an id of ClusterState.images). */
  imageId: string;
  vmState: string;
  taskState: string | null;
  powerState: number;
  locked: boolean;
  metadata: Record<string, string>;
  /** The role that last set each metadata key (admin > manager > member). */
  metadataRoles: Record<string, string>;
  pinnedAz: string | null;
  serverGroup: string | null;
  created: string;
  updated: string;
  /** Load: mean CPU utilisation fraction of its vcpus, amplitude of the diurnal wave, phase, RAM use fraction. */
  cpuMean: number;
  cpuAmp: number;
  phase: number;
  noise: [number, number];
  ramFraction: number;
  /** A PlanetLab trace that replaces the synthetic CPU load (cpuMean is then the trace's daily mean). */
  trace?: TraceRef;
  /**
   * Simulated seconds at which it last started running over the API (boot, os-start); absent for instances that
   * have always run. Only the L3-cache series honour it (thermal.ts); the others compute history from today's state.
   */
  startedAtS?: number;
  /** Its Neutron ports (none when booted with `networks: 'none'`). */
  ports?: SimPort[];
  /** Why it went to ERROR (Nova's instance fault), e.g. NoValidHost when no host could take it at boot. */
  fault?: { code: number; message: string; created: string };
}

/** A Glance image; `properties` are its custom properties (Glance shows them as top-level keys, Nova ≥2.98 under image.properties). */
export interface SimImage {
  id: string;
  name: string;
  diskFormat: string;
  containerFormat: string;
  sizeBytes: number;
  virtualSizeBytes: number;
  minDiskGb: number;
  minRamMb: number;
  created: string;
  properties: Record<string, string>;
}

/** A Neutron network with one IPv4 /16 (`cidrPrefix` is its first two octets), handing out addresses in order. */
export interface SimNetwork {
  id: string;
  name: string;
  cidrPrefix: string;
  shared: boolean;
  /** The host number the next port gets. */
  nextHost: number;
}

/** A Neutron port of an instance: one fixed IP on one network. */
export interface SimPort {
  id: string;
  networkId: string;
  ip: string;
  mac: string;
}

export interface SimServerGroup {
  id: string;
  name: string;
  policy: 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';
  members: string[];
  projectId: string;
}
export interface SimAggregate {
  id: number;
  uuid: string;
  name: string;
  az: string | null;
  hosts: string[];
  metadata: Record<string, string>;
}

export interface SimMigration {
  id: number;
  uuid: string;
  instanceId: string;
  type: 'live-migration' | 'migration' | 'resize';
  sourceHost: string;
  destHost: string;
  status: string;
  startedMs: number;
  durationMs: number;
  memoryTotalBytes: number;
  created: string;
  updated: string;
  oldFlavorId: string;
  newFlavorId: string;
}

export interface SimPool {
  name: string;
  backend: string;
  totalGb: number;
  type: string;
}
export interface SimVolume {
  id: string;
  name: string;
  projectId: string;
  sizeGb: number;
  type: string;
  pool: string;
  status: string;
  migrationStatus: string | null;
  attachedTo: string | null;
  created: string;
  updated: string;
  /** A move in progress: finishes at doneMs into pool/type. */
  move: { kind: 'migrate' | 'retype'; doneMs: number; toPool: string; toType: string } | null;
}

/**
 * One server action as Nova records it (`instance_actions`): its name (`live-migration`, `migrate`, `resize`,
 * `confirmResize`, `revertResize`, `stop`, `start`), who asked, when, and `message` "Error" when it was refused.
 */
export interface SimInstanceAction {
  instanceId: string;
  action: string;
  requestId: string;
  userId: string;
  projectId: string;
  startTime: string;
  message: string | null;
}

export interface ClusterState {
  pools: SimPool[];
  volumes: SimVolume[];
  hosts: SimHost[];
  hostsByName: Map<string, SimHost>;
  instances: Map<string, SimInstance>;
  flavors: SimFlavor[];
  images: SimImage[];
  aggregates: SimAggregate[];
  serverGroups: SimServerGroup[];
  /** Neutron's networks; instances hold their ports. */
  networks: SimNetwork[];
  migrations: SimMigration[];
  /** Nova's instance actions (`os-instance-actions`), oldest first: every server action requested. */
  instanceActions: SimInstanceAction[];
  /** CUSTOM_* traits created in Placement (`PUT /traits/{name}`); standard traits always exist. */
  customTraits: Set<string>;
  projects: string[];
  /** Where instances booted over the API get their load, so they follow the cluster's pattern too. */
  boot: BootLoad;
}

/**
 * The load source of booted instances: the build's own random stream continued (so a seed still reproduces a run)
 * and, for PlanetLab, the seeded trace order with the position the next instance takes in it.
 */
export interface BootLoad {
  pattern: LoadPattern;
  rng: Random;
  planetlab: { traces: PlanetLabTraces; order: Uint32Array; next: number } | null;
}

/** An instance's load: mean, waves, phase and RAM fraction, and a PlanetLab trace when it follows one. */
export type InstanceLoad = Pick<
  SimInstance,
  'cpuMean' | 'cpuAmp' | 'phase' | 'noise' | 'ramFraction' | 'trace'
>;

export interface ClusterConfig {
  hosts: number;
  instancesPerHost?: number;
  instances?: number;
  flavors?: SimFlavor[];
  azs?: string[];
  aggregates?: { name: string; az?: string; hosts: number[] }[];
  loadPattern?: LoadPattern;
  /** Required by loadPattern 'planetlab': a day's folder of per-VM trace files (…/planetlab/20110303) or its CSV. */
  planetlab?: { path: string };
  seed?: number;
  host?: {
    vcpus?: number;
    memoryMb?: number;
    diskGb?: number;
    vcpuRatio?: number;
    memoryRatio?: number;
    diskRatio?: number;
  };
}

export type LoadPattern = (typeof LOAD_PATTERNS)[number];

export const DEFAULT_FLAVORS: SimFlavor[] = [
  { id: '1', name: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1, extraSpecs: {} },
  { id: '2', name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20, extraSpecs: {} },
  { id: '3', name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 40, extraSpecs: {} },
  { id: '4', name: 'm1.large', vcpus: 4, ramMb: 8192, diskGb: 80, extraSpecs: {} },
  { id: '5', name: 'm1.xlarge', vcpus: 8, ramMb: 16384, diskGb: 160, extraSpecs: {} },
];

/** Two public images as devstack uploads them; a third of the instances run ubuntu, the rest cirros. */
export const DEFAULT_IMAGES: readonly SimImage[] = [
  {
    id: '6b0e3c5a-8d7e-4c52-9d3b-3f6f0c6a1c01',
    name: 'cirros-0.6.2-x86_64-disk',
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    sizeBytes: 21_430_272,
    virtualSizeBytes: 117_440_512,
    minDiskGb: 0,
    minRamMb: 0,
    created: '2026-01-01T00:00:00Z',
    properties: {
      architecture: 'x86_64',
      os_distro: 'cirros',
      os_version: '0.6.2',
      hw_machine_type: 'q35',
      hw_rng_model: 'virtio',
    },
  },
  {
    id: '2f7c1c1e-7a3d-4b8e-a0c4-5b9d3e2f1a02',
    name: 'ubuntu-22.04-server-cloudimg-amd64',
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    sizeBytes: 676_724_736,
    virtualSizeBytes: 2_361_393_152,
    minDiskGb: 3,
    minRamMb: 512,
    created: '2026-01-01T00:00:00Z',
    properties: {
      architecture: 'x86_64',
      os_distro: 'ubuntu',
      os_version: '22.04',
      hw_machine_type: 'q35',
      hw_disk_bus: 'virtio',
      hw_qemu_guest_agent: 'yes',
    },
  },
];

/** The image of the n-th built instance: by position, so images draw nothing from the seeded stream. */
const imageOf = (n: number): string => (DEFAULT_IMAGES[n % 3 === 2 ? 1 : 0] as SimImage).id;

/** A deterministic uuid from a name, so seeded clusters keep their ids across runs. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function emptyState(flavors: SimFlavor[], boot: BootLoad): ClusterState {
  return {
    pools: [],
    volumes: [],
    hosts: [],
    hostsByName: new Map(),
    instances: new Map(),
    flavors,
    images: DEFAULT_IMAGES.map((i) => ({ ...i, properties: { ...i.properties } })),
    aggregates: [],
    serverGroups: [],
    networks: defaultNetworks(),
    migrations: [],
    instanceActions: [],
    customTraits: new Set(),
    projects: [],
    boot,
  };
}

/** The synthetic load draws, in the order the seeded build has always made them. */
function drawLoad(rng: Random, pattern: LoadPattern): InstanceLoad {
  return {
    cpuMean: 0.05 + rng.next() * 0.6,
    cpuAmp: pattern === 'flat' ? 0 : 0.05 + rng.next() * 0.3,
    phase: rng.next() * Math.PI * 2,
    noise: pattern === 'noisy' ? [rng.next() * 0.1, rng.next() * 0.1] : [0, 0],
    ramFraction: 0.3 + rng.next() * 0.6,
  };
}

/** Follows a PlanetLab trace instead of the synthetic CPU load (RAM keeps its seeded flat fraction). */
function withTrace(load: InstanceLoad, trace: TraceRef): InstanceLoad {
  return { ...load, trace, cpuMean: traceMeanCpu(trace), cpuAmp: 0 };
}

/** The load of an instance booted over the API: the configured pattern, or the next trace of the seeded order. */
export function bootLoad(state: ClusterState): InstanceLoad {
  const { boot } = state;
  const load = drawLoad(boot.rng, boot.pattern);
  if (!boot.planetlab) return load;
  const { traces, order } = boot.planetlab;
  const index = order[boot.planetlab.next++ % order.length] as number;
  return withTrace(load, { traces, index });
}

function newHost(
  index: number,
  hostname: string,
  az: string,
  spec: Partial<SimHost> & Pick<SimHost, 'bootedMs'>,
): SimHost {
  return {
    id: spec.id ?? nameUuid(`hypervisor-${hostname}`),
    serviceId: nameUuid(`service-${hostname}`),
    hostname,
    hostIp: `10.0.${Math.floor(index / 250)}.${(index % 250) + 2}`,
    az,
    vcpus: 48,
    vcpuReserved: 0,
    vcpuRatio: 1,
    memoryMb: 196_608,
    memoryMbReserved: 0,
    memoryRatio: 1,
    diskGb: 2000,
    diskGbReserved: 0,
    diskRatio: 1,
    status: 'enabled',
    disabledReason: null,
    forcedDown: false,
    inMaintenance: false,
    traits: ['COMPUTE_NET_ATTACH_INTERFACE', 'HW_CPU_X86_AVX2'],
    generation: 1,
    powerState: 'on',
    powerTarget: null,
    baseCpu: 0,
    baseRamMb: 0,
    ...spec,
  };
}

const byHostCache = new WeakMap<ClusterState, { version: number; map: Map<string, SimInstance[]> }>();
let placementVersion = 0;
/** Called whenever an instance changes host or state so per-host lists are rebuilt. */
export function invalidatePlacement(): void {
  placementVersion++;
}

/** Instances placed on a host, from an index rebuilt only after placements change. */
export function instancesOnHost(state: ClusterState, hostname: string): SimInstance[] {
  let cached = byHostCache.get(state);
  if (!cached || cached.version !== placementVersion) {
    const map = new Map<string, SimInstance[]>();
    for (const i of state.instances.values()) {
      if (!i.host) continue;
      const list = map.get(i.host) ?? [];
      list.push(i);
      map.set(i.host, list);
    }
    cached = { version: placementVersion, map };
    byHostCache.set(state, cached);
  }
  return cached.map.get(hostname) ?? [];
}

export function usedOn(
  state: ClusterState,
  hostname: string,
): { vcpus: number; ramMb: number; diskGb: number } {
  const used = { vcpus: 0, ramMb: 0, diskGb: 0 };
  for (const i of instancesOnHost(state, hostname)) {
    used.vcpus += i.flavor.vcpus;
    used.ramMb += i.flavor.ramMb;
    used.diskGb += i.flavor.diskGb;
  }
  // Placement keeps the allocation on the destination during a move.
  for (const m of state.migrations) {
    if (m.destHost !== hostname || !['running', 'preparing', 'queued', 'finished'].includes(m.status))
      continue;
    if (m.status === 'finished' && m.type === 'live-migration') continue;
    const inst = state.instances.get(m.instanceId);
    if (inst && inst.host !== hostname) {
      used.vcpus += inst.flavor.vcpus;
      used.ramMb += inst.flavor.ramMb;
      used.diskGb += inst.flavor.diskGb;
    }
  }
  return used;
}

export function buildFromConfig(config: ClusterConfig, nowIso: string): ClusterState {
  invalidatePlacement();
  const rng = createRandom(config.seed ?? 42);
  const pattern = config.loadPattern ?? 'diurnal';
  if (pattern === 'planetlab' && !config.planetlab)
    throw invalid(
      "loadPattern 'planetlab' needs planetlab.path, a day's folder of PlanetLab traces or its CSV",
    );
  const traces =
    pattern === 'planetlab' && config.planetlab ? loadPlanetLabTraces(config.planetlab.path) : null;
  // Instance n takes order[n % traces] (every trace is used before any repeats); boots continue after the build's.
  const planetlab = traces
    ? { traces, order: assignTraces(traces.names.length, traces.names.length, config.seed ?? 42), next: 0 }
    : null;
  const state = emptyState(config.flavors ?? DEFAULT_FLAVORS, { pattern, rng, planetlab });
  const azs = config.azs ?? ['nova'];
  for (let i = 0; i < config.hosts; i++) {
    const hostname = `compute-${String(i).padStart(5, '0')}`;
    const h = config.host ?? {};
    const host = newHost(i, hostname, azs[i % azs.length] as string, {
      bootedMs: Date.parse(nowIso),
      vcpus: h.vcpus ?? 48,
      memoryMb: h.memoryMb ?? 196_608,
      diskGb: h.diskGb ?? 2000,
      vcpuRatio: h.vcpuRatio ?? 4,
      memoryRatio: h.memoryRatio ?? 1,
      diskRatio: h.diskRatio ?? 1,
      baseCpu: 0.02,
      baseRamMb: 4096,
    });
    state.hosts.push(host);
    state.hostsByName.set(hostname, host);
  }
  (config.aggregates ?? []).forEach((a, index) => {
    state.aggregates.push({
      id: index + 1,
      uuid: nameUuid(`aggregate-${a.name}`),
      name: a.name,
      az: a.az ?? null,
      hosts: a.hosts.map((n) => state.hosts[n]?.hostname).filter((x): x is string => !!x),
      metadata: a.az ? { availability_zone: a.az } : {},
    });
  });
  state.projects = Array.from({ length: 4 }, (_, i) => nameUuid(`project-${i}`).replaceAll('-', ''));
  const total = config.instances ?? Math.round(config.hosts * (config.instancesPerHost ?? 7.5));
  const tally = new Map<string, { vcpus: number; ramMb: number; diskGb: number }>();
  for (let n = 0; n < total; n++) {
    const flavor = rng.pick(state.flavors);
    // Skewed placement gives strategies something to balance: earlier hosts fill more.
    let host: SimHost | undefined;
    for (let attempt = 0; attempt < 8 && !host; attempt++) {
      const candidate = state.hosts[Math.floor(Math.pow(rng.next(), 1.4) * state.hosts.length)] as SimHost;
      const used = tally.get(candidate.hostname) ?? { vcpus: 0, ramMb: 0, diskGb: 0 };
      if (
        used.vcpus + flavor.vcpus <= candidate.vcpus * candidate.vcpuRatio &&
        used.ramMb + flavor.ramMb <= candidate.memoryMb * candidate.memoryRatio &&
        used.diskGb + flavor.diskGb <= candidate.diskGb * candidate.diskRatio
      )
        host = candidate;
    }
    if (host) {
      const t = tally.get(host.hostname) ?? { vcpus: 0, ramMb: 0, diskGb: 0 };
      t.vcpus += flavor.vcpus;
      t.ramMb += flavor.ramMb;
      t.diskGb += flavor.diskGb;
      tally.set(host.hostname, t);
    }
    const id = nameUuid(`instance-${config.seed ?? 42}-${n}`);
    const projectId = rng.pick(state.projects);
    // bootLoad makes diurnal's draws for 'planetlab' too, so a seed places the same instances whichever load they follow.
    state.instances.set(id, {
      id,
      name: `vm-${String(n).padStart(6, '0')}`,
      projectId,
      userId: 'member',
      host: host?.hostname ?? null,
      flavor,
      imageId: imageOf(n),
      vmState: host ? 'active' : 'error',
      taskState: null,
      powerState: host ? 1 : 0,
      locked: false,
      metadata: {},
      metadataRoles: {},
      pinnedAz: null,
      serverGroup: null,
      created: nowIso,
      updated: nowIso,
      ...bootLoad(state),
    });
  }
  plugDefaultPorts(state);
  return state;
}

export function buildFromScenario(path: string, nowIso: string): ClusterState {
  invalidatePlacement();
  const doc = readScenario(path);
  // A scenario's loads are flat; instances booted into it get flat seeded loads too.
  const state = emptyState([...DEFAULT_FLAVORS], { pattern: 'flat', rng: createRandom(42), planetlab: null });
  const byUuid = new Map<string, SimHost>();
  doc.nodes.forEach((n, index) => {
    const host = newHost(index, n.hostname, 'nova', {
      bootedMs: Date.parse(nowIso),
      id: n.uuid,
      vcpus: n.vcpus,
      memoryMb: n.memory,
      diskGb: n.disk,
      vcpuRatio: n.vcpu_ratio,
      memoryRatio: n.memory_ratio,
      diskRatio: n.disk_ratio,
      vcpuReserved: n.vcpu_reserved,
      memoryMbReserved: n.memory_mb_reserved,
      diskGbReserved: n.disk_gb_reserved,
      status: n.status === 'disabled' ? 'disabled' : 'enabled',
      disabledReason: n.disabled_reason,
      forcedDown: n.state === 'down',
    });
    state.hosts.push(host);
    state.hostsByName.set(host.hostname, host);
    byUuid.set(n.uuid, host);
  });
  const projects = new Set<string>();
  for (const [n, i] of doc.instances.entries()) {
    const host = byUuid.get(i.host) ?? state.hostsByName.get(i.host);
    let flavor = state.flavors.find(
      (f) => f.vcpus === i.vcpus && f.ramMb === i.memory && f.diskGb === i.disk,
    );
    if (!flavor) {
      flavor = {
        id: String(state.flavors.length + 1),
        name: i.metadata.flavor ?? `custom-${i.vcpus}-${i.memory}-${i.disk}`,
        vcpus: i.vcpus,
        ramMb: i.memory,
        diskGb: i.disk,
        extraSpecs: {},
      };
      state.flavors.push(flavor);
    }
    projects.add(i.project_id);
    state.instances.set(i.uuid, {
      id: i.uuid,
      name: i.name,
      projectId: i.project_id,
      userId: 'member',
      host: host?.hostname ?? null,
      flavor,
      imageId: imageOf(n),
      vmState: i.state,
      taskState: null,
      powerState: i.state === 'active' ? 1 : 4,
      locked: i.locked,
      metadata: { ...i.metadata },
      metadataRoles: Object.fromEntries(Object.keys(i.metadata).map((k) => [k, 'member'])),
      pinnedAz: null,
      serverGroup: null,
      created: nowIso,
      updated: nowIso,
      cpuMean: (i.metrics.instance_cpu_usage ?? 0) / 100,
      cpuAmp: 0,
      phase: 0,
      noise: [0, 0],
      ramFraction: (i.metrics.instance_ram_usage ?? 0) / i.memory,
    });
  }
  state.projects = [...projects];
  plugDefaultPorts(state);
  // The scenario's host metrics include load not explained by its instances; keep it as background so the host
  // series reproduce the scenario's numbers exactly while moves still shift load. A stopped instance's metrics are
  // what it uses when it runs (after os-start), so only running instances explain the host's load now.
  for (const n of doc.nodes) {
    const host = byUuid.get(n.uuid) as SimHost;
    let cores = 0;
    let ramMb = 0;
    for (const i of state.instances.values())
      if (i.host === host.hostname && i.vmState === 'active') {
        cores += i.flavor.vcpus * i.cpuMean;
        ramMb += i.flavor.ramMb * i.ramFraction;
      }
    host.baseCpu = (n.metrics.host_cpu_usage ?? 0) / 100 - cores / host.vcpus;
    host.baseRamMb = (n.metrics.host_ram_usage ?? 0) / 1024 - ramMb;
  }
  return state;
}

/** Two Cinder backends with two pools each, and a volume for every third instance (attached to it). */
export function addVolumes(state: ClusterState, nowIso: string): void {
  const hostsGb = Math.max(2000, state.instances.size * 40);
  state.pools = [
    { name: 'cinder-volume-0@lvm#pool-a', backend: 'lvm', totalGb: hostsGb, type: 'lvmdriver-1' },
    { name: 'cinder-volume-0@lvm#pool-b', backend: 'lvm', totalGb: hostsGb, type: 'lvmdriver-1' },
    { name: 'cinder-volume-1@ssd#pool-c', backend: 'ssd', totalGb: Math.round(hostsGb / 2), type: 'ssd' },
    { name: 'cinder-volume-1@ssd#pool-d', backend: 'ssd', totalGb: Math.round(hostsGb / 2), type: 'ssd' },
  ];
  let n = 0;
  for (const i of state.instances.values()) {
    if (n++ % 3 !== 0) continue;
    const pool = state.pools[n % state.pools.length] as SimPool;
    state.volumes.push({
      id: nameUuid(`volume-${i.id}`),
      name: `vol-${i.name}`,
      projectId: i.projectId,
      sizeGb: 10 * (1 + (n % 10)),
      type: pool.type,
      pool: pool.name,
      status: 'in-use',
      migrationStatus: null,
      attachedTo: i.id,
      created: nowIso,
      updated: nowIso,
      move: null,
    });
  }
}
