/**
 * The simulated cloud's defaults that the `steward simulator` command shows in its help, kept apart from the
 * simulator itself so that the command's registration loads none of it.
 */
export const LOAD_PATTERNS = ['diurnal', 'flat', 'noisy', 'planetlab'] as const;
export const DEFAULT_BANDWIDTH_MB_PER_S = 1024;
export const DEFAULT_HOST_LABEL = 'fqdn';
export const DEFAULT_PORT = 8774;
