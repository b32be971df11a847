/**
 * Body parsers of the dialect's scopes. VSP One's page takes the jobs bodies
 * as any media type (its request body is typed star-slash-star) and its curl sample posts JSON without a JSON
 * Content-Type, so those scopes read every body as JSON (an empty or absent
 * body is `{}`). The OpenID Connect token endpoint takes a form
 * (application/x-www-form-urlencoded), parsed with URLSearchParams.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../domain/errors.js';

export function parseAnyBodyAsJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new InvalidArgumentError(`body: malformed JSON (${(error as Error).message})`, { field: 'body' }), undefined);
    }
  });
  // No body at all (no Content-Type, no length: the page's Python and Ruby samples): also `{}`.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) request.body = {};
  });
}

/** Form fields as a plain object (the last value of a repeated name wins); other media types leave the raw text. */
export function parseFormBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return done(null, { notAForm: type || 'none' });
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}
