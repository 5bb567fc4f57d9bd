import { describe, expect, it } from 'vitest';
import { watcherclientEndpoint } from './keystone.js';

describe("the URL python-watcherclient calls for a catalog endpoint (rstrip('/').rstrip('/v1'))", () => {
  it.each([
    ['http://127.0.0.1:9322', 'http://127.0.0.1:9322'],
    ['http://127.0.0.1:9322/', 'http://127.0.0.1:9322'],
    ['http://127.0.0.1:9322/v1', 'http://127.0.0.1:9322'],
    ['http://127.0.0.1:36771', 'http://127.0.0.1:3677'],
    ['http://127.0.0.1:9311/', 'http://127.0.0.1:93'],
    ['https://cloud.example/infra-optim/v', 'https://cloud.example/infra-optim'],
  ])('%s → %s', (url, called) => expect(watcherclientEndpoint(url)).toBe(called));
});
