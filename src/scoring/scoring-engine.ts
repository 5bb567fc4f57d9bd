/**
 * Scoring engines (upstream `watcher/decision_engine/scoring/`): a named function from a JSON feature vector to a
 * JSON result, with metainfo telling how to read it. Strategies may use them through their context.
 */
export interface ScoringEngine {
  readonly name: string;
  readonly description: string;
  /** JSON string describing features and results, as upstream exposes it. */
  readonly metainfo: string;
  calculateScore(featuresJson: string): string;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const WORKLOADS = ['idle', 'cpu-intensive', 'memory-intensive', 'io-intensive', 'network-intensive'] as const;

/**
 * Rule-based workload classifier over 9 host features (processor time %, memory total/available bytes, page
 * reads/writes, disk read/write bytes, network received/sent bytes); answers `[workloadIndex]`.
 */
export const dummyScorer: ScoringEngine = {
  name: 'dummy_scorer',
  description: 'Dummy workload classifier',
  metainfo: JSON.stringify({
    feature_columns: [
      'proc-processor-time-%',
      'mem-total-bytes',
      'mem-avail-bytes',
      'mem-page-reads/sec',
      'mem-page-writes/sec',
      'disk-read-bytes/sec',
      'disk-write-bytes/sec',
      'net-bytes-received/sec',
      'net-bytes-sent/sec',
    ],
    result_columns: ['workload'],
    workloads: WORKLOADS,
  }),
  calculateScore(featuresJson) {
    const features = parseNumbers(featuresJson, 9);
    const [cpuPct, memTotal, memAvail, pageReads, pageWrites, diskRead, diskWrite, netIn, netOut] =
      features as [number, number, number, number, number, number, number, number, number];
    let workload = 0;
    if (cpuPct > 80) workload = 1;
    else if (memAvail / Math.max(memTotal, 1) < 0.25 || pageReads + pageWrites > 3000) workload = 2;
    else if (diskRead + diskWrite > 300 * MIB) workload = 3;
    else if (netIn + netOut > 20 * MIB) workload = 4;
    return JSON.stringify([workload]);
  },
};

function aggregateScorer(
  name: string,
  description: string,
  aggregate: (values: number[]) => number,
): ScoringEngine {
  return {
    name,
    description,
    metainfo: '',
    calculateScore: (featuresJson) => JSON.stringify([aggregate(parseNumbers(featuresJson))]),
  };
}

export const dummyMinScorer = aggregateScorer(
  'dummy_min_scorer',
  'Dummy Scorer calculating the minimum value',
  (values) => Math.min(...values),
);
export const dummyMaxScorer = aggregateScorer(
  'dummy_max_scorer',
  'Dummy Scorer calculating the maximum value',
  (values) => Math.max(...values),
);
export const dummyAvgScorer = aggregateScorer(
  'dummy_avg_scorer',
  'Dummy Scorer calculating the average value',
  (values) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1),
);

function parseNumbers(featuresJson: string, expectedLength?: number): number[] {
  const parsed: unknown = JSON.parse(featuresJson);
  if (!Array.isArray(parsed) || parsed.some((value) => typeof value !== 'number')) {
    throw new TypeError('scoring engine features must be a JSON array of numbers');
  }
  if (expectedLength !== undefined && parsed.length !== expectedLength) {
    throw new TypeError(`scoring engine expects ${expectedLength} features, got ${parsed.length}`);
  }
  return parsed as number[];
}

export { GIB as BYTES_PER_GIB, MIB as BYTES_PER_MIB };
