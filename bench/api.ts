/**
 * API throughput and latency: `GET /v1/audits?limit=100` (1,000 audits seeded) and `POST /v1/audits`, over real
 * HTTP on 127.0.0.1 with autocannon, on PGlite and on PostgreSQL; each as a ratio to a bare Fastify route that
 * returns a fixed JSON list, measured in the same run on the same machine.
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createTestSteward } from '../test/helpers/steward.js';

export interface ApiBenchRow {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  baselineRequestsPerSecond: number;
  /** requests/s of this route ÷ requests/s of the bare route. */
  throughputRatio: number;
  /** p99 of this route ÷ p99 of the bare route. */
  p99Ratio: number;
  errors: number;
}

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

async function measure(
  url: string,
  options: { method?: 'GET' | 'POST'; body?: () => string; durationSeconds: number; connections: number },
): Promise<Measured> {
  const result = await autocannon({
    url,
    method: options.method ?? 'GET',
    connections: options.connections,
    duration: options.durationSeconds,
    headers: { 'content-type': 'application/json', 'openstack-api-version': 'infra-optim 1.7' },
    ...(options.body && {
      requests: [{ setupRequest: (request) => ({ ...request, body: options.body!() }) }],
    }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

export async function runApiBench(options: {
  dialect: 'pglite' | 'postgres';
  durationSeconds?: number;
  connections?: number;
}): Promise<ApiBenchRow[]> {
  const durationSeconds = options.durationSeconds ?? 5;
  const connections = options.connections ?? 10;

  const bare = Fastify();
  const fixed = {
    audits: Array.from({ length: 100 }, (_, n) => ({
      uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      name: `audit-${n}`,
    })),
  };
  bare.get('/bare', () => fixed);
  bare.post('/bare', (request) => ({ echoed: request.body }));
  const bareUrl = await listen(bare);

  const steward = await createTestSteward({ dialect: options.dialect });
  const url = await listen(steward.app);
  try {
    const dummy = (await steward.store.strategies.find('dummy'))!;
    for (let n = 0; n < 1000; n++) {
      await steward.store.audits.create({
        name: `seed-${n}`,
        auditType: 'ONESHOT',
        state: 'SUCCEEDED',
        parameters: { para1: 3.2, para2: 'hello' },
        interval: null,
        goalId: dummy.goalId,
        strategyId: dummy.id,
        scope: [],
        autoTrigger: false,
        nextRunTime: null,
        startTime: null,
        endTime: null,
        force: false,
        forceRefresh: false,
      });
    }
    const baseGet = await measure(`${bareUrl}/bare`, { durationSeconds, connections });
    const get = await measure(`${url}/v1/audits?limit=100`, { durationSeconds, connections });
    // EVENT audits are stored and not run, so the benchmark measures the API and the store, not the engine.
    let sequence = 0;
    const auditBody = () =>
      JSON.stringify({
        audit_type: 'EVENT',
        goal: 'dummy',
        strategy: 'dummy',
        name: `bench-${options.dialect}-${++sequence}-${Math.random()}`,
      });
    const basePost = await measure(`${bareUrl}/bare`, {
      method: 'POST',
      body: auditBody,
      durationSeconds,
      connections,
    });
    const post = await measure(`${url}/v1/audits`, {
      method: 'POST',
      body: auditBody,
      durationSeconds,
      connections,
    });
    const row = (name: string, measured: Measured, baseline: Measured): ApiBenchRow => ({
      name,
      ...measured,
      baselineRequestsPerSecond: baseline.requestsPerSecond,
      throughputRatio: measured.requestsPerSecond / baseline.requestsPerSecond,
      p99Ratio: measured.p99Ms / Math.max(baseline.p99Ms, 0.001),
    });
    return [
      row(`GET /v1/audits?limit=100 (${options.dialect})`, get, baseGet),
      row(`POST /v1/audits (${options.dialect})`, post, basePost),
    ];
  } finally {
    await steward.close();
    await bare.close();
  }
}
