/**
 * The live compute model catches up after the bus lost its connection: whatever Nova notified meanwhile is lost for
 * good (the model's exclusive queue died with the connection), so the reconnection brings a full sync. Here the
 * simulated Nova notifies on a bus of its own that never reaches RabbitMQ, so a live migration is certainly missed
 * by the model until that sync; the model's bus is on the machine's RabbitMQ, in a vhost of its own whose
 * connections the test drops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpBus } from '../../src/bus/amqp-bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { createCloudClients, type CloudClients } from '../../src/cloud/openstack.js';
import {
  createComputeModelProvider,
  type LiveComputeModelProvider,
} from '../../src/collectors/compute-model-provider.js';
import { collectComputeModel } from '../../src/collectors/nova-sync.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createSimulatedCloud, type SimulatedCloud } from '../../src/simulator/index.js';
import { createTempVhost, rabbitmqReachable, type TempVhost } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/server.js';

const brokerUp = await rabbitmqReachable();
if (!brokerUp && process.env.CI === 'true') throw new Error('RabbitMQ is not listening on 127.0.0.1:5672');

describe.skipIf(!brokerUp)('the live compute model after the bus reconnects', () => {
  let vhost: TempVhost;
  let bus: AmqpBus;
  let novaBus: InProcessBus;
  let clock: ManualClock;
  let cloud: SimulatedCloud;
  let clients: CloudClients;
  let provider: LiveComputeModelProvider;
  let metrics: Metrics;
  let syncs = 0;

  beforeAll(async () => {
    vhost = await createTempVhost();
    metrics = createMetrics({ defaultMetrics: false });
    bus = await AmqpBus.connect({
      url: vhost.url,
      prefix: vhost.prefix,
      logger: silentLogger,
      metrics,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    novaBus = new InProcessBus({ logger: silentLogger });
    clock = new ManualClock();
    cloud = createSimulatedCloud({ clock, bus: novaBus, cluster: { hosts: 4, instances: 12, seed: 5 } });
    await cloud.listen({ host: '127.0.0.1', port: 0 });
    const c = cloud.credentials;
    clients = createCloudClients({
      auth: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName },
      clock,
    });
    provider = createComputeModelProvider({
      collect: async (signal) => {
        syncs++;
        return (await collectComputeModel(clients, { now: clock.now(), ...(signal && { signal }) })).model;
      },
      bus,
      clock,
      logger: silentLogger,
      metrics,
      // Only the reconnection can bring the next sync.
      syncIntervalMs: 3_600_000,
    });
    await provider.start();
    await provider.waitFor((model) => model.nodeCount === 4, 10_000);
  });

  afterAll(async () => {
    await provider?.stop();
    await clients?.close();
    await cloud?.close();
    await novaBus?.close();
    await bus?.close();
    await vhost?.drop();
  });

  it('syncs once when the bus is back and shows the migration whose notifications it missed', async () => {
    if (!vhost.closeConnections) throw new Error('rabbitmqctl is needed to drop connections');
    const model = provider.current!;
    const instance = [...model.instances()].find((candidate) => candidate.state === 'active')!;
    const source = instance.hostname!;
    await clients.compute.liveMigrate(instance.uuid, { host: null, blockMigration: 'auto' });
    await clock.advance(600_000);
    await cloud.settle();
    const destination = (await clients.compute.getServer(instance.uuid))!.hostname!;
    expect(destination).not.toBe(source);
    // Nova's notifications went where the model cannot hear them.
    expect(provider.current!.getInstance(instance.uuid)!.hostname).toBe(source);
    const syncsBefore = syncs;

    await vhost.closeConnections();
    await eventually(
      () => Promise.resolve(provider.current!.getInstance(instance.uuid)!.hostname),
      (host) => host === destination,
      10_000,
    );

    expect(syncs).toBe(syncsBefore + 1);
    const resyncs = (await metrics.modelResyncs.get()).values;
    expect(resyncs.map(({ labels, value }) => ({ ...labels, value }))).toEqual([
      { model: 'compute', cause: 'bus_reconnect', value: 1 },
    ]);
    expect((await metrics.busReconnects.get()).values[0]?.value).toBe(1);
  });
});
