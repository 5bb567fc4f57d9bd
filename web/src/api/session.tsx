/**
 * Who the dashboard talks to the API as: a StewardClient on this page's origin, with the Keystone token (kept in
 * memory only, so closing the tab logs out) when Steward asks for one.
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { StewardClient } from '@steward/contract/client.js';
import { MAX_MICROVERSION } from '@steward/contract/states.js';

export interface Session {
  client: StewardClient;
  token: string | undefined;
  setToken: (token: string | undefined) => void;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children, endpoint }: { children: ReactNode; endpoint: string }) {
  const [token, setToken] = useState<string | undefined>(undefined);
  const client = useMemo(
    () =>
      new StewardClient({
        endpoint,
        // 1.5+ for skipping actions, 1.7 for audit templates' default_parameters.
        microversion: MAX_MICROVERSION,
        ...(token !== undefined && { token }),
        fetch: (input, init) => fetch(input, init),
      }),
    [endpoint, token],
  );
  const session = useMemo(() => ({ client, token, setToken }), [client, token]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

export function useClient(): StewardClient {
  return useSession().client;
}
