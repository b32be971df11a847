/**
 * Domains, for the super admin: the list, and a new domain with its first
 * admin (whose token the server shows once, here).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { ErrorNote } from '../../components/error-note';
import { formatTime } from '../../components/format';
import { Link } from '../../components/link';
import { Loading } from '../../components/loading';
import { TableScroll } from '../../components/table-scroll';
import { hrefOf } from '../../router';
import type { AdminUser, DomainInfo } from './admin-api';

function CreateDomain({ onCreated }: { onCreated(created: { name: string; admin: AdminUser; token: string }): void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await api<{ name: string; admin: AdminUser; token: string }>('/domains', { method: 'POST', body: { name: name.trim(), admin: { email: email.trim() } } }));
      setName('');
      setEmail('');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="row" onSubmit={submit} aria-label="Create a domain">
      <div className="stack-tight">
        <label htmlFor="domain-name">Domain name</label>
        <input id="domain-name" required placeholder="example.org" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="stack-tight">
        <label htmlFor="domain-admin">Its first admin (email)</label>
        <input id="domain-admin" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Create domain
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function DomainsPanel() {
  const [domains, setDomains] = useState<DomainInfo[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ name: string; admin: AdminUser; token: string } | null>(null);

  const load = useCallback((from: string | null) => {
    setLoading(true);
    api<{ domains: DomainInfo[]; nextCursor: string | null }>('/domains', { query: { cursor: from ?? undefined, limit: 100 } })
      .then((page) => {
        setDomains((current) => (from === null ? page.domains : [...current, ...page.domains]));
        setCursor(page.nextCursor);
        setError(null);
      })
      .catch(setError)
      .finally(() => setLoading(false));
  }, []);
  useEffect(() => load(null), [load]);

  return (
    <section aria-labelledby="domains-heading">
      <h2 id="domains-heading">Domains</h2>
      <CreateDomain
        onCreated={(next) => {
          setCreated(next);
          load(null);
        }}
      />
      {created && (
        <div className="notice" role="status">
          <p>
            Domain {created.name} created with its admin {created.admin.email}. Their token, shown this once:
          </p>
          <code className="secret">{created.token}</code>
        </div>
      )}
      <TableScroll label="Domains, scrollable">
        <table aria-label="Domains">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {domains.map((domain) => (
              <tr key={domain.name}>
                <td>
                  <Link href={hrefOf('/admin/users', { domain: domain.name })}>{domain.name}</Link>
                </td>
                <td>{formatTime(domain.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {loading && <Loading label="Loading the domains…" />}
      {!loading && cursor !== null && (
        <button type="button" onClick={() => load(cursor)}>
          Show more
        </button>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
