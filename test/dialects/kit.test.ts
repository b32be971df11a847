/** The dialect kit's renameField: a service error about a service field, in a vendor's names. */
import { describe, expect, it } from 'vitest';
import { renameField } from '../../src/dialects/kit/index.js';
import { ForbiddenError, InvalidArgumentError, TransientError, UnprocessableError, type BatchyardError } from '../../src/domain/errors.js';

describe('renameField', () => {
  it("names the vendor's field in the details and at the head of the message, with the service's word for it", () => {
    const renamed = renameField(new InvalidArgumentError('cursor: not a valid cursor', { field: 'cursor' }), { cursor: 'pageToken' });
    expect(renamed).toBeInstanceOf(InvalidArgumentError);
    expect(renamed).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'pageToken: not a valid pageToken', details: { field: 'pageToken' } });
  });

  it('renames indexed fields through a function, keeping what follows the renamed part', () => {
    const names = (field: string) => {
      const m = /^params\.paths\[(\d+)\]/.exec(field);
      return m ? `taskInfo.fileInfo[${m[1]}].filePath${field.slice(m[0].length)}` : undefined;
    };
    const error = new UnprocessableError("params.paths[2]: the library's root folder cannot be selected", { field: 'params.paths[2]' });
    const renamed = renameField(error, names) as BatchyardError;
    expect(renamed).toBeInstanceOf(UnprocessableError);
    expect(renamed.message).toBe("taskInfo.fileInfo[2].filePath: the library's root folder cannot be selected");
    expect(renamed.details).toEqual({ field: 'taskInfo.fileInfo[2].filePath' });
    expect(renamed.stack).toBe(error.stack);
  });

  it('renames the head of the message and the details each by the map when they name different fields', () => {
    const error = new InvalidArgumentError('params.paths[0]: must be a string', { field: 'params.paths' });
    const renamed = renameField(error, { 'params.paths[0]': 'files[0]', 'params.paths': 'files' });
    expect(renamed).toMatchObject({ message: 'files[0]: must be a string', details: { field: 'files' } });
  });

  it("puts the vendor's field in front of a message that does not start with one", () => {
    const renamed = renameField(new ForbiddenError('you may not', { field: 'libraryId' }), { libraryId: 'bucketName' });
    expect(renamed).toMatchObject({ code: 'FORBIDDEN', message: 'bucketName: you may not', details: { field: 'bucketName' } });
  });

  it('keeps the class and what it carries (a 503 keeps its Retry-After)', () => {
    const renamed = renameField(new TransientError('cursor: try again', { field: 'cursor' }, 7), { cursor: 'nextLink' });
    expect(renamed).toBeInstanceOf(TransientError);
    expect((renamed as TransientError).retryAfterSeconds).toBe(7);
    expect((renamed as TransientError).message).toBe('nextLink: try again');
  });

  it('returns any other error as it is', () => {
    const other = new InvalidArgumentError('limit: too big', { field: 'limit' });
    expect(renameField(other, { cursor: 'pageToken' })).toBe(other);
    const plain = new Error('cursor: boom');
    expect(renameField(plain, { cursor: 'pageToken' })).toBe(plain);
    const same = new InvalidArgumentError('type: unknown', { field: 'type' });
    expect(renameField(same, () => 'type')).toBe(same);
  });
});
