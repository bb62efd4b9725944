#!/usr/bin/env node
/**
 * The `signet` executable: the command table and nothing else.
 * @module
 */
import { runCli, type CommandTable } from './cli.js';
import { base } from './commands/base.js';
import { directory } from './commands/directory.js';
import { fetchCommand } from './commands/fetch.js';
import { inspect } from './commands/inspect.js';
import { keygen } from './commands/keygen.js';
import { sign } from './commands/sign.js';
import { verify } from './commands/verify.js';
import { nodeIo } from './io.js';

/**
 * Every `signet` command, in `signet --help` order. To add one: write src/commands/<name>.ts
 * exporting a `Command`, import it here and add it to `commands`.
 */
const TABLE: CommandTable = {
  commands: [verify, sign, base, keygen, inspect, directory, fetchCommand],
};

process.exitCode = await runCli(process.argv.slice(2), TABLE, nodeIo());
