import { useEffect } from 'react';
import { ErrorBoundary } from './components/error-boundary';
import { Loading } from './components/loading';
import { Layout } from './layout/layout';
import { NotFoundPage } from './pages/not-found-page';
import { matchPath, navigate, useLocation } from './router';
import { ROUTES } from './routes';
import { SessionProvider, useSession } from './session/session-context';
import { SignInPage } from './session/sign-in-page';

function CurrentPage() {
  const { path } = useLocation();
  useEffect(() => {
    if (path === '/' || path === '') navigate('/jobs', { replace: true });
  }, [path]);
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) {
      const Page = route.page;
      return <Page params={params} />;
    }
  }
  return path === '/' ? null : <NotFoundPage />;
}

function PageWithBoundary() {
  const { path } = useLocation();
  return (
    <ErrorBoundary key={path}>
      <CurrentPage />
    </ErrorBoundary>
  );
}

function Gate() {
  const { session } = useSession();
  if (session === undefined) return <Loading label="Checking your session…" />;
  if (session === null) return <SignInPage />;
  return (
    <Layout>
      <PageWithBoundary />
    </Layout>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}
