/** Job types by name; the bench-only `noop` type is registered only when enabled. */
import type { JobType } from '../domain/jobs.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { Operation } from './operation.js';

export class OperationRegistry {
  private readonly byType = new Map<string, Operation>();

  constructor(operations: Operation[]) {
    for (const op of operations) this.byType.set(op.type, op as Operation);
  }

  /** The operation for a stored job's type (a type no longer registered fails its tasks). */
  get(type: string): Operation {
    const op = this.byType.get(type);
    if (!op) throw new InvalidArgumentError(`job type '${type}' is not available on this server`, { field: 'type' });
    return op;
  }

  has(type: string): type is JobType {
    return this.byType.has(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}
