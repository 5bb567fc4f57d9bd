/**
 * A throwaway RabbitMQ vhost per test file on the machine's broker (127.0.0.1:5672, guest/guest), made with
 * rabbitmqctl; where rabbitmqctl is not usable the default vhost is shared and isolation comes from a unique
 * exchange/queue prefix instead. And, for the chaos tests only, a restart of the broker itself.
 *
 * STEWARD_TEST_RABBITMQ_URL and STEWARD_TEST_RABBITMQ_NODE (rabbitmqctl's `-n`) point the tests at another broker,
 * e.g. a private node while developing a chaos test, so the machine's broker is not restarted under other work.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const RABBITMQ_HOST_URL = process.env.STEWARD_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RABBITMQ_NODE = process.env.STEWARD_TEST_RABBITMQ_NODE;

/** rabbitmqctl on the tests' broker node; its own start-up takes seconds on a busy machine. */
const rabbitmqctl = (args: string[]) =>
  run('rabbitmqctl', [...(RABBITMQ_NODE ? ['-n', RABBITMQ_NODE] : []), ...args], { timeout: 120_000 });

export interface TempVhost {
  url: string;
  /** Unique per run: pass it as AmqpBus `prefix` so runs never share exchanges or queues. */
  prefix: string;
  vhost: string | undefined;
  /** Drops every connection of this vhost (a broker-side connection loss). Undefined without rabbitmqctl. */
  closeConnections?: () => Promise<void>;
  /**
   * An outage of this vhost alone: guest loses its permissions and every connection is dropped, so reconnections
   * are refused until `restore` (queues and their messages stay). Undefined without rabbitmqctl.
   */
  cutOff?: () => Promise<{ restore: () => Promise<void> }>;
  drop(): Promise<void>;
}

export async function createTempVhost(): Promise<TempVhost> {
  const id = randomBytes(5).toString('hex');
  const prefix = `t${id}.`;
  const vhost = `steward-test-${id}`;
  try {
    await rabbitmqctl(['add_vhost', vhost]);
    await rabbitmqctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  } catch {
    return { url: RABBITMQ_HOST_URL, prefix, vhost: undefined, drop: () => Promise.resolve() };
  }
  return {
    url: `${RABBITMQ_HOST_URL}/${encodeURIComponent(vhost)}`,
    prefix,
    vhost,
    closeConnections: () => closeConnections(vhost),
    cutOff: async () => {
      await rabbitmqctl(['clear_permissions', '-p', vhost, 'guest']);
      await closeConnections(vhost);
      return {
        restore: async () => {
          await rabbitmqctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
        },
      };
    },
    drop: async () => {
      await rabbitmqctl(['delete_vhost', vhost]);
    },
  };
}

async function closeConnections(vhost: string): Promise<void> {
  await rabbitmqctl(['close_all_connections', '--vhost', vhost, 'test: simulated connection loss']);
}

/** Fails (CI) or reports false when no broker listens on 127.0.0.1:5672. */
export async function rabbitmqReachable(): Promise<boolean> {
  const { createConnection } = await import('node:net');
  const url = new URL(RABBITMQ_HOST_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 5672) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Stops the RabbitMQ application on the broker node (`rabbitmqctl stop_app`; the Erlang node stays): every
 * connection is closed and nothing listens on the AMQP port until `startBroker`. Durable queues, persistent messages,
 * vhosts and permissions survive. Only the chaos tests call this, in the `chaos` project, which runs alone.
 */
export async function stopBroker(): Promise<void> {
  await rabbitmqctl(['stop_app']);
}

/**
 * Starts the broker again, whatever state a failed test left it in: the application (`rabbitmqctl start_app`, a
 * no-op when it runs), or the whole node as the machine starts it (`rabbitmq-server -detached`,
 * shared/design/services.md) when even the node is down; then waits until it accepts connections.
 */
export async function startBroker(): Promise<void> {
  try {
    await rabbitmqctl(['start_app']);
  } catch (error) {
    if (RABBITMQ_NODE)
      throw new Error(`RabbitMQ node ${RABBITMQ_NODE} is down; start it again by hand`, { cause: error });
    await run('rabbitmq-server', ['-detached'], { timeout: 120_000 });
  }
  await rabbitmqctl(['await_startup']);
  const deadline = Date.now() + 120_000;
  while (!(await rabbitmqReachable())) {
    if (Date.now() > deadline)
      throw new Error(`RabbitMQ does not listen at ${RABBITMQ_HOST_URL} after a start`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
