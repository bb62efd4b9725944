import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('pnpm bench harness (smoke: correctness, not timings)', () => {
  it('runs every section, checks every row verifies/signs correctly, and reports the targets', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', 'bench/run.mjs', '--smoke'], { timeout: 120_000, maxBuffer: 10 * 1024 * 1024 });
    for (const section of ['verify ed25519', 'verify ecdsa-p256-sha256', 'verify rsa-pss-sha512', 'sign ed25519', 'HTTP, node:http', 'Directory:', 'Replay store:', 'Targets']) {
      expect(stdout).toContain(section);
    }
    expect(stdout).toMatch(/→ 1 directory fetch\(es\), 100 accepted/);
  }, 130_000);
});
