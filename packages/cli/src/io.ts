/**
 * The command line's contact with the outside world, behind one small interface so that commands
 * can be run in-process with fake streams, a fixed clock and a given environment.
 * @module
 */

/** What a command may use of its process: output streams, standard input, environment, clock. */
export interface CliIo {
  /** Writes to standard output (text or exact bytes). */
  stdout(data: string | Uint8Array): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Reads all of standard input. */
  readStdin(): Promise<Buffer>;
  /** True when standard input is a terminal (nothing piped in). */
  readonly stdinIsTTY: boolean;
  /** True when standard output is a terminal (color is allowed). */
  readonly stdoutIsTTY: boolean;
  /** The environment (`NO_COLOR`, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The current time in UNIX seconds. */
  now(): number;
  /** The fetch `signet fetch` sends requests with (default `globalThis.fetch`). */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Resolves with the signal's name when the process is asked to stop (SIGINT, SIGTERM): how
   * `signet directory --serve` knows when to close its server. Default: the process's own signals.
   */
  untilStopped?(): Promise<string>;
}

/** Resolves with the name of the first SIGINT or SIGTERM the process receives (then stops listening). */
export function processStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, onSignal);
      resolve(signal);
    };
    for (const s of signals) process.on(s, onSignal);
  });
}

/** The {@link CliIo} of the running Node.js process. */
export function nodeIo(): CliIo {
  return {
    stdout: (data) => {
      process.stdout.write(data);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer));
      return Buffer.concat(chunks);
    },
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
    now: () => Math.floor(Date.now() / 1000),
    fetch: (input, init) => globalThis.fetch(input, init),
    untilStopped: processStopSignal,
  };
}
