/**
 * `@signet/cli`: the `signet` command line (bin `signet`), also usable in-process: run a command
 * table with {@link runCli} and a {@link CliIo} of your own (fake streams, a fixed clock).
 * @packageDocumentation
 */
export { runCli, mainHelp, cliVersion, type CommandTable } from './cli.js';
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE, exitCodeFor, usageError, type Command } from './command.js';
export { nodeIo, processStopSignal, type CliIo } from './io.js';
export { formatError, colorEnabled } from './output.js';
export { PROFILES, profilePolicy, type Profile, type CheckReport } from './verification.js';
export { verify } from './commands/verify.js';
export { sign } from './commands/sign.js';
export { base } from './commands/base.js';
export { keygen } from './commands/keygen.js';
export { inspect } from './commands/inspect.js';
export { directory } from './commands/directory.js';
export { fetchCommand } from './commands/fetch.js';
