/**
 * The `signet` dispatcher: picks the command from a command table, handles `--help`, `--version`,
 * and unknown commands, and turns every error into `error <code>: <message>` and an exit code.
 * @module
 */
import { readFileSync } from 'node:fs';
import { closest, wantsHelp } from './args.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, usageError, type Command } from './command.js';
import type { CliIo } from './io.js';
import { printError } from './output.js';

/** The commands of a `signet` binary. */
export interface CommandTable {
  /** Runnable commands, in the order `signet --help` lists them. */
  readonly commands: readonly Command[];
}

/** The version of `@signet/cli`, from its package.json. */
export function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The text of `signet --help`. */
export function mainHelp(table: CommandTable): string {
  const width = Math.max(...table.commands.map((c) => c.name.length));
  const lines = table.commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `signet: HTTP Message Signatures (RFC 9421) for AI agents: sign requests, verify agents.

Usage: signet <command> [options] [arguments]
       (from a clone of the repository: pnpm signet <command> ...)

Commands:
${lines.join('\n')}

Run "signet <command> --help" for a command's options and an example.
Messages are raw HTTP/1.1 text (CRLF or LF line ends), from a file or standard input ("-").
Exit codes: 0 valid or done, 1 signature or policy failure (fetch: a status other than 2xx, or
no response), 2 bad usage or unreadable input.
Errors are printed as "error <code>: <message>".

Example:
  signet keygen --out alice.jwk
  printf 'GET /hello HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n' > request.http
  signet sign --key alice.jwk --components '"@method" "@authority" "@path"' request.http > signed.http
  signet verify --key alice.jwk signed.http

  signet directory --key alice.jwk --serve 8080 &     # publish the public key, as an agent does
  signet fetch http://127.0.0.1:3000/hello --key alice.jwk --agent http://127.0.0.1:8080 -v
`;
}

/**
 * Runs `signet` with `argv` (the arguments after the program name) and resolves to the exit code.
 * Never throws: errors are printed on standard error.
 */
export async function runCli(argv: readonly string[], table: CommandTable, io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  const find = (name: string): Command | undefined => table.commands.find((c) => c.name === name);
  try {
    if (first === undefined) {
      io.stderr(mainHelp(table));
      printError(io, usageError('No command given. Run "signet --help" and pick one of the commands above.'));
      return EXIT_USAGE;
    }
    if (first === '--help' || first === '-h') {
      io.stdout(mainHelp(table));
      return EXIT_OK;
    }
    if (first === '--version' || first === '-V') {
      io.stdout(`${cliVersion()}\n`);
      return EXIT_OK;
    }
    if (first === 'help') {
      const topic = rest[0];
      const command = topic === undefined ? undefined : find(topic);
      if (topic !== undefined && command === undefined) throw unknownCommand(topic, table);
      io.stdout(command === undefined ? mainHelp(table) : command.help);
      return EXIT_OK;
    }
    if (first.startsWith('-')) {
      throw usageError(`${first} is not a command. Options go after the command, as in "signet verify --json …"; run "signet --help" for the commands.`);
    }
    const command = find(first);
    if (command === undefined) throw unknownCommand(first, table);
    if (wantsHelp(rest)) {
      io.stdout(command.help);
      return EXIT_OK;
    }
    return await command.run(rest, io);
  } catch (error) {
    printError(io, error);
    return exitCodeFor(error);
  }
}

function unknownCommand(name: string, table: CommandTable): Error {
  const suggestion = closest(name, table.commands.map((c) => c.name));
  return usageError(
    `Unknown command "${name}".${suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`} Commands: ${table.commands.map((c) => c.name).join(', ')}. Run "signet --help".`,
  );
}
