/** Process exit codes shared by every `rpowatch` subcommand (documented in docs/cli.md). */
export const ExitCode = {
  ok: 0,
  /** Something failed at run time (a service could not start, a check found problems). */
  failure: 1,
  /** The command line itself was wrong: unknown option, missing argument. */
  usage: 2,
  /** A configuration file is missing, unreadable or invalid. */
  config: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
