/** Token authentication across processes: the identity cache bounds how long a revoked token lives elsewhere. */
import { describe, expect, it } from 'vitest';
import { driverFactories, useMigratedStore } from '../support/drivers.js';
import { AuthService, IDENTITY_CACHE_TTL_MS } from '../../src/services/auth-service.js';
import { UnauthenticatedError } from '../../src/domain/errors.js';

for (const factory of await driverFactories()) {
  describe(`auth service on ${factory.name}`, () => {
    const db = useMigratedStore(factory);

    it('bootstraps once when several processes start at the same moment on an empty database', async () => {
      const services = Array.from({ length: 4 }, () => new AuthService(db.store, () => 1_000));
      const results = await Promise.all(services.map((auth) => auth.bootstrap({ domain: 'example.com', bootstrapSecret: 'bootstrap-secret-0123456789' })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.email === 'admin@example.com')).toBe(true);
      expect(await db.store.domainCount()).toBe(1);
      expect((await services[0]!.authenticateSecret('bootstrap-secret-0123456789')).user.role).toBe('super_admin');
    });

    it('sees a revocation at once where it happened and within the cache TTL in another process', async () => {
      let now = 1_000_000;
      const clock = () => now;
      const store = db.store;
      const here = new AuthService(store, clock);
      const elsewhere = new AuthService(store, clock);
      await here.bootstrap({ domain: 'example.com', bootstrapSecret: 'bootstrap-secret-0123456789' });
      const admin = await here.authenticateSecret('bootstrap-secret-0123456789');
      const minted = await here.mint(admin, { name: 'short' });
      await elsewhere.authenticateSecret(minted.secret); // cached elsewhere now
      await here.revoke(admin, minted.token.id);
      await expect(here.authenticateSecret(minted.secret)).rejects.toThrow('revoked');
      await expect(elsewhere.authenticateSecret(minted.secret)).resolves.toBeDefined();
      now += IDENTITY_CACHE_TTL_MS;
      await expect(elsewhere.authenticateSecret(minted.secret)).rejects.toBeInstanceOf(UnauthenticatedError);
    });

    it('checks expiry on every request, cached or not', async () => {
      let now = 1_000_000;
      const auth = new AuthService(db.store, () => now);
      await auth.bootstrap({ domain: 'example.com', bootstrapSecret: 'bootstrap-secret-0123456789' });
      const admin = await auth.authenticateSecret('bootstrap-secret-0123456789');
      const minted = await auth.mint(admin, { expiresInDays: 1 });
      await auth.authenticateSecret(minted.secret);
      now += 86_400_000;
      await expect(auth.authenticateSecret(minted.secret)).rejects.toThrow('expired');
    });
  });
}
