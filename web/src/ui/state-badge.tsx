/** A state as colour, icon and word together, so it reads without colour vision too. */
const LOOKS: Record<string, { tone: string; icon: string }> = {
  RECOMMENDED: { tone: 'info', icon: '★' },
  PENDING: { tone: 'neutral', icon: '○' },
  ONGOING: { tone: 'active', icon: '⟳' },
  SUCCEEDED: { tone: 'ok', icon: '✓' },
  ACTIVE: { tone: 'ok', icon: '✓' },
  FAILED: { tone: 'bad', icon: '✗' },
  CANCELLING: { tone: 'warn', icon: '⊘' },
  CANCELLED: { tone: 'muted', icon: '⊘' },
  SKIPPED: { tone: 'warn', icon: '⤼' },
  SUSPENDED: { tone: 'muted', icon: '⏸' },
  SUPERSEDED: { tone: 'muted', icon: '↷' },
  DELETED: { tone: 'muted', icon: '🗑' },
};

export function StateBadge({ state }: { state: string }) {
  const look = LOOKS[state] ?? { tone: 'neutral', icon: '•' };
  return (
    <span className={`badge badge-${look.tone}`} data-state={state}>
      <span aria-hidden="true">{look.icon}</span> {state}
    </span>
  );
}
