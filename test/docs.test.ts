import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@signet/core';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every error code, with the meaning ERROR_CODES gives it', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(readme, `README error table misses ${code}`).toContain(`| \`${code}\` | ${meaning.replace(/\|/g, '\\|')} |`);
    }
    const listed = [...readme.matchAll(/^\| `([a-z_]+)` \| /gm)].map((m) => m[1]);
    const table = readme.slice(readme.indexOf('## Error codes'));
    for (const code of [...table.matchAll(/^\| `([a-z_]+)` \| /gm)].map((m) => m[1]!)) {
      expect(Object.keys(ERROR_CODES), `README lists ${code}, which is not an error code`).toContain(code);
    }
    expect(listed.length).toBeGreaterThan(0);
  });

  it('gives the two quick-start commands, and CI runs the README test command', () => {
    expect(readme).toContain('npm install -g pnpm@12.4.2 && pnpm install && pnpm demo');
    expect(readme).toContain('bash .ci/run');
    expect(ci).toMatch(/^pnpm test$/m);
    expect(ci).toContain('PNPM_VERSION=12.4.2');
  });
});
