/**
 * Administration: the users of a domain (admins), API tokens (everyone's own;
 * an admin's, those of the domain), and domains (the super admin). The tab is
 * the address: /admin/users, /admin/tokens, /admin/domains.
 */
import { useEffect } from 'react';
import { Link } from '../../components/link';
import { navigate } from '../../router';
import { useSignedIn } from '../../session/session-context';
import { DomainsPanel } from './domains-panel';
import { TokensPanel } from './tokens-panel';
import { UsersPanel } from './users-panel';
import '../libraries/library.css';

export function AdminPage({ params }: { params: Record<string, string> }) {
  const { user } = useSignedIn();
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  const tabs = [
    ...(isAdmin ? [{ key: 'users', label: 'Users' }] : []),
    { key: 'tokens', label: 'Tokens' },
    ...(user.role === 'super_admin' ? [{ key: 'domains', label: 'Domains' }] : []),
  ];
  const wanted = (params['*'] ?? '').split('/')[0] ?? '';
  const current = tabs.find((tab) => tab.key === wanted);

  useEffect(() => {
    if (wanted === '') navigate(`/admin/${tabs[0]!.key}`, { replace: true });
  }, [wanted, tabs]);

  return (
    <>
      <h1>Admin</h1>
      <nav aria-label="Admin" className="tabs">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.key}>
              <Link href={`/admin/${tab.key}`} aria-current={current?.key === tab.key ? 'page' : undefined}>
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {current?.key === 'users' && <UsersPanel />}
      {current?.key === 'tokens' && <TokensPanel />}
      {current?.key === 'domains' && <DomainsPanel />}
      {current === undefined && wanted !== '' && <p>There is no such admin page for you here.</p>}
    </>
  );
}
