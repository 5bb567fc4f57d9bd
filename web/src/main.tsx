import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from '@steward/contract/client.js';
import { SessionProvider } from './api/session.js';
import { App } from './app.js';
import './styles.css';

const queryClient: QueryClient = new QueryClient({
  // A token that expires while the page is open: the goals query is the app's login probe, so asking it again
  // brings the login form back.
  queryCache: new QueryCache({
    onError: (error, query) => {
      if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== 'goals')
        void queryClient.invalidateQueries({ queryKey: ['goals'] });
    },
  }),
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a dropped connection or a 5xx may.
      retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      refetchOnWindowFocus: true,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionProvider endpoint={window.location.origin}>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
