/**
 * The `steward` CLI over HTTP (microversion 1.7 by default, so newer than python-watcherclient): an operator
 * skips an action with a reason, starts plans and sees their outcomes.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StewardClient } from '../../src/contract/client.js';
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

describe('steward actionplan watch', () => {
  let server: TestServer;
  // Pages of two: a plan's actions come in several, as a large plan's do at the default max_limit of 1,000.
  beforeAll(async () => {
    server = await startTestServer({ 'api.maxLimit': 2 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Runs the watch with stdout a pipe (not a terminal), as a CI log or `| tee` would. */
  const watch = (planUuid: string, onStdout?: (text: string) => void) => {
    const child = spawn(
      process.execPath,
      [BIN, '--endpoint', server.url, 'actionplan', 'watch', planUuid, '--interval', '0.2'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('exit', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, exited };
  };
  const actuatorPlan = async (actions: unknown[]) => {
    const client = new StewardClient({ endpoint: server.url });
    const audit = await client.create('audits', {
      audit_type: 'ONESHOT',
      goal: 'unclassified',
      strategy: 'actuator',
      parameters: { actions },
    });
    await eventually(
      () => client.show('audits', String(audit.uuid)),
      (shown) => shown.state === 'SUCCEEDED',
    );
    const [plan] = await client.list('action_plans', { audit_uuid: String(audit.uuid) });
    return { client, planUuid: String(plan!.uuid) };
  };

  it('follows a plan across pages of actions from RECOMMENDED to SUCCEEDED, a line per change, and exits 0', async () => {
    const { client, planUuid } = await actuatorPlan([
      { action_type: 'nop', input_parameters: { message: 'one' } },
      { action_type: 'sleep', input_parameters: { duration: 1 } },
      { action_type: 'nop', input_parameters: { message: 'three' } },
      { action_type: 'nop', input_parameters: { message: 'four' } },
      { action_type: 'nop', input_parameters: { message: 'five' } },
    ]);
    let started = false;
    const { exited } = watch(planUuid, (stdout) => {
      // Start the plan once the watch has shown it waiting, so the watch sees it run.
      if (!started && stdout.includes('RECOMMENDED')) {
        started = true;
        void client.startActionPlan(planUuid);
      }
    });
    const { code, stdout, stderr } = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b');
    const actions = await client.listAll('actions', { action_plan_uuid: planUuid });
    expect(actions).toHaveLength(5);
    const printed = stdout.trimEnd().split('\n');
    // Every action's last line is its final state; the sleep was seen running.
    for (const action of actions) {
      const last = printed.filter((line) => line.includes(`  ${String(action.uuid).slice(0, 8)}  `)).at(-1);
      expect(last).toMatch(/ SUCCEEDED$/);
    }
    expect(printed.some((line) => / sleep .* ONGOING$/.test(line))).toBe(true);
    expect(printed[0]).toMatch(/nop +one +PENDING$/);
    expect(printed.at(-1)).toMatch(
      new RegExp(`plan ${planUuid}  SUCCEEDED  5/5 succeeded, 0 skipped, 0 failed$`),
    );
  });

  it('exits 2 when the plan FAILS, 1 for a plan that does not exist', async () => {
    const { client, planUuid } = await actuatorPlan([
      { action_type: 'nop', input_parameters: { message: 'breaks', fail_execute: true } },
    ]);
    await client.startActionPlan(planUuid);
    const failed = await watch(planUuid).exited;
    expect(failed.code).toBe(2);
    expect(failed.stdout).toMatch(/nop +breaks +FAILED +Action failed in execute/);
    const missing = await watch('00000000-0000-4000-8000-000000000000').exited;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ERROR \(HTTP 404\)/);
  });

  it('stops on Ctrl-C with 130 and leaves the plan running', async () => {
    const { client, planUuid } = await actuatorPlan([
      { action_type: 'sleep', input_parameters: { duration: 30 } },
    ]);
    await client.startActionPlan(planUuid);
    let interrupted = false;
    const { child, exited } = watch(planUuid, (stdout) => {
      if (!interrupted && / sleep .* ONGOING$/m.test(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const { code, stderr } = await exited;
    expect(code).toBe(130);
    expect(stderr).toContain(`Stopped watching; the plan goes on (steward actionplan show ${planUuid})`);
    expect((await client.show('action_plans', planUuid)).state).toBe('ONGOING');
    await client.update('action_plans', planUuid, [{ op: 'replace', path: '/state', value: 'CANCELLING' }]);
  });
});
