/**
 * A command line the CLI cannot act on (a `-p` without `=`, an unknown column): printed as one line naming the
 * mistake, exit status 2, never a stack.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit status of a usage error, as cliff (argparse) uses it. */
export const EXIT_USAGE = 2;
