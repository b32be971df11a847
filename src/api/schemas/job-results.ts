/** A job's result (an export's zip, a report) and signed links to it. */
import { Type } from '@sinclair/typebox';
import { DEFAULT_LINK_SECONDS, MAX_LINK_SECONDS, MIN_LINK_SECONDS } from '../../services/artifact-service.js';

export const ResultLinkInput = Type.Union(
  [
    Type.Object(
      {
        expiresInSeconds: Type.Optional(
          Type.Integer({
            minimum: MIN_LINK_SECONDS,
            maximum: MAX_LINK_SECONDS,
            description: `how long the link works (seconds, ${MIN_LINK_SECONDS} to ${MAX_LINK_SECONDS}; default ${DEFAULT_LINK_SECONDS}); never past the result's own expiry`,
          }),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'optional' },
);

export const ResultLinkBody = Type.Object(
  {
    url: Type.String({ description: 'the result without a bearer token, until expiresAt' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Result link' },
);

export const SignedResultParams = Type.Object({
  jobId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A job id (a positive integer).' }),
});

export const SignedResultQuery = Type.Object(
  {
    expires: Type.Optional(Type.String({ maxLength: 32, description: 'as issued (epoch seconds)' })),
    signature: Type.Optional(Type.String({ maxLength: 128, description: 'as issued' })),
  },
  { additionalProperties: false },
);
