/** Domains, users and tokens beyond the basics: reads by id, what a read does not reveal, duplicates, on every driver. */
import { describe, expect, it } from 'vitest';
import { driverFactories } from '../support/drivers.js';
import { useSharedStore } from './shared-store.js';
import { ConflictError } from '../../src/domain/errors.js';

const factories = await driverFactories();

for (const factory of factories) {
  describe(`account store on ${factory.name}`, () => {
    const db = useSharedStore(factory);

    it('domainGetById reads a domain by id and answers undefined for an unknown one', async () => {
      const { store } = db;
      const a = await store.domainCreate({ name: 'a.example', now: 10 });
      const b = await store.domainCreate({ name: 'b.example', now: 20 });
      expect(await store.domainGetById(a.id)).toEqual({ id: a.id, name: 'a.example', createdAt: 10 });
      expect(await store.domainGetById(b.id)).toEqual(b);
      expect(await store.domainGetById(a.id + b.id + 1000)).toBeUndefined();
      expect(await store.domainCount()).toBe(2);
    });

    it('userGetById never carries the password hash; userGetByEmail does', async () => {
      const { store } = db;
      const domain = await store.domainCreate({ name: 'a.example', now: 1 });
      const user = await store.userCreate({ domainId: domain.id, email: 'u@a.example', name: 'U', role: 'super_admin', passwordHash: 'scrypt$x', now: 2 });
      expect(user).toEqual({ id: user.id, domainId: domain.id, email: 'u@a.example', name: 'U', role: 'super_admin', createdAt: 2 });
      expect(await store.userGetById(user.id)).toEqual(user);
      expect(await store.userGetByEmail('u@a.example')).toEqual({ ...user, passwordHash: 'scrypt$x' });
      expect(await store.userGetById(user.id + 1000)).toBeUndefined();
      expect(await store.userGetByEmail('U@a.example')).toBeUndefined();
    });

    it('tokens: identity only for a known secret hash; a duplicate id or secret is a unique violation, left to the caller', async () => {
      const { store } = db;
      const domain = await store.domainCreate({ name: 'a.example', now: 1 });
      const user = await store.userCreate({ domainId: domain.id, email: 'u@a.example', name: 'U', role: 'user', passwordHash: 'h', now: 2 });
      const token = await store.tokenCreate({ id: 'tok_a', userId: user.id, name: 'ci', secretHash: 'hash-a', expiresAt: null, now: 3 });
      expect(token).toEqual({ id: 'tok_a', userId: user.id, name: 'ci', createdAt: 3, expiresAt: null, revokedAt: null });
      expect(await store.tokenGetIdentity('hash-b')).toBeUndefined();
      const identity = await store.tokenGetIdentity('hash-a');
      expect(identity).toEqual({ token, user, domain });
      for (const duplicate of [{ id: 'tok_a', secretHash: 'hash-other' }, { id: 'tok_b', secretHash: 'hash-a' }]) {
        let error: unknown;
        try {
          await store.tokenCreate({ ...duplicate, userId: user.id, name: 'again', expiresAt: null, now: 4 });
        } catch (e) {
          error = e;
        }
        expect(error).toBeDefined();
        expect(store.isUniqueViolation(error)).toBe(true);
      }
      expect(await store.tokenGetById('tok_b')).toBeUndefined();
      expect(await store.tokenRevoke({ id: 'tok_missing', now: 5 })).toBe(false);
    });

    it('translated unique violations are ConflictErrors, no longer raw driver errors', async () => {
      const { store } = db;
      await store.domainCreate({ name: 'a.example', now: 1 });
      let error: unknown;
      try {
        await store.domainCreate({ name: 'a.example', now: 2 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConflictError);
      expect(store.isUniqueViolation(error)).toBe(false);
      expect(store.isUniqueViolation(new Error('duplicate key'))).toBe(false);
      expect(store.isUniqueViolation(undefined)).toBe(false);
    });
  });
}
