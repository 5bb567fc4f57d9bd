/**
 * The applier service: takes PENDING action plans (launched in-process or over the bus), runs their workflow and
 * records the outcome. Crash safety: at start and periodically it takes over ONGOING plans whose applier is this
 * host (restarted) or whose applier's heartbeat is older than the service-down time; their actions are re-checked
 * before running, so nothing stays ONGOING forever.
 */
import type { Bus, Subscription } from '../bus/bus.js';
import { DESTINATIONS } from '../bus/bus.js';
import type { CloudPorts } from '../cloud/ports.js';
import type { Clock } from '../lib/clock.js';
import type { Registry } from '../lib/registry.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';
import type { ActionType, ModelReflection } from './action-type.js';
import { actionPlanStates } from './plan-states.js';
import type { ApplierSettings } from './settings.js';
import { runWorkflow } from './workflow.js';

export const APPLIER_SERVICE_NAME = 'steward-applier';

export interface ApplierDeps {
  store: Store;
  actionTypes: Registry<ActionType>;
  cloud: CloudPorts | undefined;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  bus?: Bus;
  hostname: string;
  /** Concurrency, retries, timeouts and rollback (the `applier` section of the configuration). */
  settings: ApplierSettings;
  /** The live cluster model, when this process keeps one: the applier waits there for each action's effect. */
  model?: ModelReflection;
  serviceDownTimeSeconds: number;
  /**
   * How often a running applier looks for plans to take over (the service heartbeat interval): a plan whose
   * applier stopped heartbeating is resumed by a live one within a few heartbeats, not only when an applier starts.
   */
  takeoverIntervalMs?: number;
}

export interface Applier {
  start(): Promise<void>;
  stop(): Promise<void>;
  launchActionPlan(actionPlanUuid: string): Promise<void>;
  /** Resolves when every plan this applier is running has finished (tests, shutdown). */
  idle(): Promise<void>;
  /** Runs one plan to its end (used by launch; exposed for tests and tools). */
  executeActionPlan(actionPlanUuid: string): Promise<void>;
  recoverAbandonedPlans(): Promise<number>;
}

export function createApplier(deps: ApplierDeps): Applier {
  const log = deps.logger.child({ part: 'applier' });
  const running = new Map<string, Promise<void>>();
  const stopping = new AbortController();
  let subscription: Subscription | undefined;
  let takeovers: Promise<void> | undefined;

  async function executeActionPlan(uuid: string): Promise<void> {
    const { store } = deps;
    const plan = await store.actionPlans.find(uuid);
    if (!plan) return log.warn({ actionPlan: uuid }, 'launch of an unknown action plan ignored');
    if (plan.state === 'CANCELLED') {
      await store.actions.updateManyOfPlan(plan.id, ['PENDING'], { state: 'CANCELLED' });
      return;
    }
    const claimed =
      (await store.actionPlans.updateIfState(uuid, ['PENDING'], {
        state: 'ONGOING',
        hostname: deps.hostname,
      })) ?? (plan.state === 'ONGOING' && plan.hostname === deps.hostname ? plan : undefined);
    if (!claimed)
      return log.info({ actionPlan: uuid, state: plan.state }, 'action plan not launchable; ignored');
    log.info({ actionPlan: uuid }, 'action plan started');
    const result = await runWorkflow(
      {
        store,
        actionTypes: deps.actionTypes,
        cloud: deps.cloud,
        clock: deps.clock,
        logger: log,
        metrics: deps.metrics,
        settings: deps.settings,
        owner: deps.hostname,
        ...(deps.model && { model: deps.model }),
      },
      uuid,
      { shutdown: stopping.signal },
    );
    // Stopping, or taken over by another applier: the plan stays ONGOING, its interrupted actions too, for this or
    // another applier to take over.
    if (result.state === 'INTERRUPTED') return;
    const owned = { hostname: deps.hostname };
    // From the states the table allows only (CANCELLING never becomes SUCCEEDED), and only while this applier
    // still owns the plan.
    const from = actionPlanStates
      .sourcesOf(result.state)
      .filter((state) => state === 'ONGOING' || state === 'CANCELLING');
    let ended = await store.actionPlans.updateIfState(
      uuid,
      from,
      { state: result.state, statusMessage: result.statusMessage },
      owned,
    );
    if (!ended && result.state === 'SUCCEEDED') {
      ended = await store.actionPlans.updateIfState(
        uuid,
        ['CANCELLING'],
        {
          state: 'CANCELLED',
          statusMessage: [
            result.statusMessage,
            'The action plan was cancelled after its last action had finished.',
          ]
            .filter((part) => part !== null)
            .join(' '),
        },
        owned,
      );
    }
    if (!ended)
      return log.warn({ actionPlan: uuid }, 'action plan changed hands before its end was recorded');
    deps.metrics?.actionPlansTotal.inc({ state: ended.state });
    // A plan that did not succeed is worth an operator's attention, with the reason the API shows too.
    const fields = {
      actionPlan: uuid,
      state: ended.state,
      ...(ended.statusMessage !== null && { reason: ended.statusMessage }),
    };
    if (ended.state === 'SUCCEEDED') log.info(fields, 'action plan succeeded');
    else if (ended.state === 'FAILED') log.warn(fields, 'action plan FAILED');
    else log.info(fields, `action plan ${ended.state}`);
  }

  function launch(uuid: string): Promise<void> {
    if (running.has(uuid)) return Promise.resolve();
    const task = executeActionPlan(uuid)
      .catch(async (error: unknown) => {
        log.error({ err: error, actionPlan: uuid }, 'action plan failed unexpectedly');
        await deps.store.actionPlans
          .updateIfState(
            uuid,
            ['ONGOING', 'CANCELLING'],
            {
              state: 'FAILED',
              statusMessage: `The applier failed: ${error instanceof Error ? error.message : String(error)}`,
            },
            { hostname: deps.hostname },
          )
          .catch((nested: unknown) => log.error({ err: nested }, 'could not record the failure'));
      })
      .finally(() => running.delete(uuid));
    running.set(uuid, task);
    return Promise.resolve();
  }

  async function takeOverPeriodically(intervalMs: number): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await deps.clock.sleep(intervalMs, stopping.signal);
        await recoverAbandonedPlans();
      } catch (error) {
        if (!stopping.signal.aborted)
          log.warn({ err: error }, 'looking for plans to take over failed; retrying');
      }
    }
  }

  async function recoverAbandonedPlans(): Promise<number> {
    const { store } = deps;
    const now = deps.clock.now().getTime();
    const appliers = await store.services.list({ limit: 1000 });
    const aliveHosts = new Set(
      appliers
        .filter((service) => service.name === APPLIER_SERVICE_NAME)
        .filter(
          (service) =>
            service.lastSeenUp && now - service.lastSeenUp.getTime() <= deps.serviceDownTimeSeconds * 1000,
        )
        .map((service) => service.host),
    );
    let recovered = 0;
    for (const state of ['ONGOING', 'CANCELLING', 'PENDING'] as const) {
      const plans = await store.actionPlans.list({ limit: 1000, filters: { states: [state] } });
      for (const plan of plans) {
        if (running.has(plan.uuid)) continue;
        const mine = plan.hostname === deps.hostname;
        const abandoned = plan.hostname === null || !aliveHosts.has(plan.hostname);
        if (state === 'PENDING' && plan.hostname !== null && !abandoned && !mine) continue;
        if (state !== 'PENDING' && !mine && !abandoned) continue;
        if (state !== 'PENDING' && !mine) {
          // Compare-and-set on the previous owner too: of two live appliers, only one takes the plan.
          const taken = await store.actionPlans.updateIfState(
            plan.uuid,
            [state],
            { hostname: deps.hostname },
            { hostname: plan.hostname },
          );
          if (!taken) continue;
        }
        log.warn(
          { actionPlan: plan.uuid, previousHost: plan.hostname, state },
          'taking over an abandoned action plan',
        );
        if (state === 'CANCELLING') {
          await store.actions.updateManyOfPlan(plan.id, ['PENDING', 'ONGOING'], { state: 'CANCELLED' });
          await store.actionPlans.updateIfState(
            plan.uuid,
            ['CANCELLING'],
            { state: 'CANCELLED' },
            { hostname: deps.hostname },
          );
        } else {
          await launch(plan.uuid);
        }
        recovered++;
      }
    }
    return recovered;
  }

  return {
    async start() {
      if (deps.bus) {
        subscription = await deps.bus.subscribe(
          DESTINATIONS.applier,
          async (message) => {
            const uuid = (message as { action_plan_uuid?: unknown }).action_plan_uuid;
            if (typeof uuid === 'string') await launch(uuid);
          },
          { queue: 'steward.applier' },
        );
      }
      await recoverAbandonedPlans();
      if (deps.takeoverIntervalMs !== undefined) takeovers = takeOverPeriodically(deps.takeoverIntervalMs);
    },
    async stop() {
      await subscription?.close();
      stopping.abort(new Error('applier stopping'));
      await takeovers;
      await Promise.allSettled(running.values());
    },
    launchActionPlan: launch,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    executeActionPlan,
    recoverAbandonedPlans,
  };
}
