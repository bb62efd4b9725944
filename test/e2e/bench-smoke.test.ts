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

  it('--only runs the sections named, and writes nothing', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', 'bench/run.mjs', '--smoke', '--only=sign,directory'], { timeout: 60_000 });
    expect(stdout).toContain('sign ed25519');
    expect(stdout).toContain('Directory:');
    expect(stdout).not.toContain('verify ed25519');
    expect(stdout).not.toContain('Replay store:');
    expect(stdout).toContain('sections sign, directory only: nothing written');
  }, 70_000);
});
