/** How long simulated moves take and how far along they are. */

/** Copying the guest's memory (or a volume) at the configured bandwidth; at least 1 ms so a move is never instant. */
export function moveDurationMs(sizeMb: number, bandwidthMbPerS: number): number {
  if (!(bandwidthMbPerS > 0))
    throw new RangeError(`migration bandwidth must be positive, got ${bandwidthMbPerS}`);
  return Math.max(1, Math.round((sizeMb / bandwidthMbPerS) * 1000));
}

/** Fraction done in [0, 1] of a move that started at startedMs. */
export function moveProgress(startedMs: number, durationMs: number, nowMs: number): number {
  return Math.min(1, Math.max(0, (nowMs - startedMs) / durationMs));
}
