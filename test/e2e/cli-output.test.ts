/**
 * The `steward` CLI as its --help documents it, through the real executable against a listening server: cliff's
 * output formats and columns, list paging, colours only on a terminal, --wait, one-line usage errors, the
 * environment variables in --help and bash completion.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));
type Row = Record<string, unknown>;

describe('steward output, waiting and help, as documented', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const text = async (args: string[], env: Record<string, string> = {}) =>
    (
      await run(process.execPath, [BIN, '--endpoint', server.url, ...args], {
        env: { ...process.env, ...env },
      })
    ).stdout;
  const json = async (args: string[]) => JSON.parse(await text([...args, '-f', 'json'])) as unknown;
  /** Runs a shell command line in a pseudo-terminal (script(1)), as an operator's terminal would. */
  const inTerminal = async (line: string, env: Record<string, string> = {}) =>
    (
      await run('script', ['-qec', line, '/dev/null'], {
        env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: '', ...env },
      })
    ).stdout;

  it('prints no escape codes into a pipe or with NO_COLOR, and colours only a terminal', async () => {
    const command = `${process.execPath} ${BIN} --endpoint ${server.url} goal list`;
    const [piped, noColour, coloured] = await Promise.all([
      run('sh', ['-c', `${command} | cat`]).then((result) => result.stdout),
      inTerminal(command, { NO_COLOR: '1' }),
      inTerminal(command),
    ]);
    expect(piped).toContain('server_consolidation');
    expect(piped).not.toContain('\x1b');
    expect(noColour).toContain('server_consolidation');
    expect(noColour).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[');
  });

  it('-f yaml holds what -f json does; -f value -c uuid one uuid per line; -f csv a header and quoted rows', async () => {
    // Independent commands, run at once to keep the file quick.
    const [goals, yamlList, yamlOne, jsonOne, values, valueOne, csvText] = await Promise.all([
      json(['goal', 'list']) as Promise<Row[]>,
      text(['goal', 'list', '-f', 'yaml']),
      text(['goal', 'show', 'dummy', '-f', 'yaml']),
      json(['goal', 'show', 'dummy']),
      text(['goal', 'list', '-f', 'value', '-c', 'uuid']),
      text(['goal', 'show', 'dummy', '-f', 'value', '-c', 'name', '-c', 'uuid']),
      text(['goal', 'list', '-f', 'csv', '-c', 'name', '-c', 'display_name']),
    ]);
    expect(parseYaml(yamlList)).toEqual(goals);
    expect(parseYaml(yamlOne)).toEqual(jsonOne);
    expect(values.trimEnd().split('\n')).toEqual(goals.map((goal) => goal.uuid));
    expect(valueOne).toBe(`dummy\n${String(goals.find((goal) => goal.name === 'dummy')!.uuid)}\n`);
    const csv = csvText.split('\n');
    expect(csv[0]).toBe('"name","display_name"');
    expect(csv).toContain('"dummy","Dummy goal"');
  });

  it('pages with --limit and --marker, sorts with --sort-key/--sort-dir, and shows every field with --detail', async () => {
    const sorted = (await json(['goal', 'list', '--sort-key', 'name', '--sort-dir', 'desc'])) as Row[];
    const names = sorted.map((goal) => String(goal.name));
    expect(names).toEqual([...names].sort().reverse());
    const first = (await json(['goal', 'list', '--sort-key', 'name', '--limit', '2'])) as Row[];
    const next = (await json([
      'goal',
      'list',
      '--sort-key',
      'name',
      '--limit',
      '2',
      '--marker',
      String(first[1]!.uuid),
    ])) as Row[];
    expect([...first, ...next].map((goal) => goal.name)).toEqual([...names].reverse().slice(0, 4));
    expect(Object.keys(first[0]!)).toEqual(['uuid', 'name', 'display_name']);
    const [detailed] = (await json(['goal', 'list', '--limit', '1', '--detail'])) as Row[];
    expect(Object.keys(detailed!)).toEqual(expect.arrayContaining(['efficacy_specification', 'created_at']));
  });

  it('--wait on audit create prints the audit once it ended; --wait on actionplan start exits with the outcome', async () => {
    const audit = (await json([
      'audit',
      'create',
      '--goal',
      'unclassified',
      '--strategy',
      'actuator',
      '-p',
      `actions=${JSON.stringify([{ action_type: 'nop', input_parameters: { message: 'x', fail_execute: true } }])}`,
      '--wait',
    ])) as Row;
    expect(audit.state).toBe('SUCCEEDED');
    const [plan] = (await json(['actionplan', 'list', '--audit', String(audit.uuid)])) as Row[];
    const started = run(process.execPath, [
      BIN,
      '--endpoint',
      server.url,
      'actionplan',
      'start',
      String(plan!.uuid),
      '--wait',
      '-f',
      'value',
      '-c',
      'state',
    ]);
    await expect(started).rejects.toMatchObject({ code: 2, stdout: 'FAILED\n' });
    await expect(
      run(process.execPath, [BIN, '--endpoint', server.url, 'audit', 'create', '-t', 'CONTINUOUS', '--wait']),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^ERROR: --wait waits for a ONESHOT audit/) as unknown,
    });
  });

  it.each([
    [
      ['audit', 'create', '-g', 'dummy', '-p', 'para1'],
      /^error: option '-p, --parameter <key=value>' argument 'para1' is invalid\. expected key=value/,
    ],
    [
      ['goal', 'list', '-c', 'nope'],
      /^ERROR: No recognized column names in 'nope'\. Recognized columns are 'uuid', 'name'/,
    ],
    [['audit', 'update', 'x', 'replace', 'state'], /^ERROR: expected path=value, got state/],
  ])('refuses %j in one line without a stack', async (args, message) => {
    const failed = (await run(process.execPath, [BIN, '--endpoint', server.url, ...args]).catch(
      (error: unknown) => error,
    )) as { code: number; stderr: string };
    expect(failed.code).toBeGreaterThan(0);
    expect(failed.stderr).toMatch(message);
    expect(failed.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it("takes an audit name in --audit, where the API filter (as Watcher's) takes only a uuid", async () => {
    const name = `by-name-${Date.now()}`;
    const audit = (await json([
      'audit',
      'create',
      '-g',
      'dummy',
      '-s',
      'dummy',
      '--name',
      name,
      '--wait',
    ])) as Row;
    expect(((await json(['audit', 'show', name])) as Row).uuid).toBe(audit.uuid);
    const byName = (await json(['actionplan', 'list', '--audit', name])) as Row[];
    expect(byName).toHaveLength(1);
    expect(byName).toEqual(await json(['actionplan', 'list', '--audit', String(audit.uuid)]));
    const filtered = await fetch(`${server.url}/v1/action_plans?audit_uuid=${name}`);
    expect(filtered.status).toBe(400);
    expect(await filtered.text()).toContain(`Expected a uuid but received ${name}`);
  });

  it.skipIf(!existsSync('/usr/bin/openstack'))(
    'has a command to skip an action, which python-watcherclient 4.0.0 has not (only action list and show)',
    async () => {
      const [group] = JSON.parse(
        (await run('/usr/bin/openstack', ['command', 'list', '--group', 'infra_optim', '-f', 'json'])).stdout,
      ) as { Commands: string[] }[];
      expect(group!.Commands.filter((command) => command.startsWith('optimize action '))).toEqual([
        'optimize action list',
        'optimize action show',
      ]);
      expect(await text(['action', '--help'])).toMatch(/skip \[options\] <action>/);
    },
  );

  it('names in its help every environment variable the CLI reads', async () => {
    const cliDir = fileURLToPath(new URL('../../src/cli/', import.meta.url));
    const read = new Set(
      readdirSync(cliDir)
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
        .flatMap((file) => [...readFileSync(`${cliDir}${file}`, 'utf8').matchAll(/process\.env\.([A-Z_]+)/g)])
        .map((match) => match[1]!),
    );
    expect(read).toContain('STEWARD_ENDPOINT');
    const help = (
      await Promise.all([
        text(['--help']),
        text(['serve', '--help']),
        text(['keystone', 'register', '--help']),
      ])
    ).join('\n');
    for (const variable of [...read, 'NO_COLOR', 'STEWARD_CONFIG', 'STEWARD_LOG_LEVEL', 'STEWARD_LOG_FORMAT'])
      expect(help, variable).toContain(variable);
  });

  it('completes commands and options in bash, generated from the command tree', async () => {
    const complete = async (words: string[]) =>
      (
        await run('bash', [
          '-c',
          `source <(${process.execPath} ${BIN} completion bash); COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _steward; echo "\${COMPREPLY[@]}"`,
        ])
      ).stdout.trim();
    expect(await complete(['steward', 'actionplan', 'w'])).toBe('watch');
    expect(await complete(['steward', '--endpoint', 'x', 'audit', 'create', '--w'])).toBe('--wait');
    expect(await complete(['steward', 'goal', 'list', '--so'])).toBe('--sort-key --sort-dir');
    expect((await text(['completion', 'zsh'])).split('\n')[1]).toBe(
      'autoload -U +X bashcompinit && bashcompinit',
    );
  });
});
