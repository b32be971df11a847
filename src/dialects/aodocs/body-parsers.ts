/**
 * Bodies under the AODocs paths: every route here ignores its body, and clients often
 * POST an empty body labelled JSON. So an empty JSON body is no body, malformed JSON is a
 * 400 naming `body`, and any other media type is read (within the body limit) and
 * ignored rather than refused with a 415.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../domain/errors.js';

export function parseLenientBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new InvalidArgumentError('body: malformed JSON', { field: 'body' }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}
