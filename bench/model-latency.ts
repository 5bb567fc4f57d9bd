/**
 * How soon a live migration shows in Steward's model: the simulated Nova finishes the move and publishes its
 * notifications (pre/post/post_dest…), and the clock stops when the live model holds the destination host. Over
 * the in-process bus and the machine's RabbitMQ. Baseline, same bus, same run: one message from publish to a
 * subscriber's handler (the bus's own latency, with no cloud and no model).
 */
import { AmqpBus } from '../src/bus/amqp-bus.js';
import type { Bus } from '../src/bus/bus.js';
import { InProcessBus } from '../src/bus/in-process-bus.js';
import { createCloudClients } from '../src/cloud/openstack.js';
import { createComputeModelProvider } from '../src/collectors/compute-model-provider.js';
import { collectComputeModel } from '../src/collectors/nova-sync.js';
import { ManualClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/observability/logger.js';
import { createSimulatedCloud } from '../src/simulator/index.js';

export interface ModelLatencyRow {
  bus: 'in-process' | 'rabbitmq';
  moves: number;
  medianMs: number;
  maxMs: number;
  baselineMedianMs: number;
  /** median / baseline median. */
  ratio: number;
  targetMs: number;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function busLatency(bus: Bus, samples: number): Promise<number[]> {
  const destination = { exchange: 'steward', routingKey: 'bench.latency' };
  let arrived: () => void = () => undefined;
  const subscription = await bus.subscribe(destination, () => Promise.resolve(arrived()));
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const got = new Promise<void>((resolve) => (arrived = resolve));
    const start = performance.now();
    await bus.publish(destination, { i });
    await got;
    times.push(performance.now() - start);
  }
  await subscription.close();
  return times;
}

export async function runModelLatencyBench(
  options: { moves?: number; url?: string } = {},
): Promise<ModelLatencyRow[]> {
  const moves = options.moves ?? 20;
  const url = options.url ?? process.env.STEWARD_BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const rows: ModelLatencyRow[] = [];
  for (const kind of ['in-process', 'rabbitmq'] as const) {
    const bus: Bus =
      kind === 'in-process'
        ? new InProcessBus({ logger: silentLogger })
        : await AmqpBus.connect({ url, prefix: `bench${Date.now()}.`, logger: silentLogger });
    const clock = new ManualClock();
    const cloud = createSimulatedCloud({ clock, bus, cluster: { hosts: 100, instances: 1000, seed: 3 } });
    await cloud.listen({ host: '127.0.0.1', port: 0 });
    const c = cloud.credentials;
    const clients = createCloudClients({
      auth: { authUrl: c.authUrl, username: c.username, password: c.password, projectName: c.projectName },
      clock,
    });
    const provider = createComputeModelProvider({
      collect: async () => (await collectComputeModel(clients, { now: clock.now() })).model,
      bus,
      clock,
      logger: silentLogger,
      syncIntervalMs: 3_600_000,
    });
    try {
      await provider.start();
      await provider.refresh();
      const times: number[] = [];
      for (let i = 0; i < moves; i++) {
        const model = provider.current!;
        const instance = [...model.instances()].filter((x) => x.state === 'active' && x.memoryMb <= 4096)[
          i * 5
        ]!;
        const destination = [...model.nodes()]
          .filter((node) => node.hostname !== instance.hostname)
          .sort((a, b) => model.usage(a.hostname).memoryMb - model.usage(b.hostname).memoryMb)[0]!.hostname;
        await clients.compute.liveMigrate(instance.uuid, { host: destination, blockMigration: 'auto' });
        await clock.advance(60_000);
        const moved = provider.waitFor(
          (current) => current.getInstance(instance.uuid)?.hostname === destination,
          600_000,
        );
        const start = performance.now();
        await cloud.settle();
        await moved;
        times.push(performance.now() - start);
      }
      const baseline = await busLatency(bus, moves);
      rows.push({
        bus: kind,
        moves,
        medianMs: Number(median(times).toFixed(2)),
        maxMs: Number(Math.max(...times).toFixed(2)),
        baselineMedianMs: Number(median(baseline).toFixed(3)),
        ratio: Number((median(times) / median(baseline)).toFixed(2)),
        targetMs: 1000,
      });
    } finally {
      await provider.stop();
      await clients.close();
      await cloud.close();
      await bus.close();
    }
  }
  return rows;
}
