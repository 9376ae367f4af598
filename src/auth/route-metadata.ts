import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * `reflector.getAllAndOverride(key, [handler, class])` (the handler's value, else the class's),
 * read once per route and then kept: decorators run when the classes are defined, so what a
 * route says does not change while the app runs, and the guards that ask on every request pay
 * a map lookup instead of walking the metadata (and the class's prototype chain on a miss).
 * Kept per handler and class, since a handler inherited by another controller class may meet
 * other class-level metadata there.
 */
export class RouteMetadata<T> {
  private readonly routes = new WeakMap<object, WeakMap<object, { value: T | undefined }>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  get(context: ExecutionContext): T | undefined {
    const handler: unknown = context.getHandler();
    const type: unknown = context.getClass();
    if (typeof handler !== 'function' || typeof type !== 'function') return this.read(context);
    let byClass = this.routes.get(handler);
    if (!byClass) this.routes.set(handler, (byClass = new WeakMap()));
    let entry = byClass.get(type);
    if (!entry) byClass.set(type, (entry = { value: this.read(context) }));
    return entry.value;
  }

  private read(context: ExecutionContext): T | undefined {
    return this.reflector.getAllAndOverride<T | undefined>(this.key, [
      context.getHandler(),
      context.getClass(),
    ]);
  }
}
