/**
 * The time window of a dashboard: a range from 1 hour to 7 days ending now, and the step that keeps every series
 * under MAX_POINTS points. The step is one of a few round values and both ends are aligned to it, so the same
 * request a minute later asks Prometheus for the same grid (and the browser's charts do not jitter).
 */
import { invalid } from '../errors.js';

export const MIN_RANGE_SECONDS = 3600;
export const MAX_RANGE_SECONDS = 7 * 86400;
/** Points per series at most (uPlot draws far more, but a 7-day view needs no finer grain than ~20 min). */
export const MAX_POINTS = 500;
/** Round steps, seconds: a minute up to a day. */
export const STEPS = [60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400] as const;
/**
 * Each point is the mean over at least this window (5 min): shorter windows hold fewer than two scrapes at
 * Prometheus's usual 30–60 s interval, and rate() over one sample is empty.
 */
export const MIN_POINT_WINDOW_SECONDS = 300;

export interface DashboardRange {
  /** As the caller wrote it, e.g. `24h`. */
  text: string;
  seconds: number;
  stepSeconds: number;
  /** Window each point averages over: the step, at least MIN_POINT_WINDOW_SECONDS. */
  windowSeconds: number;
  start: Date;
  end: Date;
}

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400 };

/** `90m`, `6h`, `7d` → seconds; anything else (negative, fractional, other units, empty) is a 400. */
export function parseRangeSeconds(text: string): number {
  const parsed = /^([1-9][0-9]{0,4})([mhd])$/.exec(text);
  const seconds = parsed ? Number(parsed[1]) * UNIT_SECONDS[parsed[2]!]! : NaN;
  if (!(seconds >= MIN_RANGE_SECONDS && seconds <= MAX_RANGE_SECONDS)) {
    throw invalid(
      `Invalid range '${text}': a dashboard range is a whole number of minutes, hours or days (m, h, d) from 1h to 7d, e.g. 1h, 6h, 24h, 7d`,
      { range: text, min: '1h', max: '7d' },
      'INVALID_RANGE',
    );
  }
  return seconds;
}

/** The smallest round step giving at most `maxPoints` points over `rangeSeconds` (both ends included). */
export function chooseStep(rangeSeconds: number, maxPoints = MAX_POINTS): number {
  const step = STEPS.find((candidate) => Math.floor(rangeSeconds / candidate) + 1 <= maxPoints);
  if (step === undefined) throw new RangeError(`no step keeps ${rangeSeconds} s under ${maxPoints} points`);
  return step;
}

export function dashboardRange(text: string, now: Date): DashboardRange {
  const seconds = parseRangeSeconds(text);
  const stepSeconds = chooseStep(seconds);
  const endS = Math.floor(now.getTime() / 1000 / stepSeconds) * stepSeconds;
  // The start is aligned too: a range that is not a multiple of the step loses its partial first step.
  const startS = endS - Math.floor(seconds / stepSeconds) * stepSeconds;
  return {
    text,
    seconds,
    stepSeconds,
    windowSeconds: Math.max(stepSeconds, MIN_POINT_WINDOW_SECONDS),
    start: new Date(startS * 1000),
    end: new Date(endS * 1000),
  };
}

/** The grid's timestamps in epoch seconds, as uPlot takes them. */
export function timestamps(range: DashboardRange): number[] {
  const out: number[] = [];
  for (let t = range.start.getTime() / 1000; t <= range.end.getTime() / 1000; t += range.stepSeconds)
    out.push(t);
  return out;
}
