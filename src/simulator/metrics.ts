/**
 * Prometheus series computed from the simulated load (load.ts). Loads are sums of sinusoids or piecewise-constant
 * PlanetLab traces, so counters linear in the load (their integrals) have closed forms; the PSI counters, which are
 * not, integrate a daily table (pressure.ts). Any instant of any range is computed on demand, without stored samples.
 */
import type { Matcher } from './promql/parser.js';
import { matches, type Labels, type Series, type SeriesSource } from './promql/evaluator.js';
import { instancesOnHost, type ClusterState, type SimHost, type SimInstance } from './cluster.js';
import { hostBusyIntegral, hostRamUsedMb, instanceCpu, instanceCpuIntegral, instanceRamMb } from './load.js';
import { contentionOf, hostContention, servedShare, type HostContention } from './contention.js';
import { pressureCounter, type PressureResource } from './pressure.js';
import {
  hostInletC,
  hostPowerW,
  instanceL3CacheMiB,
  instanceL3Shortfall,
  airflowForPower,
  outletForPower,
} from './thermal.js';

export { invalidatePlacement } from './cluster.js';

function instancesOn(state: ClusterState, host: SimHost): SimInstance[] {
  return instancesOnHost(state, host.hostname);
}

/**
 * How the served busy share of a node's CPU splits over node_exporter modes once its `steal` is set aside: steal is
 * the share of the demand the cores could not serve (contention.ts), 0 while the demand fits.
 */
const BUSY_MODES: [string, number][] = [
  ['user', 0.81],
  ['system', 0.15],
  ['iowait', 0.02],
  ['softirq', 0.01],
  ['irq', 0.005],
  ['nice', 0.005],
];

/**
 * Memoises f(t) for the life of one select's series (one query: the state cannot change during it), so the
 * per-CPU series of a host share one busy integral instead of computing it 48 × 8 times per instant.
 */
function perInstant(f: (t: number) => number): (t: number) => number {
  const seen = new Map<number, number>();
  return (t) => {
    let value = seen.get(t);
    if (value === undefined) seen.set(t, (value = f(t)));
    return value;
  };
}

type Family = {
  name: string;
  hostScoped: boolean;
  /** The host labels this family's series carry, when not node_exporter's (another exporter on the host). */
  hostLabels?: (host: SimHost) => Labels;
  make: (labels: Labels, host: SimHost | null, inst: SimInstance | null) => Series[];
};

/** Physical NIC and loopback: the datasource must count eth0 only (VM traffic also crosses the physical NIC). */
const LOOPBACK_BYTES_PER_S = 5e4;
/** A tmpfs beside the root filesystem, which disk usage must leave out. */
const RUN_TMPFS_BYTES = 1024 ** 3;
/** How much an instance's cache-miss ratio rises when its neighbours hold all the L3 cache it wants. */
const CACHE_MISS_PER_L3_SHORTFALL = 0.5;

export function createMetricSource(
  state: ClusterState,
  hostLabel: string,
): SeriesSource & { hostLabels(host: SimHost): Labels; sampleSeries(): Labels[] } {
  const hostLabels = (h: SimHost): Labels => ({
    [hostLabel]: h.hostname,
    instance: `${h.hostname}:9100`,
    job: 'node',
  });
  const node = (name: string, at: (h: SimHost, t: number) => number, extra: Labels = {}): Family => ({
    name,
    hostScoped: true,
    make: (labels, h) => [
      { labels: { __name__: name, ...labels, ...extra }, at: (t) => at(h as SimHost, t) },
    ],
  });
  /** node_exporter series with one series per label set, e.g. per device. */
  const nodeEach = (
    name: string,
    each: [extra: Labels, at: (h: SimHost, t: number) => number][],
  ): Family => ({
    name,
    hostScoped: true,
    make: (labels, h) =>
      each.map(([extra, at]) => ({
        labels: { __name__: name, ...labels, ...extra },
        at: (t) => at(h as SimHost, t),
      })),
  });
  // The libvirt exporter's `domain` carries the instance uuid, as the Prometheus datasource's domainLabel expects.
  const libvirtLabels = (x: SimInstance): Labels => ({
    domain: x.id,
    uuid: x.id,
    instance_name: `instance-${x.id.slice(0, 8)}`,
    instance: `${x.host ?? ''}:9177`,
    project_uuid: x.projectId,
    job: 'libvirt',
    host: x.host ?? '',
  });
  /** An instance series; `at` gets the contention on the instance's host, read once per query when it asks. */
  const inst = (
    name: string,
    job: string,
    at: (i: SimInstance, t: number, contention: () => HostContention) => number,
    extra: Labels = {},
  ): Family => ({
    name,
    hostScoped: false,
    make: (_l, _h, i) => {
      const x = i as SimInstance;
      const labels: Labels =
        job === 'ceilometer'
          ? { __name__: name, job, resource: x.id, project: x.projectId }
          : { __name__: name, ...libvirtLabels(x), ...extra };
      let contention: HostContention | undefined;
      const onHost = (): HostContention => (contention ??= contentionOf(state, x));
      return [{ labels, at: (t) => at(x, t, onHost) }];
    },
  });
  /** ∫ of the CPU an instance was served (its demand less what contention stole), in vCPU-utilisation seconds. */
  const servedIntegral = (i: SimInstance, t: number, contention: () => HostContention): number =>
    instanceCpuIntegral(i, t) - contention().stolen(i, t);
  /**
   * libvirt per-vCPU counters (`vcpu="N"`): a baseline of `perVcpuShare` × the CPU the instance was served, plus all
   * the time its vCPUs were runnable but not served because the host's cores were over-demanded (contention.ts).
   */
  const perVcpu = (name: string, perVcpuShare: number): Family => ({
    name,
    hostScoped: false,
    make: (_l, _h, i) => {
      const x = i as SimInstance;
      const contention = contentionOf(state, x);
      const counter = perInstant((t) => {
        const stolen = contention.stolen(x, t);
        return perVcpuShare * (instanceCpuIntegral(x, t) - stolen) + stolen;
      });
      return Array.from({ length: x.flavor.vcpus }, (_, vcpu) => ({
        labels: { __name__: name, ...libvirtLabels(x), vcpu: String(vcpu) },
        at: counter,
      }));
    },
  });
  /** PSI counters: the integral of the host's instantaneous pressure, set up once per select (pressure.ts). */
  const pressure = (resource: PressureResource): Family => {
    const name = `node_pressure_${resource}_waiting_seconds_total`;
    return {
      name,
      hostScoped: true,
      make: (labels, h) => {
        let counter: ((t: number) => number) | null = null;
        return [
          {
            labels: { __name__: name, ...labels },
            at: (t) => (counter ??= pressureCounter(state, h as SimHost, resource))(t),
          },
        ];
      },
    };
  };
  /**
   * Ceilometer's IPMI meters as its Prometheus exporter names them (`hardware.ipmi.node.power` →
   * `ceilometer_hardware_ipmi_node_power`), `resource` = the host, plus the host label the scrape adds, as it adds
   * it to node_exporter's series.
   */
  const ipmiLabels = (h: SimHost): Labels => ({
    [hostLabel]: h.hostname,
    instance: `${h.hostname}:9101`,
    job: 'ceilometer',
    resource: h.hostname,
  });
  const ipmi = (meter: string, at: (h: SimHost, t: number) => number): Family => {
    const name = `ceilometer_hardware_ipmi_node_${meter}`;
    return {
      name,
      hostScoped: true,
      hostLabels: ipmiLabels,
      make: (labels, h) => [{ labels: { __name__: name, ...labels }, at: (t) => at(h as SimHost, t) }],
    };
  };
  const fsSize = (h: SimHost): number => h.diskGb * 1024 ** 3;
  const diskUsed = (h: SimHost): number => {
    let gb = 20;
    for (const i of instancesOn(state, h)) gb += i.flavor.diskGb * 0.6;
    return Math.min(h.diskGb, gb) * 1024 ** 3;
  };
  const rootFs: Labels = { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' };
  const runFs: Labels = { device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' };
  // Cache references scale with the CPU work served; the miss ratio with how much of its memory the instance uses,
  // and with the share of the L3 cache it wants that its neighbours hold (thermal.ts).
  const cacheReferences = (i: SimInstance, t: number): number => {
    const host = i.host ? state.hostsByName.get(i.host) : undefined;
    return 1e7 * i.flavor.vcpus * instanceCpu(i, t) * (host ? servedShare(state, host, t) : 1);
  };
  const cacheMissRatio = (i: SimInstance, t: number): number =>
    0.02 +
    (0.1 * instanceRamMb(i, t)) / i.flavor.ramMb +
    CACHE_MISS_PER_L3_SHORTFALL * instanceL3Shortfall(state, i, t);
  const families: Family[] = [
    {
      name: 'node_cpu_seconds_total',
      hostScoped: true,
      make: (labels, h) => {
        const host = h as SimHost;
        let contention: HostContention | undefined;
        const onHost = (): HostContention => (contention ??= hostContention(state, host));
        // What the cores served (demand less the excess they could not), and of it the share that was steal.
        const served = perInstant((t) => hostBusyIntegral(state, host, t) - onHost().excess(t));
        const steal = perInstant((t) => onHost().stolenShare(t));
        const out: Series[] = [];
        for (let cpu = 0; cpu < host.vcpus; cpu++) {
          const series = (mode: string, at: (t: number) => number): Series => ({
            labels: { __name__: 'node_cpu_seconds_total', ...labels, cpu: String(cpu), mode },
            at,
          });
          out.push(series('idle', (t) => t - served(t)));
          out.push(series('steal', steal));
          for (const [mode, share] of BUSY_MODES)
            out.push(series(mode, (t) => share * (served(t) - steal(t))));
        }
        return out;
      },
    },
    node('node_memory_MemTotal_bytes', (h) => h.memoryMb * 1024 * 1024),
    node('node_memory_MemAvailable_bytes', (h, t) => (h.memoryMb - hostRamUsedMb(state, h, t)) * 1024 * 1024),
    nodeEach('node_filesystem_size_bytes', [
      [rootFs, (h) => fsSize(h)],
      [runFs, () => RUN_TMPFS_BYTES],
    ]),
    nodeEach('node_filesystem_avail_bytes', [
      [rootFs, (h) => fsSize(h) - diskUsed(h)],
      [runFs, () => RUN_TMPFS_BYTES / 2],
    ]),
    nodeEach('node_network_receive_bytes_total', [
      [{ device: 'eth0' }, (h, t) => 2e6 * hostBusyIntegral(state, h, t) + 1e4 * t],
      [{ device: 'lo' }, (_h, t) => LOOPBACK_BYTES_PER_S * t],
    ]),
    nodeEach('node_network_transmit_bytes_total', [
      [{ device: 'eth0' }, (h, t) => 1.5e6 * hostBusyIntegral(state, h, t) + 1e4 * t],
      [{ device: 'lo' }, (_h, t) => LOOPBACK_BYTES_PER_S * t],
    ]),
    pressure('cpu'),
    pressure('memory'),
    pressure('io'),
    ipmi('power', (h, t) => hostPowerW(state, h, t)),
    ipmi('airflow', (h, t) => airflowForPower(hostPowerW(state, h, t))),
    ipmi('temperature', (h) => hostInletC(h)),
    ipmi('outlet_temperature', (h, t) => outletForPower(hostInletC(h), hostPowerW(state, h, t))),
    inst('ceilometer_cpu', 'ceilometer', (i, t, c) => i.flavor.vcpus * servedIntegral(i, t, c) * 1e9),
    inst('ceilometer_memory_usage', 'ceilometer', (i, t) => instanceRamMb(i, t)),
    inst('ceilometer_memory', 'ceilometer', (i) => i.flavor.ramMb),
    inst('ceilometer_vcpus', 'ceilometer', (i) => i.flavor.vcpus),
    inst('ceilometer_perf_cache_references', 'ceilometer', cacheReferences),
    inst('ceilometer_cpu_l3_cache', 'ceilometer', (i, t) => instanceL3CacheMiB(state, i, t) * 1024 * 1024),
    inst(
      'ceilometer_perf_cache_misses',
      'ceilometer',
      (i, t) => cacheReferences(i, t) * cacheMissRatio(i, t),
    ),
    inst(
      'libvirt_domain_info_cpu_time_seconds_total',
      'libvirt',
      (i, t, c) => i.flavor.vcpus * servedIntegral(i, t, c),
    ),
    inst('libvirt_domain_info_virtual_cpus', 'libvirt', (i) => i.flavor.vcpus),
    inst('libvirt_domain_info_maximum_memory_bytes', 'libvirt', (i) => i.flavor.ramMb * 1024 * 1024),
    inst(
      'libvirt_domain_memory_stats_used_percent',
      'libvirt',
      (i, t) => (100 * instanceRamMb(i, t)) / i.flavor.ramMb,
    ),
    perVcpu('libvirt_domain_vcpu_delay_seconds_total', 0.02),
    perVcpu('libvirt_domain_vcpu_steal_seconds_total', 0.01),
    inst(
      'libvirt_domain_block_stats_read_time_seconds_total',
      'libvirt',
      (i, t, c) => 0.05 * servedIntegral(i, t, c),
      { target_device: 'vda' },
    ),
    inst(
      'libvirt_domain_block_stats_write_time_seconds_total',
      'libvirt',
      (i, t, c) => 0.03 * servedIntegral(i, t, c),
      { target_device: 'vda' },
    ),
    // Root disk the guest allocated: a third of the flavor's disk plus a share growing with its RAM use. Traffic
    // follows the CPU the instance was served, as its block times do.
    inst(
      'libvirt_domain_block_stats_allocation_bytes',
      'libvirt',
      (i, t) => i.flavor.diskGb * (1 / 3 + (0.2 * instanceRamMb(i, t)) / i.flavor.ramMb) * 1024 ** 3,
      { target_device: 'vda' },
    ),
    inst(
      'libvirt_domain_interface_stats_receive_bytes_total',
      'libvirt',
      (i, t, c) => 2e5 * i.flavor.vcpus * servedIntegral(i, t, c) + 1e3 * t,
      { target_device: `tap${'0'.repeat(11)}` },
    ),
    inst(
      'libvirt_domain_interface_stats_transmit_bytes_total',
      'libvirt',
      (i, t, c) => 1e5 * i.flavor.vcpus * servedIntegral(i, t, c) + 1e3 * t,
      { target_device: `tap${'0'.repeat(11)}` },
    ),
    inst('libvirt_domain_perf_cmt_bytes', 'libvirt', (i, t) => instanceL3CacheMiB(state, i, t) * 1024 * 1024),
  ];
  const byName = new Map(families.map((f) => [f.name, f]));

  const isPlaced = (i: SimInstance): boolean => !!i.host && i.vmState !== 'deleted';
  return {
    hostLabels,
    /**
     * The label sets one host and one instance give each family: every label name the series carry (a family's
     * names do not depend on which host or instance), at the cost of one host rather than 400,000 series.
     */
    sampleSeries(): Labels[] {
      const host = state.hosts[0];
      const instance = [...state.instances.values()].find(isPlaced);
      return families
        .flatMap((f) => {
          if (f.hostScoped) return host ? f.make((f.hostLabels ?? hostLabels)(host), host, null) : [];
          return instance ? f.make({}, null, instance) : [];
        })
        .map((s) => s.labels);
    },
    select(name: string, matchers: Matcher[]): Series[] {
      const nameMatchers = matchers.filter((m) => m.label === '__name__');
      const rest = matchers.filter((m) => m.label !== '__name__');
      const wanted = name
        ? [byName.get(name)].filter((f): f is Family => !!f)
        : families.filter((f) => matches({ __name__: f.name }, nameMatchers));
      const out: Series[] = [];
      for (const f of wanted) {
        if (f.hostScoped) {
          // Filter on the host label before materialising per-cpu series: a 1,000-host cloud has 384k cpu series.
          const hostMatchers = rest.filter(
            (m) => m.label === hostLabel || m.label === 'instance' || m.label === 'job',
          );
          for (const h of state.hosts) {
            const labels = (f.hostLabels ?? hostLabels)(h);
            if (!matches(labels, hostMatchers)) continue;
            for (const s of f.make(labels, h, null)) if (matches(s.labels, rest)) out.push(s);
          }
        } else {
          for (const i of state.instances.values()) {
            if (!isPlaced(i)) continue;
            for (const s of f.make({}, null, i)) if (matches(s.labels, rest)) out.push(s);
          }
        }
      }
      return out;
    },
  };
}
