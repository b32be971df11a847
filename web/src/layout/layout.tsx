import type { ReactNode } from 'react';
import { Link } from '../components/link';
import { useLocation } from '../router';
import { useSession, useSignedIn } from '../session/session-context';

interface NavEntry {
  href: string;
  label: string;
  adminOnly?: boolean;
}

const NAV: readonly NavEntry[] = [
  { href: '/jobs', label: 'Jobs' },
  { href: '/libraries', label: 'Libraries' },
  { href: '/schedules', label: 'Schedules' },
  { href: '/webhooks', label: 'Webhooks', adminOnly: true },
  { href: '/engine', label: 'Engine', adminOnly: true },
  { href: '/admin', label: 'Admin', adminOnly: true },
];

/** The frame of every signed-in page: skip link, navigation, who is signed in, the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { user } = useSignedIn();
  const { signOut } = useSession();
  const { path } = useLocation();
  const isAdmin = user.role === 'admin' || user.role === 'super_admin';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link href="/jobs" className="brand">
          batchyard
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((entry) => !entry.adminOnly || isAdmin).map((entry) => (
              <li key={entry.href}>
                <Link href={entry.href} aria-current={path === entry.href || path.startsWith(`${entry.href}/`) ? 'page' : undefined}>
                  {entry.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span title={user.email}>{user.name || user.email}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
