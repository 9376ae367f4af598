import { pooledRandomBytes } from './random.js';

describe('pooledRandomBytes', () => {
  it('gives the size asked for, never the same bytes twice across refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = pooledRandomBytes(16);
      expect(bytes).toHaveLength(16);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('leaves earlier results as they were when the pool is refilled', () => {
    const first = pooledRandomBytes(32);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1000; i++) pooledRandomBytes(8);
    expect(first.equals(copy)).toBe(true);
  });

  it('takes large draws straight from the CSPRNG', () => {
    expect(pooledRandomBytes(1000)).toHaveLength(1000);
    expect(pooledRandomBytes(0)).toHaveLength(0);
  });

  it('looks uniform: every byte value turns up', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4096; i++) for (const b of pooledRandomBytes(16)) counts[b]++;
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });
});
