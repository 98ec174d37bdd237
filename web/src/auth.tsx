// The signed-in user: read from GET /v1/session at start, set by login, cleared by logout or
// when the server answers 401 (the session expired).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setCsrfToken, setUnauthenticatedHandler, type SessionInfo } from './api';

interface Auth {
  session: SessionInfo | null;
  loading: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [loading, setLoading] = useState(true);

  const accept = useCallback((info: SessionInfo | null) => {
    setCsrfToken(info?.csrf_token ?? '');
    setSession(info);
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => accept(null));
    api
      .session()
      .then(accept)
      .catch(() => accept(null))
      .finally(() => setLoading(false));
    return () => setUnauthenticatedHandler(null);
  }, [accept]);

  const value = useMemo<Auth>(
    () => ({
      session,
      loading,
      login: async (username, password) => accept(await api.login(username, password)),
      logout: async () => {
        try {
          await api.logout();
        } finally {
          accept(null);
        }
      },
    }),
    [session, loading, accept],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const context = useContext(AuthContext);
  if (!context) throw new Error('useAuth outside AuthProvider');
  return context;
}
