/** Loading, error and empty states shared by every panel, so each one says clearly what it is waiting for. */
import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '@steward/contract/client.js';

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (HTTP ${error.status})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  return (
    <div className="note note-error" role="alert">
      {title !== undefined && <strong>{title}: </strong>}
      {errorText(error)}
    </div>
  );
}

export function EmptyNote({ children }: { children: ReactNode }) {
  return <div className="note note-empty">{children}</div>;
}

/** Renders `children(data)` once the query has data; otherwise its loading state or error. */
export function QueryView<T>({
  query,
  what,
  empty,
  isEmpty,
  children,
}: {
  query: UseQueryResult<T>;
  what: string;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending)
    return (
      <p className="loading" role="status">
        Loading {what}…
      </p>
    );
  if (query.isError) return <ErrorNote error={query.error} title={`Could not load ${what}`} />;
  const data = query.data;
  const blank = isEmpty ? isEmpty(data) : Array.isArray(data) && data.length === 0;
  if (blank && empty !== undefined) return <EmptyNote>{empty}</EmptyNote>;
  return <>{children(data)}</>;
}

export function Panel({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby="panel-title">
      <header className="panel-header">
        <h1 id="panel-title" tabIndex={-1}>
          {title}
        </h1>
        {actions !== undefined && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function shortId(uuid: string): string {
  return uuid.slice(0, 8);
}
