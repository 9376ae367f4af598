import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

function arrays(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

describe('exceedsJsonDepth', () => {
  it('counts containers below the body: 32 levels pass, 33 do not', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(exceedsJsonDepth({ n: arrays(32) })).toBe(false);
    expect(exceedsJsonDepth({ n: arrays(33) })).toBe(true);
    expect(exceedsJsonDepth(arrays(33))).toBe(false);
    expect(exceedsJsonDepth(arrays(34))).toBe(true);
  });

  it('answers any depth without a stack overflow, and a cycle too', () => {
    expect(exceedsJsonDepth({ n: arrays(100_000) })).toBe(true);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(exceedsJsonDepth(cycle)).toBe(true);
  });

  it('passes primitives, null and flat bodies', () => {
    for (const value of [undefined, null, 1, 'x', {}, [], { a: 1, b: [1, 2], c: { d: null } }]) {
      expect(exceedsJsonDepth(value)).toBe(false);
    }
  });
});
