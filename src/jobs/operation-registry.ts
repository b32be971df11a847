/** Job types by name, each with its compiled params check; the bench-only `noop` type is registered only when enabled. */
import type { Static } from '@sinclair/typebox';
import type { JobType } from '../domain/jobs.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { Operation, ParamsSchema } from './operation.js';
import { compileParamsCheck, type ParamsCheck } from './params-check.js';

export class OperationRegistry {
  private readonly byType = new Map<string, Operation>();
  private readonly checks = new Map<string, ParamsCheck<ParamsSchema>>();

  constructor(operations: Operation[]) {
    for (const op of operations) this.byType.set(op.type, op);
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

  /** Each registered type with its params schema, in registration order (the OpenAPI document shows these). */
  paramSchemas(): Array<{ type: JobType; params: ParamsSchema }> {
    return [...this.byType.values()].map((op) => ({ type: op.type, params: op.params }));
  }

  /** Submitted params checked against the type's schema (compiled on first use): the typed value, or a 400 naming the field. */
  checkParams(type: string, raw: unknown): Static<ParamsSchema> {
    let check = this.checks.get(type);
    if (!check) {
      check = compileParamsCheck(this.get(type).params);
      this.checks.set(type, check);
    }
    return check(raw);
  }
}
