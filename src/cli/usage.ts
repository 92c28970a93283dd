// usage.ts: the error for a mistake on the command line, which the command reports in one line
// with exit status 2.

/** A mistake in the arguments: reported in one line, exit status 2. */
export class UsageError extends Error {}
