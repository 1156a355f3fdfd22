// A command called without a required argument, or with an unknown subcommand: bin/fedmark.ts
// prints the message as one line with a pointer to the command's --help and exits 2, as for a bad
// flag (node:util parseArgs has no required options, so commands check their own and throw this).
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function usageError(message: string): never {
  throw new UsageError(message);
}
