/**
 * The real Watcher's strategy timings as recorded on this project's 2-core machine, quoted from the shared
 * scenarios' READMEs (`shared/data/scenarios/README.md`, 2026-11-24, and `overcommit/README.md`, 2026-11-25):
 * wall seconds of `strategy.execute()` under `peers/watcher/strategy_bench.py`, Debian python3-watcher 9.0.0.
 * The strategies bench prints them, labelled as recorded, where Watcher is not run in the same run.
 */
export interface RecordedTiming {
  seconds: number;
  /** The run hit its timeout: Watcher takes longer than `seconds`. */
  timedOut?: boolean;
  recordedOn: string;
}

type Variant = 'ratio-1.0' | 'overcommit';

export const WATCHER_RECORDED: Readonly<
  Record<Variant, Readonly<Record<string, Readonly<Record<string, RecordedTiming>>>>>
> = {
  'ratio-1.0': {
    vm_workload_consolidation: {
      '10x50': { seconds: 0.013, recordedOn: '2026-11-24' },
      '100x1000': { seconds: 0.99, recordedOn: '2026-11-24' },
      '1000x10000': { seconds: 203.6, recordedOn: '2026-11-24' },
    },
    basic: {
      '10x50': { seconds: 0.027, recordedOn: '2026-11-24' },
      '100x1000': { seconds: 4.28, recordedOn: '2026-11-24' },
      '1000x10000': { seconds: 538.7, recordedOn: '2026-11-24' },
    },
    node_resource_consolidation: {
      '10x50': { seconds: 0.009, recordedOn: '2026-11-24' },
      '100x1000': { seconds: 1.73, recordedOn: '2026-11-24' },
      '1000x10000': { seconds: 1500, timedOut: true, recordedOn: '2026-11-24' },
    },
  },
  overcommit: {
    vm_workload_consolidation: {
      '10x50': { seconds: 0.032, recordedOn: '2026-11-25' },
      '100x1000': { seconds: 2.0, recordedOn: '2026-11-25' },
      '1000x10000': { seconds: 345, recordedOn: '2026-11-25' },
    },
    basic: {
      '10x50': { seconds: 0.035, recordedOn: '2026-11-25' },
      '100x1000': { seconds: 7.5, recordedOn: '2026-11-25' },
      '1000x10000': { seconds: 734, recordedOn: '2026-11-25' },
    },
  },
};
