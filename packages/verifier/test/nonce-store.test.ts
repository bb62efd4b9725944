import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryNonceStore, RedisNonceStore, nonceKey, type RedisClientLike } from '@signet/verifier';

describe('MemoryNonceStore', () => {
  it('first use true, reuse false, until the ttl passes; then the key may be used again', async () => {
    let clock = 1_000_000;
    const store = new MemoryNonceStore({ now: () => clock });
    expect(await store.checkAndStore('a', 5_000)).toBe(true);
    expect(await store.checkAndStore('a', 5_000)).toBe(false);
    expect(await store.checkAndStore('b', 5_000)).toBe(true);
    clock += 4_999;
    expect(await store.checkAndStore('a', 5_000)).toBe(false);
    clock += 1_001;
    expect(await store.checkAndStore('a', 5_000)).toBe(true);
    expect(await store.checkAndStore('a', 5_000)).toBe(false);
  });

  it('is bounded: with capacity live nonces it fails (closed) instead of forgetting one; expired ones make room', () => {
    let clock = 0;
    const store = new MemoryNonceStore({ capacity: 1000, now: () => clock });
    for (let i = 0; i < 1000; i++) expect(store.checkAndStoreSync(`n${i}`, 10_000)).toBe(true);
    expect(() => store.checkAndStoreSync('one-more', 10_000)).toThrow(expect.objectContaining({ code: 'replay_store_unavailable' }));
    for (let i = 0; i < 1000; i++) expect(store.checkAndStoreSync(`n${i}`, 10_000)).toBe(false);
    clock += 12_000;
    for (let i = 0; i < 1000; i++) expect(store.checkAndStoreSync(`m${i}`, 10_000)).toBe(true);
    expect(store.liveCount()).toBe(1000);
    expect(store.byteLength).toBeLessThanOrEqual(2048 * 12);
  });

  it('1,000,000 nonces in about 25 bytes each (target <= 200), every replay detected', () => {
    // Keys shaped like nonceKey() output (43 base64url characters of a digest), made in bulk.
    const random = randomBytes(32 * 1_000_000);
    const keys = Array.from({ length: 1_000_000 }, (_, i) => random.subarray(i * 32, i * 32 + 32).toString('base64url'));
    const before = process.memoryUsage().arrayBuffers;
    const store = new MemoryNonceStore({ capacity: 1_000_000 });
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) if (!store.checkAndStoreSync(keys[i]!, 300_000)) throw new Error(`false replay at ${i}`);
    const insertMs = performance.now() - started;
    const perNonce = store.byteLength / 1_000_000;
    const arrayBufferGrowth = (process.memoryUsage().arrayBuffers - before) / 1_000_000;
    let replays = 0;
    for (let i = 0; i < 1_000_000; i += 97) if (!store.checkAndStoreSync(keys[i]!, 300_000)) replays++;
    console.log(`MemoryNonceStore: 1M nonces in ${insertMs.toFixed(0)} ms, table ${perNonce.toFixed(1)} B/nonce, arrayBuffers +${arrayBufferGrowth.toFixed(1)} B/nonce`);
    expect(replays).toBe(Math.ceil(1_000_000 / 97));
    expect(perNonce).toBeLessThanOrEqual(200);
    expect(arrayBufferGrowth).toBeLessThanOrEqual(200);
    expect(store.liveCount()).toBe(1_000_000);
    expect(() => store.checkAndStoreSync(nonceKey('thumb', 'one more'), 300_000)).toThrow(expect.objectContaining({ code: 'replay_store_unavailable' }));
  });

  it('arbitrary (non-digest) keys work too', () => {
    const store = new MemoryNonceStore({ capacity: 10_000 });
    for (let i = 0; i < 10_000; i++) expect(store.checkAndStoreSync(`key with spaces é ${i}`, 60_000)).toBe(true);
    for (let i = 0; i < 10_000; i += 7) expect(store.checkAndStoreSync(`key with spaces é ${i}`, 60_000)).toBe(false);
  });

  it('checkNonceSync (the verifier\'s path): a pair is fresh once, scoped by identity, never confused with a shifted split', () => {
    let clock = 0;
    const store = new MemoryNonceStore({ capacity: 300_000, now: () => clock });
    const nonces = Array.from({ length: 100_000 }, () => randomBytes(64).toString('base64'));
    for (const nonce of nonces) expect(store.checkNonceSync('thumb-a', nonce, 10_000)).toBe(true);
    // Every replay is refused; the same nonces under another key are new; a shifted split is another pair.
    for (let i = 0; i < nonces.length; i += 13) expect(store.checkNonceSync('thumb-a', nonces[i]!, 10_000)).toBe(false);
    for (let i = 0; i < nonces.length; i += 13) expect(store.checkNonceSync('thumb-b', nonces[i]!, 10_000)).toBe(true);
    expect(store.checkNonceSync('ab', 'c', 10_000)).toBe(true);
    expect(store.checkNonceSync('a', 'bc', 10_000)).toBe(true);
    expect(store.checkNonceSync('ab', 'c', 10_000)).toBe(false);
    clock += 11_000;
    expect(store.checkNonceSync('thumb-a', nonces[0]!, 10_000)).toBe(true); // expired, then usable again
    expect(() => store.checkNonceSync('thumb-a', 'n', 0)).toThrow(expect.objectContaining({ code: 'replay_store_unavailable' }));
  });

  it('checkNonceSync fails closed when full, like checkAndStore', () => {
    const store = new MemoryNonceStore({ capacity: 100 });
    for (let i = 0; i < 100; i++) expect(store.checkNonceSync('k', `n${i}`, 60_000)).toBe(true);
    expect(() => store.checkNonceSync('k', 'one more', 60_000)).toThrow(expect.objectContaining({ code: 'replay_store_unavailable' }));
  });

  it('rejects a bad capacity', () => {
    expect(() => new MemoryNonceStore({ capacity: 0 })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
  });
});

describe('nonceKey', () => {
  it('is scoped by key identity and bounded in size', () => {
    expect(nonceKey('a', 'n')).not.toBe(nonceKey('b', 'n'));
    expect(nonceKey('a', 'n')).toBe(nonceKey('a', 'n'));
    expect(nonceKey('a', 'x'.repeat(10_000))).toHaveLength(43);
    // No ambiguity between (thumbprint, nonce) splits.
    expect(nonceKey('ab', 'c')).not.toBe(nonceKey('a', 'bc'));
  });

  it('is SHA-256 over identity, LF, nonce (UTF-8), base64url: keys already in a shared store stay valid', () => {
    for (const [identity, nonce] of [['xman0H8hpFBKM4ruw7QsKIrg2CosJezpErNun7u6CxM', 'JLhmpfz8TpNcb+7qWYa1QIu4hf0G5EVAMKm18Zy6RzqFpUPZEhp8NpHBcfXDS7+PMokIOFM0EAYmlXA6S5fRQA=='], ['é', '日本'], ['a\ud800', '\udc00b'], ['', '']]) {
      expect(nonceKey(identity!, nonce!)).toBe(createHash('sha256').update(identity!).update('\n').update(nonce!).digest('base64url'));
    }
    expect(nonceKey('a', 'n')).toBe('kcb1v1UvUUqzZhQP9klzjDUhAL_l3nN2UVqZhRIbtZ4');
  });
});

describe('RedisNonceStore (contract, with a scripted client)', () => {
  it('sends SET prefix+key 1 PX ttl NX and maps OK / null', async () => {
    const calls: unknown[][] = [];
    const replies: unknown[] = ['OK', null];
    const client: RedisClientLike = { set: async (...args) => { calls.push(args); return replies.shift(); } };
    const store = new RedisNonceStore({ client, prefix: 'p:' });
    expect(await store.checkAndStore('k', 1500.2)).toBe(true);
    expect(await store.checkAndStore('k', 1500)).toBe(false);
    expect(calls).toEqual([['p:k', '1', 'PX', 1501, 'NX'], ['p:k', '1', 'PX', 1500, 'NX']]);
  });

  it('fails closed on errors, timeouts and odd replies', async () => {
    const failing = new RedisNonceStore({ client: { set: async () => { throw new Error('ECONNREFUSED'); } } });
    await expect(failing.checkAndStore('k', 1000)).rejects.toMatchObject({ code: 'replay_store_unavailable' });
    const hanging = new RedisNonceStore({ client: { set: () => new Promise(() => undefined) }, timeoutMs: 50 });
    await expect(hanging.checkAndStore('k', 1000)).rejects.toMatchObject({ code: 'replay_store_unavailable' });
    const odd = new RedisNonceStore({ client: { set: async () => 1 } });
    await expect(odd.checkAndStore('k', 1000)).rejects.toMatchObject({ code: 'replay_store_unavailable' });
    const throwsSync = new RedisNonceStore({ client: { set: () => { throw new Error('sync'); } } });
    await expect(throwsSync.checkAndStore('k', 1000)).rejects.toMatchObject({ code: 'replay_store_unavailable' });
    expect(() => new RedisNonceStore({ client: {} as never })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
  });
});
