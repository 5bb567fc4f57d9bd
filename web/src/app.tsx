/** The dashboard's frame: navigation of the panels, the panel the hash route names, and the login gate. */
import { lazy, Suspense, useEffect, useRef } from 'react';
import { ApiError } from '@steward/contract/client.js';
import { useGoals } from './api/queries.js';
import { useSession } from './api/session.js';
import { ActionPlanPage } from './features/action-plans/action-plan-page.js';
import { ActionPlansPanel } from './features/action-plans/action-plans-panel.js';
import { ActionsPanel } from './features/actions/actions-panel.js';
import { AuditTemplateForm } from './features/audit-templates/audit-template-form.js';
import { AuditTemplatesPanel } from './features/audit-templates/audit-templates-panel.js';
import { AuditForm } from './features/audits/audit-form.js';
import { AuditsPanel } from './features/audits/audits-panel.js';
import { DataModelPanel } from './features/data-model/data-model-panel.js';
import { GoalsPanel } from './features/goals/goals-panel.js';
import { LoginForm } from './features/login/login-form.js';
import { ServicesPanel } from './features/services/services-panel.js';
import { StrategiesPanel } from './features/strategies/strategies-panel.js';
import { href, useRoute, type Route } from './router.js';

// The utilisation panels draw with uPlot: their own chunk, fetched when one is opened, keeps the first load small.
const AdminUtilisationPanel = lazy(() => import('./features/utilisation/admin-utilisation-panel.js'));
const TenantUtilisationPanel = lazy(() => import('./features/utilisation/tenant-utilisation-panel.js'));

const PANELS = [
  ['goals', 'Goals'],
  ['strategies', 'Strategies'],
  ['audit-templates', 'Audit templates'],
  ['audits', 'Audits'],
  ['action-plans', 'Action plans'],
  ['actions', 'Actions'],
  ['services', 'Services'],
  ['data-model', 'Data model'],
  ['utilisation', 'Utilisation'],
  ['tenant-utilisation', 'Project utilisation'],
] as const;

function Page({ route }: { route: Route }) {
  const [panel = 'audits', id] = route.segments;
  switch (panel) {
    case 'goals':
      return <GoalsPanel />;
    case 'strategies':
      return <StrategiesPanel selected={id} />;
    case 'audit-templates':
      return id === 'new' ? <AuditTemplateForm /> : <AuditTemplatesPanel />;
    case 'audits':
      return id === 'new' ? (
        <AuditForm templateUuid={route.query.get('template') ?? undefined} />
      ) : (
        <AuditsPanel />
      );
    case 'action-plans':
      return id ? (
        <ActionPlanPage id={id} />
      ) : (
        <ActionPlansPanel auditUuid={route.query.get('audit') ?? undefined} />
      );
    case 'actions':
      return <ActionsPanel />;
    case 'services':
      return <ServicesPanel />;
    case 'data-model':
      return <DataModelPanel />;
    case 'utilisation':
      return (
        <Suspense fallback={<LoadingPanel />}>
          <AdminUtilisationPanel host={id} query={route.query} />
        </Suspense>
      );
    case 'tenant-utilisation':
      return (
        <Suspense fallback={<LoadingPanel />}>
          <TenantUtilisationPanel instance={id} query={route.query} />
        </Suspense>
      );
    default:
      return (
        <p className="note note-error" role="alert">
          No such page: {panel}. <a href={href('audits')}>Go to audits</a>.
        </p>
      );
  }
}

function LoadingPanel() {
  return (
    <p className="loading" role="status">
      Loading the panel…
    </p>
  );
}

export function App() {
  const route = useRoute();
  const session = useSession();
  const probe = useGoals();
  const main = useRef<HTMLElement>(null);
  const current = route.segments[0] ?? 'audits';
  const path = route.segments.join('/');

  // After a navigation, keyboard and screen-reader users land on the new panel's heading, not back at the top of
  // the navigation; the first page load leaves focus where the browser puts it (the skip link comes first).
  const shownPath = useRef(path);
  useEffect(() => {
    if (shownPath.current === path || main.current === null) return;
    shownPath.current = path;
    const element = main.current;
    const focusHeading = () => {
      const heading = element.querySelector<HTMLElement>('h1');
      heading?.focus({ preventScroll: true });
      return heading !== null;
    };
    if (focusHeading()) return;
    // A lazily loaded panel (utilisation) draws its heading once its chunk has arrived.
    const observer = new MutationObserver(() => {
      if (focusHeading()) observer.disconnect();
    });
    observer.observe(element, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [path]);

  if (probe.error instanceof ApiError && probe.error.status === 401)
    return (
      <LoginForm
        reason={
          session.token === undefined
            ? 'Steward checks Keystone tokens: log in to see the dashboard.'
            : `Keystone refused the token: ${probe.error.message}`
        }
      />
    );

  return (
    <div className="shell">
      {/* The hash holds the route, so the skip link moves focus itself instead of jumping to #main. */}
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Steward · Optimization</span>
        {session.token !== undefined && (
          <button type="button" onClick={() => session.setToken(undefined)}>
            Log out
          </button>
        )}
      </header>
      <nav className="sidebar" aria-label="Panels">
        <ul>
          {PANELS.map(([path, label]) => (
            <li key={path}>
              <a href={href(path)} aria-current={current === path ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}
