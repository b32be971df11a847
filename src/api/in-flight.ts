/**
 * Counts route handlers still running, so shutdown can wait for them before
 * closing the database: a client that hangs up does not stop its handler.
 */
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';

export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /**
   * Wraps every route registered after this call. A handler that returns a promise
   * runs until it settles; one that returns at once (a plugin's, sending a file
   * later through `reply`) keeps its own way: wrapping it in an async function
   * would make Fastify send an empty 200 when the returned promise resolved.
   */
  install(app: FastifyInstance): void {
    const enter = () => this.count++;
    const leave = () => {
      if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    };
    app.addHook('onRoute', (route) => {
      const handler = route.handler as RouteHandlerMethod;
      route.handler = function (this: FastifyInstance, request, reply) {
        enter();
        let result: unknown;
        try {
          result = handler.call(this, request, reply);
        } catch (error) {
          leave();
          throw error;
        }
        if (result instanceof Promise) return result.finally(leave);
        leave();
        return result;
      } as RouteHandlerMethod;
    });
  }

  get running(): number {
    return this.count;
  }

  /** Resolves when no handler runs (at once if none does). */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
