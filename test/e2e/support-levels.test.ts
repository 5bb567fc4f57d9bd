/**
 * The 2025.2 PTG support levels in the API, where a client or the dashboard reads them: every strategy carries its
 * `support_level` (the deprecated l3-cache `noisy_neighbor` among them) in the list and in `GET /v1/strategies/{name}`,
 * and a strategy's state lists every datasource with its level (Monasca and Grafana unsupported).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasources } from '../../src/datasources/index.js';
import { strategies } from '../../src/strategies/index.js';
import { createTestSteward, type TestSteward } from '../helpers/steward.js';

type Json = Record<string, unknown>;

describe('support levels in the API', () => {
  let steward: TestSteward;
  const get = async (url: string): Promise<Json | Json[]> =>
    (
      await steward.app.inject({
        method: 'GET',
        url,
        headers: { 'OpenStack-API-Version': 'infra-optim latest' },
      })
    ).json();

  beforeAll(async () => {
    steward = await createTestSteward();
  });
  afterAll(async () => {
    await steward?.close();
  });

  it('shows noisy_neighbor as deprecated in GET /v1/strategies/{name}', async () => {
    const shown = (await get('/v1/strategies/noisy_neighbor')) as Json;
    expect(shown).toMatchObject({ name: 'noisy_neighbor', support_level: 'deprecated' });
    const byUuid = (await get(`/v1/strategies/${String(shown.uuid)}`)) as Json;
    expect(byUuid.support_level).toBe('deprecated');
  });

  it('lists every strategy with the level its registry entry declares', async () => {
    const listed = ((await get('/v1/strategies?limit=1000')) as Json).strategies as Json[];
    expect(Object.fromEntries(listed.map((s) => [s.name, s.support_level]))).toEqual(
      Object.fromEntries(strategies.all.map((s) => [s.name, s.supportLevel])),
    );
  });

  it('lists every datasource with its level in a strategy’s state, Monasca and Grafana unsupported', async () => {
    const rows = (await get('/v1/strategies/workload_balance/state')) as Json[];
    const comment = String(rows.find((row) => row.type === 'Datasource')?.comment);
    expect(comment).toMatch(/^support levels: /);
    expect(comment).toContain('prometheus core');
    expect(comment).toMatch(/(^|[ ;,])grafana(, [a-z]+)* unsupported/);
    expect(comment).toMatch(/(^|[ ;,])monasca(, [a-z]+)* unsupported/);
    for (const { name } of datasources.all) expect(comment).toContain(name);
    const deprecated = (await get('/v1/strategies/noisy_neighbor/state')) as Json[];
    expect(deprecated.find((row) => row.type === 'Name')?.comment).toBe('support level: deprecated');
  });
});
