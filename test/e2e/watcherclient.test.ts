/**
 * The real python-watcherclient (Debian python3-watcherclient 4.0.0, microversions up to 1.4) drives every
 * `openstack optimize` command against Steward. Each must exit 0 and print what the server holds.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const available = existsSync(OPENSTACK);
if (!available && process.env.CI === 'true')
  throw new Error(`${OPENSTACK} is missing: install python3-openstackclient and python3-watcherclient`);

type Row = Record<string, unknown>;

describe.skipIf(!available)('openstack optimize (python-watcherclient) against Steward', () => {
  let server: TestServer;

  const optimize = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      OPENSTACK,
      ['--os-auth-type', 'none', '--os-endpoint', server.url, 'optimize', ...args],
      {
        env: { ...process.env, OS_CLOUD: '', PYTHONWARNINGS: 'ignore' },
        timeout: 60_000,
      },
    );
    return stdout;
  };
  const json = async <T = Row>(...args: string[]): Promise<T> =>
    JSON.parse(await optimize(...args, '-f', 'json')) as T;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists and shows goals', async () => {
    const goals = await json<Row[]>('goal', 'list');
    expect(goals.map((goal) => goal.Name)).toEqual(
      expect.arrayContaining(['dummy', 'server_consolidation', 'workload_balancing']),
    );
    const dummy = await json('goal', 'show', 'dummy');
    expect(dummy).toMatchObject({ Name: 'dummy', 'Display name': 'Dummy goal' });
  });

  it('lists, shows and reports the state of strategies', async () => {
    const strategies = await json<Row[]>('strategy', 'list', '--goal', 'dummy');
    expect(strategies.map((strategy) => strategy.Name).sort()).toEqual([
      'dummy',
      'dummy_with_resize',
      'dummy_with_scorer',
    ]);
    const dummy = await json('strategy', 'show', 'dummy');
    expect(dummy).toMatchObject({ Name: 'dummy', Goal: 'dummy' });
    expect(JSON.stringify(dummy['Parameters spec'] ?? dummy)).toContain('para1');
    const state = await json<Row[]>('strategy', 'state', 'dummy');
    expect(state.map((row) => row.Type)).toEqual(['Datasource', 'Metrics', 'CDM', 'Name']);
  });

  it('creates, lists, shows, updates and deletes audit templates', async () => {
    const created = await json(
      'audittemplate',
      'create',
      'at-e2e',
      'dummy',
      '-s',
      'dummy',
      '-d',
      'made by the e2e test',
    );
    expect(created).toMatchObject({ Name: 'at-e2e', Goal: 'dummy', Strategy: 'dummy' });
    const list = await json<Row[]>('audittemplate', 'list');
    expect(list.map((row) => row.Name)).toContain('at-e2e');
    expect(await json('audittemplate', 'show', 'at-e2e')).toMatchObject({
      Name: 'at-e2e',
      Description: 'made by the e2e test',
    });
    const updated = await json('audittemplate', 'update', 'at-e2e', 'replace', 'description=changed');
    expect(updated).toMatchObject({ Description: 'changed' });
    await json('audittemplate', 'create', 'at-doomed', 'dummy');
    await optimize('audittemplate', 'delete', 'at-doomed');
    expect((await json<Row[]>('audittemplate', 'list')).map((row) => row.Name)).not.toContain('at-doomed');
  });

  it('runs a one-shot audit with parameters to SUCCEEDED and executes its plan', async () => {
    const audit = await json(
      'audit',
      'create',
      '-a',
      'at-e2e',
      '-p',
      'para1=1.0',
      '-p',
      'para2=hi',
      '--name',
      'oneshot-e2e',
    );
    expect(audit).toMatchObject({ Name: 'oneshot-e2e', 'Audit Type': 'ONESHOT' });
    const uuid = audit.UUID as string;
    const finished = await eventually(
      () => json('audit', 'show', uuid),
      (row) => row.State === 'SUCCEEDED',
    );
    expect(finished.Parameters).toMatchObject({ para1: 1, para2: 'hi' });
    expect((await json<Row[]>('audit', 'list')).map((row) => row.UUID)).toContain(uuid);

    const plans = await json<Row[]>('actionplan', 'list', '--audit', uuid);
    expect(plans).toHaveLength(1);
    const planUuid = plans[0]!.UUID as string;
    expect(await json('actionplan', 'show', planUuid)).toMatchObject({ State: 'RECOMMENDED' });
    const actions = await json<Row[]>('action', 'list', '--action-plan', planUuid, '--detail');
    expect(actions.map((row) => row.Action)).toEqual(['nop', 'nop', 'sleep']);
    expect(await json('action', 'show', actions[2]!.UUID as string)).toMatchObject({
      Action: 'sleep',
      State: 'PENDING',
    });

    await optimize('actionplan', 'start', planUuid);
    const done = await eventually(
      () => json('actionplan', 'show', planUuid),
      (row) => row.State === 'SUCCEEDED',
    );
    expect(done.State).toBe('SUCCEEDED');
    const executed = await json<Row[]>('action', 'list', '--action-plan', planUuid, '--detail');
    expect(executed.map((row) => row.State)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    await optimize('actionplan', 'delete', planUuid);
    expect((await json<Row[]>('actionplan', 'list', '--audit', uuid)).length).toBe(0);
    await optimize('audit', 'delete', uuid);
    expect((await json<Row[]>('audit', 'list')).map((row) => row.UUID)).not.toContain(uuid);
  });

  it('cancels and updates action plans', async () => {
    const audit = await json('audit', 'create', '-g', 'dummy', '-s', 'dummy', '-p', 'para1=1.0');
    await eventually(
      () => json('audit', 'show', audit.UUID as string),
      (row) => row.State === 'SUCCEEDED',
    );
    const [plan] = await json<Row[]>('actionplan', 'list', '--audit', audit.UUID as string);
    const cancelled = await json('actionplan', 'cancel', plan!.UUID as string);
    expect(cancelled.State).toBe('CANCELLED');

    const second = await json('audit', 'create', '-g', 'dummy', '-s', 'dummy', '-p', 'para1=1.0');
    await eventually(
      () => json('audit', 'show', second.UUID as string),
      (row) => row.State === 'SUCCEEDED',
    );
    const [plan2] = await json<Row[]>('actionplan', 'list', '--audit', second.UUID as string);
    const updated = await json('actionplan', 'update', plan2!.UUID as string, 'replace', 'state=CANCELLED');
    expect(updated.State).toBe('CANCELLED');
  });

  it('creates continuous audits by interval and by cron, and suspends one', async () => {
    const byInterval = await json(
      'audit',
      'create',
      '-t',
      'CONTINUOUS',
      '-i',
      '3600',
      '-g',
      'dummy',
      '-s',
      'dummy',
      '--name',
      'every-hour',
    );
    expect(byInterval).toMatchObject({ 'Audit Type': 'CONTINUOUS', Interval: '3600', Name: 'every-hour' });
    const byCron = await json(
      'audit',
      'create',
      '-t',
      'CONTINUOUS',
      '-i',
      '*/5 * * * *',
      '-g',
      'dummy',
      '-s',
      'dummy',
      '--name',
      'every-5-min',
    );
    expect(byCron).toMatchObject({ Interval: '*/5 * * * *' });
    const running = await eventually(
      () => json('audit', 'show', 'every-hour'),
      (row) => row.State === 'ONGOING',
    );
    expect(running['Next Run Time']).not.toBeNull();
    const suspended = await json('audit', 'update', 'every-hour', 'replace', 'state=SUSPENDED');
    expect(suspended.State).toBe('SUSPENDED');
  });

  it('lists the data model, services and scoring engines', async () => {
    // The server runs on the embedded defaults: a simulated cloud of 16 hosts and 120 instances.
    const rows = await json<Row[]>('datamodel', 'list');
    const model = server.steward.models!.current!;
    expect(rows).toHaveLength(model.instanceCount);
    expect(model.instanceCount).toBe(120);
    const hosts = new Set(rows.map((row) => row['Node Host Name']));
    expect(hosts.size).toBe(16);
    const first = [...model.instances()][0]!;
    expect(rows.map((row) => row['Server UUID'])).toContain(first.uuid);
    const services = await json<Row[]>('service', 'list');
    expect(services.map((row) => row.Name)).toEqual(
      expect.arrayContaining(['steward-api', 'steward-decision-engine', 'steward-applier']),
    );
    const engine = await json('service', 'show', 'steward-decision-engine');
    expect(engine).toMatchObject({ Name: 'steward-decision-engine', Status: 'ACTIVE' });
    const engines = await json<Row[]>('scoringengine', 'list');
    expect(engines.map((row) => row.Name)).toContain('dummy_scorer');
    expect(await json('scoringengine', 'show', 'dummy_scorer')).toMatchObject({ Name: 'dummy_scorer' });
  });
});
