import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onSessionEnded, setCsrfToken, type ApiError } from '../api/client';
import type { Session } from '../api/types';

/**
 * Who is signed in. The session lives in an HttpOnly cookie the page cannot
 * read; GET /api/v1/session tells who it is and hands the CSRF token unsafe
 * requests must carry. When any request finds the session gone, `ended` says
 * why and the app shows the sign-in page with that message.
 */
export interface SessionState {
  /** undefined while the first check runs */
  session: Session | null | undefined;
  /** why the last session ended (expired, signed out elsewhere), for the sign-in page */
  ended: ApiError | null;
  signIn(credentials: { email: string; password: string } | { token: string }): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [ended, setEnded] = useState<ApiError | null>(null);

  const adopt = useCallback((next: Session | null) => {
    setCsrfToken(next?.csrfToken ?? null);
    setSession(next);
  }, []);

  useEffect(() => {
    let live = true;
    api<Session>('/session', { quietUnauthenticated: true })
      .then((s) => live && adopt(s))
      .catch(() => live && adopt(null));
    const stop = onSessionEnded((error) => {
      setEnded(error);
      adopt(null);
    });
    return () => {
      live = false;
      stop();
    };
  }, [adopt]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      ended,
      signIn: async (credentials) => {
        const next = await api<Session>('/session', { method: 'POST', body: credentials, quietUnauthenticated: true });
        setEnded(null);
        adopt(next);
      },
      signOut: async () => {
        try {
          await api<void>('/session', { method: 'DELETE', quietUnauthenticated: true });
        } finally {
          setEnded(null);
          adopt(null);
        }
      },
    }),
    [session, ended, adopt],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (state === null) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in session (pages behind the sign-in only). */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn without a session');
  return session;
}
