/**
 * The `steward` CLI over HTTP (microversion 1.7 by default, so newer than python-watcherclient): an operator
 * skips an action with a reason, starts plans and sees their outcomes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));
type Row = Record<string, unknown>;

describe('the steward CLI', () => {
  let server: TestServer;
  const steward = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [BIN, '--endpoint', server.url, '-f', 'json', ...args], {
      timeout: 60_000,
    });
    return JSON.parse(stdout) as unknown;
  };
  const auditPlan = async (auditUuid: string) => {
    await eventually(
      () => steward('audit', 'show', auditUuid) as Promise<Row>,
      (audit) => audit.state === 'SUCCEEDED',
    );
    const [plan] = (await steward('actionplan', 'list', '--audit', auditUuid)) as Row[];
    return plan!.uuid as string;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('skips an action with a reason; the plan SUCCEEDS and reports the skip', async () => {
    const audit = (await steward(
      'audit',
      'create',
      '--goal',
      'dummy',
      '--strategy',
      'dummy',
      '-p',
      'para1=1',
      '-p',
      'para2=skip me',
    )) as Row;
    const planUuid = await auditPlan(audit.uuid as string);
    const actions = (await steward('action', 'list', '--action-plan', planUuid)) as Row[];
    const skipped = (await steward(
      'action',
      'skip',
      actions[1]!.uuid as string,
      '--reason',
      'not during business hours',
    )) as Row;
    expect(skipped).toMatchObject({
      state: 'SKIPPED',
      status_message: 'Action skipped by user. Reason: not during business hours',
    });
    await steward('actionplan', 'start', planUuid);
    const plan = await eventually(
      () => steward('actionplan', 'show', planUuid) as Promise<Row>,
      (row) => row.state === 'SUCCEEDED',
    );
    expect(plan.status_message).toContain('not during business hours');
    const after = (await steward('action', 'list', '--action-plan', planUuid)) as Row[];
    expect(after.map((row) => row.state)).toEqual(['SUCCEEDED', 'SKIPPED', 'SUCCEEDED']);
  });

  it('ends a plan FAILED when one of its actions fails', async () => {
    const actions = JSON.stringify([
      { action_type: 'nop', input_parameters: { message: 'fine' } },
      { action_type: 'nop', input_parameters: { message: 'breaks', fail_execute: true } },
    ]);
    const audit = (await steward(
      'audit',
      'create',
      '--goal',
      'unclassified',
      '--strategy',
      'actuator',
      '-p',
      `actions=${actions}`,
    )) as Row;
    const planUuid = await auditPlan(audit.uuid as string);
    await steward('actionplan', 'start', planUuid);
    const plan = await eventually(
      () => steward('actionplan', 'show', planUuid) as Promise<Row>,
      (row) => row.state === 'FAILED',
    );
    expect(plan.status_message).toContain('Action failed in execute');
  });

  it('prints the API error and exits non-zero on bad input', async () => {
    await expect(
      run(process.execPath, [
        BIN,
        '--endpoint',
        server.url,
        'audit',
        'create',
        '--goal',
        'dummy',
        '--strategy',
        'dummy',
        '-p',
        'para1=100',
      ]),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('para1 must be <= 10.2') as unknown,
    });
  });

  it('lists goals, strategies and services as tables', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--endpoint', server.url, 'goal', 'list']);
    expect(stdout).toContain('server_consolidation');
    const services = (await steward('service', 'list')) as Row[];
    expect(services.map((row) => row.name)).toContain('steward-applier');
  });
});
