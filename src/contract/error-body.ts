/**
 * Watcher's double-encoded error body: `{"error_message": "<JSON of {faultcode, faultstring, debuginfo}>"}`.
 * python-watcherclient decodes it twice, so the inner value must stay a JSON string.
 */
export interface WatcherFault {
  faultcode: 'Client' | 'Server';
  faultstring: string;
  debuginfo: string | null;
}

export interface WatcherErrorBody {
  error_message: string;
}

export function toWatcherErrorBody(status: number, faultstring: string): WatcherErrorBody {
  const fault: WatcherFault = { faultcode: status < 500 ? 'Client' : 'Server', faultstring, debuginfo: null };
  return { error_message: JSON.stringify(fault) };
}

/** Reads a Watcher error body back into its faultstring; falls back to the raw text for foreign errors. */
export function readWatcherFault(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error_message' in body)) return undefined;
  const raw = body.error_message;
  if (typeof raw !== 'string') return undefined;
  try {
    const fault = JSON.parse(raw) as Partial<WatcherFault>;
    return typeof fault.faultstring === 'string' ? fault.faultstring : raw;
  } catch {
    return raw;
  }
}
