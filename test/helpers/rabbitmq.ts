/**
 * A throwaway RabbitMQ vhost per test file on the machine's broker (127.0.0.1:5672, guest/guest), made with
 * rabbitmqctl; where rabbitmqctl is not usable the default vhost is shared and isolation comes from a unique
 * exchange/queue prefix instead.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const RABBITMQ_HOST_URL = process.env.STEWARD_TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

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
    await run('rabbitmqctl', ['add_vhost', vhost]);
    await run('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  } catch {
    return { url: RABBITMQ_HOST_URL, prefix, vhost: undefined, drop: () => Promise.resolve() };
  }
  return {
    url: `${RABBITMQ_HOST_URL}/${encodeURIComponent(vhost)}`,
    prefix,
    vhost,
    closeConnections: () => closeConnections(vhost),
    cutOff: async () => {
      await run('rabbitmqctl', ['clear_permissions', '-p', vhost, 'guest']);
      await closeConnections(vhost);
      return {
        restore: async () => {
          await run('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
        },
      };
    },
    drop: async () => {
      await run('rabbitmqctl', ['delete_vhost', vhost]);
    },
  };
}

async function closeConnections(vhost: string): Promise<void> {
  await run('rabbitmqctl', ['close_all_connections', '--vhost', vhost, 'test: simulated connection loss']);
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
