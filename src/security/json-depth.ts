import { ValidationFailedException } from '../errors/warden.exceptions.js';

/**
 * How deep a request body may nest: containers (arrays, objects) more than this many levels
 * below the body itself are refused. No nest-warden body needs more than 2. @default 32
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `value` holds an array or object more than `maxDepth` levels below it. Walks with an
 * explicit stack, never recursion, so any depth (or a cycle) is answered without a stack overflow.
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: Array<{ node: object; depth: number }> = [];
  if (typeof value === 'object' && value !== null) pending.push({ node: value, depth: 0 });
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const child of Object.values(next.node)) {
      if (typeof child !== 'object' || child === null) continue;
      if (next.depth + 1 > maxDepth) return true;
      pending.push({ node: child as object, depth: next.depth + 1 });
    }
  }
  return false;
}

/**
 * Throws 400 `VALIDATION_FAILED` for a body nested deeper than {@link MAX_JSON_DEPTH}, before
 * anything recursive (class-transformer, class-validator) touches it: such a body would
 * otherwise overflow the stack in the validation pipe and surface as a 500.
 */
export function assertJsonDepth(value: unknown): void {
  if (exceedsJsonDepth(value)) {
    throw new ValidationFailedException(
      `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
}
