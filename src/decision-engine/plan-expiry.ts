/** RECOMMENDED plans older than the expiry become SUPERSEDED (upstream `check_expired`), with the reason. */
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/store.js';

export async function supersedeExpiredPlans(
  store: Store,
  clock: Clock,
  expiryHours: number,
): Promise<number> {
  const cutoff = clock.now().getTime() - expiryHours * 3600 * 1000;
  const plans = await store.actionPlans.list({ limit: 1000, filters: { states: ['RECOMMENDED'] } });
  let superseded = 0;
  for (const plan of plans) {
    if (plan.createdAt.getTime() >= cutoff) continue;
    const updated = await store.actionPlans.updateIfState(plan.uuid, ['RECOMMENDED'], {
      state: 'SUPERSEDED',
      statusMessage: `Expired: not started within ${expiryHours} h of its creation.`,
    });
    if (updated) superseded++;
  }
  return superseded;
}
