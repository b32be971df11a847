/** Schemas for the caller, users, domains and tokens. */
import { Type } from '@sinclair/typebox';

export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin'), Type.Literal('super_admin')]);

export const UserBody = Type.Object(
  {
    id: Type.Integer(),
    email: Type.String(),
    name: Type.String(),
    role: Role,
    domain: Type.String(),
  },
  { $id: 'User', title: 'User' },
);

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(Role),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  },
  { additionalProperties: false },
);

export const CreateDomainBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253 }),
    admin: Type.Object(
      {
        email: Type.String({ minLength: 3, maxLength: 254 }),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const CreatedDomainBody = Type.Object({ name: Type.String(), admin: Type.Ref(UserBody), token: Type.String() });

export const CreateTokenBody = Type.Object(
  {
    userId: Type.Optional(Type.Integer({ minimum: 1 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);

export const CreatedTokenBody = Type.Object({
  id: Type.String(),
  token: Type.String({ description: 'The secret: shown once, stored only as a hash.' }),
  userId: Type.Integer(),
  name: Type.String(),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const TokenIdParams = Type.Object({ tokenId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' }) });

export const ListUsersQuery = Type.Object(
  {
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: "another domain's users (super admins)" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const UserPage = Type.Object({ users: Type.Array(Type.Ref(UserBody)), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ListTokensQuery = Type.Object(
  {
    userId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'the tokens of this user (yourself, or a user you manage)' })),
    includeInactive: Type.Optional(Type.Boolean({ default: false, description: 'also revoked and expired tokens' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  {
    id: Type.String({ description: 'what `DELETE /tokens/{id}` revokes; the secret itself is never shown again' }),
    name: Type.String(),
    userId: Type.Integer(),
    userEmail: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'Token' },
);

export const TokenPage = Type.Object({ tokens: Type.Array(TokenBody), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const UserIdParams = Type.Object({ userId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(Role),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
  },
  { additionalProperties: false, description: 'the fields to change (at least one); your own role cannot be changed' },
);

export const DomainBody = Type.Object({ name: Type.String(), createdAt: Type.String({ format: 'date-time' }) }, { title: 'Domain' });

export const DomainPage = Type.Object({ domains: Type.Array(DomainBody), nextCursor: Type.Union([Type.String(), Type.Null()]) });
