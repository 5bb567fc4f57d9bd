/**
 * A real Debian `prometheus` on a random loopback port, filled by `promtool tsdb create-blocks-from openmetrics`
 * with flat synthetic series whose true values (in every metric's unit) are known, so a test can check both the
 * number and the conversion. Method from peers/prometheus (prom-peer.sh, gen_openmetrics.py), rewritten in TS.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MetricName } from '../../src/datasources/metrics-source.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface SyntheticHost {
  hostname: string;
  /** The `fqdn` label value: the hostname or an FQDN whose first label is the hostname. */
  fqdn: string;
  cpus: number;
  busy: number; // fraction of CPU time not idle, steal and iowait included
  steal: number;
  iowait: number;
  memTotalMiB: number;
  memUsedMiB: number;
  pressure: { cpu: number; memory: number; io: number };
  rxBytesPerS: number;
  txBytesPerS: number;
  diskUsedGiB: number;
  ipmi: { powerW: number; airflowDeciCfm: number; inletC: number; outletC: number };
}

export interface SyntheticInstance {
  uuid: string;
  vcpus: number;
  cpuPct: number;
  ramMiB: number;
  stealPct: number;
  ioBusy: { read: number; write: number }; // seconds of block time per second
  cacheMisses: number;
  cacheReferences: number;
  l3CacheBytes: number;
  diskUsedGiB: number;
  rxBytesPerS: number;
  txBytesPerS: number;
  /** Booted this many seconds before the history's end: no samples before then. Absent: the whole history. */
  historySeconds?: number;
}

export interface SyntheticCloud {
  hosts: SyntheticHost[];
  instances: SyntheticInstance[];
}

export const SYNTHETIC_CLOUD: SyntheticCloud = {
  hosts: [
    {
      hostname: 'compute-a',
      fqdn: 'compute-a.cloud.test',
      cpus: 4,
      busy: 0.375,
      steal: 0.02,
      iowait: 0.05,
      memTotalMiB: 65536,
      memUsedMiB: 20480,
      pressure: { cpu: 0.125, memory: 0.03, io: 0.25 },
      rxBytesPerS: 1_250_000,
      txBytesPerS: 500_000,
      diskUsedGiB: 120,
      ipmi: { powerW: 262.5, airflowDeciCfm: 356.25, inletC: 21.5, outletC: 34.47 },
    },
    {
      hostname: 'compute-b',
      fqdn: 'compute-b',
      cpus: 2,
      busy: 0.8,
      steal: 0,
      iowait: 0.1,
      memTotalMiB: 32768,
      memUsedMiB: 30000,
      pressure: { cpu: 0.5, memory: 0.2, io: 0.05 },
      rxBytesPerS: 40_000,
      txBytesPerS: 2_000_000,
      diskUsedGiB: 7.5,
      ipmi: { powerW: 390, airflowDeciCfm: 420, inletC: 24, outletC: 40.25 },
    },
  ],
  instances: [
    {
      uuid: '5b2d3a4e-0000-4000-8000-00000000000a',
      vcpus: 4,
      cpuPct: 42.5,
      ramMiB: 3072,
      stealPct: 3,
      ioBusy: { read: 0.1, write: 0.05 },
      cacheMisses: 2000,
      cacheReferences: 80000,
      l3CacheBytes: 6.5 * 1048576,
      diskUsedGiB: 12.5,
      rxBytesPerS: 300_000,
      txBytesPerS: 45_000,
    },
    {
      uuid: '5b2d3a4e-0000-4000-8000-00000000000b',
      vcpus: 1,
      cpuPct: 90,
      ramMiB: 512,
      stealPct: 0.5,
      ioBusy: { read: 0, write: 0.4 },
      cacheMisses: 500,
      cacheReferences: 1000,
      l3CacheBytes: 786_432,
      diskUsedGiB: 3,
      rxBytesPerS: 1_000,
      txBytesPerS: 2_500_000,
    },
  ],
};

/**
 * The synthetic hosts under the embedded simulated cloud's hostnames (compute-00000, …), for a Steward whose model
 * comes from the simulator and whose metrics come from a backfilled Prometheus: the FQDN label resolves to the
 * model's hostname.
 */
export const SIMULATED_HOSTS: SyntheticHost[] = SYNTHETIC_CLOUD.hosts.map((host, index) => {
  const hostname = `compute-${String(index).padStart(5, '0')}`;
  return { ...host, hostname, fqdn: `${hostname}.cloud.test` };
});

/** The value every metric must have for a resource, in the unit METRICS declares. */
export function expectedValue(cloud: SyntheticCloud, metric: MetricName, key: string): number {
  const host = cloud.hosts.find((candidate) => candidate.hostname === key);
  const instance = cloud.instances.find((candidate) => candidate.uuid === key);
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`no synthetic resource ${key}`);
    return value;
  };
  switch (metric) {
    case 'host_cpu_usage':
      return need(host).busy * 100;
    case 'host_ram_usage':
      return need(host).memUsedMiB;
    case 'host_cpu_steal_pct':
      return need(host).steal * 100;
    case 'host_io_wait_pct':
      return need(host).iowait * 100;
    case 'host_pressure_cpu':
      return need(host).pressure.cpu;
    case 'host_pressure_memory':
      return need(host).pressure.memory;
    case 'host_pressure_io':
      return need(host).pressure.io;
    case 'host_network_rx_bytes_per_s':
      return need(host).rxBytesPerS;
    case 'host_network_tx_bytes_per_s':
      return need(host).txBytesPerS;
    case 'host_disk_used_gb':
      return need(host).diskUsedGiB;
    case 'instance_cpu_usage':
      return need(instance).cpuPct;
    case 'instance_ram_usage':
      return need(instance).ramMiB;
    case 'instance_cpu_steal_pct':
      return need(instance).stealPct;
    case 'instance_io_wait_pct':
      return Math.min(100, (need(instance).ioBusy.read + need(instance).ioBusy.write) * 100);
    case 'instance_cache_miss_rate':
      return need(instance).cacheMisses / need(instance).cacheReferences;
    case 'host_outlet_temp':
      return need(host).ipmi.outletC;
    case 'host_inlet_temp':
      return need(host).ipmi.inletC;
    case 'host_airflow':
      return need(host).ipmi.airflowDeciCfm;
    case 'host_power':
      return need(host).ipmi.powerW;
    case 'instance_l3_cache_usage':
      return need(instance).l3CacheBytes / 1048576;
    case 'instance_disk_used_gb':
      return need(instance).diskUsedGiB;
    case 'instance_network_rx_bytes_per_s':
      return need(instance).rxBytesPerS;
    case 'instance_network_tx_bytes_per_s':
      return need(instance).txBytesPerS;
  }
}

/** OpenMetrics text: counters grow at the known rates, gauges stay flat, one sample per `stepSeconds`. */
export function generateOpenMetrics(
  cloud: SyntheticCloud,
  options: { end: number; durationSeconds: number; stepSeconds: number },
): string {
  const times: number[] = [];
  for (let t = options.end - options.durationSeconds; t <= options.end; t += options.stepSeconds)
    times.push(t);
  const start = times[0]!;
  const families = new Map<string, { type: 'counter' | 'gauge'; lines: string[] }>();
  /** The first sample time of the resource being written (a recently booted instance has none before). */
  let since = start;
  const add = (
    name: string,
    type: 'counter' | 'gauge',
    labels: Record<string, string>,
    valueAt: (elapsed: number) => number,
  ): void => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { type, lines: [] }));
    const rendered = Object.entries(labels)
      .map(([key, value]) => `${key}="${value}"`)
      .join(',');
    for (const t of times)
      if (t >= since) family.lines.push(`${name}{${rendered}} ${valueAt(t - start).toFixed(6)} ${t}`);
  };
  const counter = (name: string, labels: Record<string, string>, perSecond: number): void =>
    add(name, 'counter', labels, (elapsed) => 1000 + perSecond * elapsed);
  const gauge = (name: string, labels: Record<string, string>, value: number): void =>
    add(name, 'gauge', labels, () => value);

  for (const host of cloud.hosts) {
    const node = { fqdn: host.fqdn, instance: `${host.fqdn}:9100`, job: 'node' };
    for (let cpu = 0; cpu < host.cpus; cpu++) {
      const modes: Record<string, number> = {
        idle: 1 - host.busy,
        steal: host.steal,
        iowait: host.iowait,
        user: host.busy - host.steal - host.iowait,
      };
      for (const [mode, share] of Object.entries(modes))
        counter('node_cpu_seconds_total', { ...node, cpu: String(cpu), mode }, share);
    }
    gauge('node_memory_MemTotal_bytes', node, host.memTotalMiB * 1048576);
    gauge('node_memory_MemAvailable_bytes', node, (host.memTotalMiB - host.memUsedMiB) * 1048576);
    for (const resource of ['cpu', 'memory', 'io'] as const)
      counter(`node_pressure_${resource}_waiting_seconds_total`, node, host.pressure[resource]);
    // Virtual interfaces (VM taps, loopback) must not count: their traffic also crosses the physical NIC.
    counter('node_network_receive_bytes_total', { ...node, device: 'eth0' }, host.rxBytesPerS);
    counter('node_network_transmit_bytes_total', { ...node, device: 'eth0' }, host.txBytesPerS);
    for (const device of ['lo', 'tap0a1b2c3d-4e']) {
      counter('node_network_receive_bytes_total', { ...node, device }, 9_999_999);
      counter('node_network_transmit_bytes_total', { ...node, device }, 9_999_999);
    }
    // Ceilometer's IPMI meters, from its exporter on the host: the scrape gives them the host label too.
    const ipmi = {
      fqdn: host.fqdn,
      instance: `${host.fqdn}:9101`,
      job: 'ceilometer',
      resource: host.hostname,
    };
    gauge('ceilometer_hardware_ipmi_node_power', ipmi, host.ipmi.powerW);
    gauge('ceilometer_hardware_ipmi_node_airflow', ipmi, host.ipmi.airflowDeciCfm);
    gauge('ceilometer_hardware_ipmi_node_temperature', ipmi, host.ipmi.inletC);
    gauge('ceilometer_hardware_ipmi_node_outlet_temperature', ipmi, host.ipmi.outletC);
    const disk = 500 * 1073741824;
    gauge(
      'node_filesystem_size_bytes',
      { ...node, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' },
      disk,
    );
    gauge(
      'node_filesystem_avail_bytes',
      { ...node, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' },
      disk - host.diskUsedGiB * 1073741824,
    );
    gauge(
      'node_filesystem_size_bytes',
      { ...node, device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' },
      4 * 1073741824,
    );
    gauge(
      'node_filesystem_avail_bytes',
      { ...node, device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' },
      1073741824,
    );
  }
  for (const instance of cloud.instances) {
    since = instance.historySeconds === undefined ? start : options.end - instance.historySeconds;
    const ceilometer = { job: 'ceilometer', resource: instance.uuid };
    const libvirt = { domain: instance.uuid, job: 'libvirt' };
    counter('ceilometer_cpu', ceilometer, (instance.cpuPct / 100) * instance.vcpus * 1e9);
    gauge('ceilometer_memory_usage', ceilometer, instance.ramMiB);
    gauge('ceilometer_perf_cache_misses', ceilometer, instance.cacheMisses);
    gauge('ceilometer_perf_cache_references', ceilometer, instance.cacheReferences);
    gauge('ceilometer_cpu_l3_cache', ceilometer, instance.l3CacheBytes);
    gauge('libvirt_domain_info_virtual_cpus', libvirt, instance.vcpus);
    for (let vcpu = 0; vcpu < instance.vcpus; vcpu++) {
      counter(
        'libvirt_domain_vcpu_delay_seconds_total',
        { ...libvirt, vcpu: String(vcpu) },
        instance.stealPct / 100,
      );
    }
    counter(
      'libvirt_domain_block_stats_read_time_seconds_total',
      { ...libvirt, target_device: 'vda' },
      instance.ioBusy.read,
    );
    counter(
      'libvirt_domain_block_stats_write_time_seconds_total',
      { ...libvirt, target_device: 'vda' },
      instance.ioBusy.write,
    );
    gauge(
      'libvirt_domain_block_stats_allocation_bytes',
      { ...libvirt, target_device: 'vda' },
      instance.diskUsedGiB * 1073741824,
    );
    counter(
      'libvirt_domain_interface_stats_receive_bytes_total',
      { ...libvirt, target_device: 'tap0a1b2c3d-4e' },
      instance.rxBytesPerS,
    );
    counter(
      'libvirt_domain_interface_stats_transmit_bytes_total',
      { ...libvirt, target_device: 'tap0a1b2c3d-4e' },
      instance.txBytesPerS,
    );
  }
  const out: string[] = [];
  for (const [name, family] of families) {
    out.push(`# TYPE ${name} ${family.type}`);
    // One push per line: spreading a week of samples at a minute's step overflows the call stack.
    for (const line of family.lines) out.push(line);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/**
 * In the name of every suite that needs the real binaries: the run's last line counts those skipped without them
 * (prometheus-skip-reporter.ts).
 */
export const REAL_PROMETHEUS = 'against a real Debian prometheus';

export async function prometheusBinariesPresent(): Promise<boolean> {
  try {
    await run('prometheus', ['--version']);
    await run('promtool', ['--version']);
    return true;
  } catch {
    return false;
  }
}

export interface RunningPrometheus {
  baseUrl: string;
  /** The last sample's time: query here and every window ending now holds only flat data. */
  at: Date;
  /**
   * Every query Prometheus has evaluated so far, oldest first, from its own query log (`query_log_file`): started
   * with `logQueries` only. Prometheus writes a query's line before it answers, so a query is here once answered.
   */
  loggedQueries(): Promise<LoggedQuery[]>;
  /** The labels of every series the vector selectors of `promql` select, each selector asked of Prometheus. */
  seriesSelectedBy(promql: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

export interface LoggedQuery {
  /** `/api/v1/query` or `/api/v1/query_range`. */
  path: string;
  query: string;
}

export async function startPrometheus(
  cloud: SyntheticCloud,
  /**
   * `port`: where to listen, for a Steward configured before the series (which need its instance uuids) exist;
   * `logQueries`: keep Prometheus's query log, for `loggedQueries`.
   */
  options: { durationSeconds?: number; stepSeconds?: number; port?: number; logQueries?: boolean } = {},
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'steward-prom-'));
  const stepSeconds = options.stepSeconds ?? 60;
  const end = Math.floor(Date.now() / 1000 / stepSeconds) * stepSeconds - stepSeconds;
  await writeFile(
    join(dir, 'history.om'),
    generateOpenMetrics(cloud, { end, durationSeconds: options.durationSeconds ?? 4 * 3600, stepSeconds }),
  );
  await run('promtool', [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    '-q',
    // promtool reads the whole file again for every block: in its default 2-hour blocks, 7 days take minutes.
    `--max-block-duration=${Math.ceil((options.durationSeconds ?? 4 * 3600) / 3600)}h`,
    join(dir, 'history.om'),
    join(dir, 'data'),
  ]);
  const port = options.port ?? (await freePort());
  const queryLog = join(dir, 'queries.log');
  // Targets are unreachable on purpose: upstream resolves hosts from the labels of active targets, not from scrapes.
  const targets = cloud.hosts
    .map(
      (host) =>
        `      - targets: ['127.0.0.1:9']\n        labels: {fqdn: '${host.fqdn}', instance: '${host.fqdn}:9100'}`,
    )
    .join('\n');
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1h\n${options.logQueries ? `  query_log_file: ${queryLog}\n` : ''}scrape_configs:\n  - job_name: node\n    scrape_timeout: 5s\n    static_configs:\n${targets}\n`,
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const ready = await fetch(`${baseUrl}/-/ready`);
      const targetsAnswer = ready.ok
        ? ((await (await fetch(`${baseUrl}/api/v1/targets?state=active`)).json()) as {
            data: { activeTargets: unknown[] };
          })
        : undefined;
      if (targetsAnswer && targetsAnswer.data.activeTargets.length >= cloud.hosts.length) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus on ${baseUrl} not ready after 60 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const loggedQueries = async (): Promise<LoggedQuery[]> => {
    if (!options.logQueries) throw new Error('startPrometheus was not asked to log queries (logQueries)');
    const text = await readFile(queryLog, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const entry = JSON.parse(line) as { httpRequest?: { path?: string }; params: { query: string } };
        return { path: entry.httpRequest?.path ?? '', query: entry.params.query };
      });
  };
  const apiData = async <T>(path: string, params: Record<string, string | string[]>): Promise<T> => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params))
      for (const one of [value].flat()) search.append(key, one);
    const answer = (await (await fetch(`${baseUrl}${path}?${search.toString()}`)).json()) as {
      status: string;
      data: T;
      error?: string;
    };
    if (answer.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${answer.error}`);
    return answer.data;
  };
  const seriesSelectedBy = async (promql: string): Promise<Record<string, string>[]> => {
    const formatted = await apiData<string>('/api/v1/format_query', { query: promql });
    const names = new Set(await apiData<string[]>('/api/v1/label/__name__/values', {}));
    const selectors = vectorSelectors(formatted, names);
    return selectors.length === 0 ? [] : apiData('/api/v1/series', { 'match[]': selectors });
  };
  return { baseUrl, at: new Date(end * 1000), loggedQueries, seriesSelectedBy, stop };
}

/**
 * The vector selectors of a PromQL expression as Prometheus formats it: every `name{…}` or `{…}` (braces inside
 * quoted label values skipped), and every metric name of `metricNames` standing alone outside them, which selects
 * every series of that name. Durations, functions, keywords and grouping labels are neither.
 */
export function vectorSelectors(formatted: string, metricNames: ReadonlySet<string>): string[] {
  const selectors: string[] = [];
  let rest = '';
  let index = 0;
  while (index < formatted.length) {
    const char = formatted[index]!;
    if (char === '"' || char === "'" || char === '`') {
      const close = closingQuote(formatted, index);
      rest += ' '.repeat(close + 1 - index);
      index = close + 1;
    } else if (char === '{') {
      const name = /[a-zA-Z_:][a-zA-Z0-9_:]*$/.exec(rest)?.[0] ?? '';
      let close = index + 1;
      while (formatted[close] !== '}') {
        if (close >= formatted.length) throw new Error(`unclosed selector in ${formatted}`);
        close = /["'`]/.test(formatted[close]!) ? closingQuote(formatted, close) + 1 : close + 1;
      }
      selectors.push(name + formatted.slice(index, close + 1));
      rest = rest.slice(0, rest.length - name.length) + ' ';
      index = close + 1;
    } else {
      rest += char;
      index++;
    }
  }
  for (const token of rest.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])
    if (metricNames.has(token)) selectors.push(token);
  return selectors;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open]!;
  for (let index = open + 1; index < text.length; index++) {
    if (text[index] === '\\' && quote !== '`') index++;
    else if (text[index] === quote) return index;
  }
  throw new Error(`unclosed string in ${text}`);
}
