/**
 * What Keystone authentication costs the API: requests per second of `GET /v1/goals` with a Keystone token in
 * `X-Auth-Token` (validated once by the machine's Keystone, then served from the cache) beside the same route
 * with noauth, in the same run, alternating the two so a busy machine weighs on both alike. Needs the test
 * Keystone of scripts/ensure-services.sh.
 */
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import { createJsonRequester, type JsonRequester } from '../src/cloud/http.js';
import { createKeystoneSession } from '../src/cloud/keystone.js';
import { createKeystoneTokenValidator } from '../src/cloud/keystone-token-validator.js';
import { createTestSteward, type TestSteward } from '../test/helpers/steward.js';
import { isKeystoneUp, issueToken, KEYSTONE_ADMIN, KEYSTONE_URL } from '../test/helpers/keystone.js';

export interface AuthBenchResult {
  noauthRequestsPerSecond: number[];
  keystoneRequestsPerSecond: number[];
  noauthP99Ms: number[];
  keystoneP99Ms: number[];
  /** Mean keystone req/s ÷ mean noauth req/s. */
  ratio: number;
  /** Calls Steward made to Keystone during the keystone rounds (one service token, one validation expected). */
  keystoneCalls: number;
  errors: number;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

async function measure(
  url: string,
  headers: Record<string, string>,
  durationSeconds: number,
  connections: number,
) {
  const result = await autocannon({ url, connections, duration: durationSeconds, headers });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export async function runAuthBench(
  options: { durationSeconds?: number; connections?: number; rounds?: number } = {},
): Promise<AuthBenchResult> {
  const durationSeconds = options.durationSeconds ?? 5;
  const connections = options.connections ?? 10;
  const rounds = options.rounds ?? 3;
  if (!(await isKeystoneUp()))
    throw new Error(
      `no Keystone at ${KEYSTONE_URL}: run scripts/install-system-deps.sh and scripts/ensure-services.sh`,
    );

  let keystoneCalls = 0;
  const http = createJsonRequester({ timeoutMs: 10_000, retries: 1 });
  const countingHttp: JsonRequester = (request) => {
    keystoneCalls++;
    return http(request);
  };
  // The bootstrap admin validates tokens here (its admin role passes identity:validate_token, as `service` would).
  const validator = createKeystoneTokenValidator({
    authUrl: KEYSTONE_URL,
    session: createKeystoneSession({
      auth: { authUrl: KEYSTONE_URL, ...KEYSTONE_ADMIN },
      http: countingHttp,
    }),
    http: countingHttp,
  });
  const stewards: TestSteward[] = [];
  try {
    const noauth = await createTestSteward({ config: { auth: { strategy: 'noauth' } } });
    stewards.push(noauth);
    const keystone = await createTestSteward({
      config: {
        auth: {
          strategy: 'keystone',
          validateToken: (token) => validator.validate(token),
          wwwAuthenticateUri: KEYSTONE_URL.replace(/\/v3$/, ''),
        },
      },
    });
    stewards.push(keystone);
    const listen = (app: FastifyInstance) => app.listen({ host: '127.0.0.1', port: 0 });
    const noauthUrl = `${await listen(noauth.app)}/v1/goals`;
    const keystoneUrl = `${await listen(keystone.app)}/v1/goals`;
    const token = await issueToken(KEYSTONE_ADMIN);

    const result: AuthBenchResult = {
      noauthRequestsPerSecond: [],
      keystoneRequestsPerSecond: [],
      noauthP99Ms: [],
      keystoneP99Ms: [],
      ratio: 0,
      keystoneCalls: 0,
      errors: 0,
    };
    for (let round = 0; round < rounds; round++) {
      const plain = await measure(noauthUrl, {}, durationSeconds, connections);
      const tokened = await measure(keystoneUrl, { 'X-Auth-Token': token }, durationSeconds, connections);
      result.noauthRequestsPerSecond.push(plain.requestsPerSecond);
      result.noauthP99Ms.push(plain.p99Ms);
      result.keystoneRequestsPerSecond.push(tokened.requestsPerSecond);
      result.keystoneP99Ms.push(tokened.p99Ms);
      result.errors += plain.errors + tokened.errors;
    }
    result.ratio = mean(result.keystoneRequestsPerSecond) / mean(result.noauthRequestsPerSecond);
    result.keystoneCalls = keystoneCalls;
    return result;
  } finally {
    for (const steward of stewards) await steward.close();
  }
}
