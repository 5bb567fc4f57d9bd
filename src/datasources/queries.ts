/**
 * PromQL for every abstract metric. The four metrics upstream Watcher serves from Prometheus use Watcher's exact
 * queries (watcher/decision_engine/datasources/prometheus_base.py), including its inversion of max/min for host
 * metrics (they query idle CPU and available memory), with one change: host RAM is divided down to MiB, not KiB.
 * The others read node_exporter (cpu modes, PSI, network, filesystems), the libvirt exporter (vCPU delay, block
 * times, `domain` label = instance uuid) and Ceilometer's Prometheus publisher (`resource` label = instance uuid;
 * its IPMI node meters carry the host label, as node_exporter's series do).
 */
import type { Aggregate, MetricName } from './metrics-source.js';

export interface QueryLabels {
  /** Label carrying the compute hostname on node_exporter series (upstream `fqdn_label`). */
  host: string;
  /** Label carrying the instance uuid on Ceilometer series (upstream `instance_uuid_label`). */
  instance: string;
  /** Label carrying the instance uuid on libvirt exporter series. */
  domain: string;
}

export interface QuerySpec {
  promql: string;
  /** The label whose value names the resource in each result series. */
  keyLabel: string;
  /** The value is per whole domain and must be divided by the instance's vCPUs (done by the caller). */
  perVcpu: boolean;
}

export interface QueryInput {
  aggregate: Aggregate;
  periodSeconds: number;
  /**
   * Restrict to one resource (label value), or to a set of them (an anchored regex alternation of the escaped
   * values: how tenant dashboards inject a project's instances); omitted for the batched, whole-cluster form.
   */
  match?: string | readonly string[];
  /** Known vCPUs of the one instance, for upstream's instance CPU query. */
  vcpus?: number;
  /** Window of rate() inside subqueries; must span at least two scrapes. */
  rateWindowSeconds: number;
}

const AGG_BY: Record<Aggregate, string> = { mean: 'avg', max: 'max', min: 'min' };
// Host CPU and RAM are measured through their complement (idle, available), so the extreme flips.
const INVERTED: Record<Aggregate, string> = { mean: 'avg', max: 'min', min: 'max' };

export const escapeLabelValue = (value: string): string => value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

/** RE2 metacharacters escaped, so a value matches only itself inside a regex matcher. */
export const escapeRegex = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The matcher restricting `label` to `match`: `fqdn='host'` for one value; `resource=~'^(?:a|b)$'` for a set. An
 * empty set matches nothing: a series cannot both have the label empty and not empty.
 */
export function resourceMatcher(label: string, match: string | readonly string[]): string {
  if (typeof match === 'string') return `${label}='${escapeLabelValue(match)}'`;
  if (match.length === 0) return `${label}='',${label}!=''`;
  return `${label}=~'${escapeLabelValue(`^(?:${match.map(escapeRegex).join('|')})$`)}'`;
}

/** Label matchers on the same line as upstream: `mode='idle',fqdn='host'`. */
const matchers = (fixed: string[], label: string, match: string | readonly string[] | undefined): string =>
  [...fixed, ...(match === undefined ? [] : [resourceMatcher(label, match)])].join(',');

/**
 * Upstream's meters for the thermal metrics (its Gnocchi map: `hardware.ipmi.node.<meter>`), as Ceilometer's
 * Prometheus exporter names them. The series carry the host label the scrape adds to every exporter on the host.
 */
const IPMI_METERS = {
  host_outlet_temp: 'outlet_temperature',
  host_inlet_temp: 'temperature',
  host_airflow: 'airflow',
  host_power: 'power',
} as const;

const NIC_FILTER = "device!~'lo|tap.*|vnet.*|veth.*|virbr.*|qbr.*|qvb.*|qvo.*|br-.*|docker.*|ovs-system'";
const FS_FILTER = "fstype!~'tmpfs|devtmpfs|overlay|squashfs|nsfs|ramfs|iso9660'";

/** Aggregates an instant expression over the period with a subquery (resolution ~240 points, at least 60 s). */
function overPeriod(expression: string, input: QueryInput): string {
  const resolution = Math.max(60, Math.round(input.periodSeconds / 240));
  return `${AGG_BY[input.aggregate]}_over_time((${expression})[${input.periodSeconds}s:${resolution}s])`;
}

export function buildQuery(metric: MetricName, labels: QueryLabels, input: QueryInput): QuerySpec {
  const { host: L, instance: U, domain: D } = labels;
  const P = input.periodSeconds;
  const on = (label: string, ...fixed: string[]): string => matchers(fixed, label, input.match);
  switch (metric) {
    case 'host_cpu_usage':
      return {
        promql: `100 - (${INVERTED[input.aggregate]} by (${L})(rate(node_cpu_seconds_total{${on(L, "mode='idle'")}}[${P}s])) * 100)`,
        keyLabel: L,
        perVcpu: false,
      };
    case 'host_ram_usage':
      return {
        promql: `(node_memory_MemTotal_bytes{${on(L)}} - ${INVERTED[input.aggregate]}_over_time(node_memory_MemAvailable_bytes{${on(L)}}[${P}s])) / 1024 / 1024`,
        keyLabel: L,
        perVcpu: false,
      };
    case 'instance_ram_usage':
      return {
        promql: `${AGG_BY[input.aggregate]}_over_time(ceilometer_memory_usage{${on(U)}}[${P}s])`,
        keyLabel: U,
        perVcpu: false,
      };
    case 'instance_cpu_usage':
      if (input.vcpus !== undefined) {
        return {
          promql: `clamp_max((${AGG_BY[input.aggregate]} by (${U})(rate(ceilometer_cpu{${on(U)}}[${P}s]))/10e+8) *(100/${input.vcpus}), 100)`,
          keyLabel: U,
          perVcpu: false,
        };
      }
      return {
        promql: `(${AGG_BY[input.aggregate]} by (${U})(rate(ceilometer_cpu{${on(U)}}[${P}s]))/10e+8) * 100`,
        keyLabel: U,
        perVcpu: true,
      };
    case 'host_cpu_steal_pct':
    case 'host_io_wait_pct': {
      const mode = metric === 'host_cpu_steal_pct' ? 'steal' : 'iowait';
      return {
        promql: counter(
          input,
          (w) => `avg by (${L})(rate(node_cpu_seconds_total{${on(L, `mode='${mode}'`)}}[${w}s])) * 100`,
        ),
        keyLabel: L,
        perVcpu: false,
      };
    }
    case 'host_pressure_cpu':
    case 'host_pressure_memory':
    case 'host_pressure_io': {
      const resource = metric.slice('host_pressure_'.length);
      return {
        promql: counter(
          input,
          (w) => `avg by (${L})(rate(node_pressure_${resource}_waiting_seconds_total{${on(L)}}[${w}s]))`,
        ),
        keyLabel: L,
        perVcpu: false,
      };
    }
    case 'host_network_rx_bytes_per_s':
    case 'host_network_tx_bytes_per_s': {
      const direction = metric === 'host_network_rx_bytes_per_s' ? 'receive' : 'transmit';
      return {
        promql: counter(
          input,
          (w) => `sum by (${L})(rate(node_network_${direction}_bytes_total{${on(L, NIC_FILTER)}}[${w}s]))`,
        ),
        keyLabel: L,
        perVcpu: false,
      };
    }
    case 'host_disk_used_gb':
      return {
        promql: gauge(
          input,
          (g) =>
            `sum by (${L})(${g(`node_filesystem_size_bytes{${on(L, FS_FILTER)}}`)} - ${g(`node_filesystem_avail_bytes{${on(L, FS_FILTER)}}`)}) / 1073741824`,
        ),
        keyLabel: L,
        perVcpu: false,
      };
    case 'instance_cpu_steal_pct':
      return {
        promql: counter(
          input,
          (w) => `sum by (${D})(rate(libvirt_domain_vcpu_delay_seconds_total{${on(D)}}[${w}s])) * 100`,
        ),
        keyLabel: D,
        perVcpu: true,
      };
    case 'instance_io_wait_pct':
      return {
        promql: counter(
          input,
          (w) =>
            `clamp_max((sum by (${D})(rate(libvirt_domain_block_stats_read_time_seconds_total{${on(D)}}[${w}s])) + sum by (${D})(rate(libvirt_domain_block_stats_write_time_seconds_total{${on(D)}}[${w}s]))) * 100, 100)`,
        ),
        keyLabel: D,
        perVcpu: false,
      };
    case 'host_outlet_temp':
    case 'host_inlet_temp':
    case 'host_airflow':
    case 'host_power': {
      const series = `ceilometer_hardware_ipmi_node_${IPMI_METERS[metric]}{${on(L)}}`;
      return {
        promql: gauge(input, (g) => `avg by (${L})(${g(series)})`),
        keyLabel: L,
        perVcpu: false,
      };
    }
    case 'instance_disk_used_gb':
      return {
        promql: gauge(
          input,
          (g) => `sum by (${D})(${g(`libvirt_domain_block_stats_allocation_bytes{${on(D)}}`)}) / 1073741824`,
        ),
        keyLabel: D,
        perVcpu: false,
      };
    case 'instance_network_rx_bytes_per_s':
    case 'instance_network_tx_bytes_per_s': {
      const direction = metric === 'instance_network_rx_bytes_per_s' ? 'receive' : 'transmit';
      return {
        promql: counter(
          input,
          (w) =>
            `sum by (${D})(rate(libvirt_domain_interface_stats_${direction}_bytes_total{${on(D)}}[${w}s]))`,
        ),
        keyLabel: D,
        perVcpu: false,
      };
    }
    case 'instance_l3_cache_usage':
      return {
        promql: gauge(input, (g) => `avg by (${U})(${g(`ceilometer_cpu_l3_cache{${on(U)}}`)}) / 1048576`),
        keyLabel: U,
        perVcpu: false,
      };
    case 'instance_cache_miss_rate':
      // Over a period this is total misses / total references, not a mean of per-sample ratios.
      return {
        promql: gauge(
          input,
          (g) =>
            `sum by (${U})(${g(`ceilometer_perf_cache_misses{${on(U)}}`)}) / sum by (${U})(${g(`ceilometer_perf_cache_references{${on(U)}}`)})`,
        ),
        keyLabel: U,
        perVcpu: false,
      };
  }
}

/**
 * A counter-based metric: the mean over the period is the rate over the whole period (no subquery, so any
 * Prometheus-compatible API serves it); max/min take the rate over a short window inside a subquery.
 */
function counter(input: QueryInput, expression: (windowSeconds: number) => string): string {
  return input.aggregate === 'mean'
    ? expression(input.periodSeconds)
    : overPeriod(expression(input.rateWindowSeconds), input);
}

/** A gauge-based metric: the mean is avg_over_time of each gauge; max/min a subquery of the instant expression. */
function gauge(input: QueryInput, expression: (sample: (selector: string) => string) => string): string {
  return input.aggregate === 'mean'
    ? expression((selector) => `avg_over_time(${selector}[${input.periodSeconds}s])`)
    : overPeriod(
        expression((selector) => selector),
        input,
      );
}

/** vCPUs per instance, for per-vCPU metrics when the caller does not know the flavor. */
export const vcpuQuery = (labels: QueryLabels, match?: string | readonly string[]): QuerySpec => ({
  promql: `max by (${labels.domain})(libvirt_domain_info_virtual_cpus{${matchers([], labels.domain, match)}})`,
  keyLabel: labels.domain,
  perVcpu: false,
});
