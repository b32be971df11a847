/** Schemas for the dashboard's session: sign-in credentials and the session as the web app reads it. */
import { Type } from '@sinclair/typebox';
import { UserBody } from './users.js';

export const SignInBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'With password: a user created with one.' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Or an API token instead of email and password (the session gets a token of its own).' })),
  },
  { additionalProperties: false, description: 'Either `email` and `password`, or `token`.' },
);

export const SessionBody = Type.Object({
  user: Type.Ref(UserBody),
  csrfToken: Type.String({ description: 'Send it as `x-csrf-token` on every POST, PUT, PATCH and DELETE the session cookie authenticates.' }),
  expiresAt: Type.String({ format: 'date-time', description: 'When the session ends (absolute: BATCHYARD_SESSION_TTL after sign-in).' }),
});
