import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('pnpm demo', () => {
  it('plays the seven scenarios on loopback and every outcome matches', async () => {
    const { stdout } = await run(process.execPath, ['examples/demo.mjs'], { timeout: 60_000 });
    const rows = stdout.split('\n').filter((line) => /^\d\. /.test(line));
    expect(rows).toHaveLength(7);
    for (const row of rows) expect(row).toMatch(/ ok$/);
    expect(rows[1]).toContain('replayed');
    expect(rows[2]).toContain('token_key_mismatch');
    expect(rows[4]).toContain('digest_mismatch');
    expect(rows[6]).toMatch(/200 +agent Alpha +ok$/);
    expect(stdout).toContain('Every scenario went as expected.');
  }, 70_000);
});
