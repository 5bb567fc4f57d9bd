/** At start-up the registries are the truth: goals, strategies, scoring engines and action descriptions are synced to the store. */
import { ACTION_DESCRIPTIONS } from '../contract/actions.js';
import type { Goal } from '../goals/goal.js';
import type { Registry } from '../lib/registry.js';
import type { ScoringEngine } from '../scoring/scoring-engine.js';
import { parametersSpec, type Strategy } from '../strategies/strategy.js';
import type { Store } from '../store/store.js';

export interface Registries {
  goals: Registry<Goal>;
  strategies: Registry<Strategy>;
  scoringEngines: Registry<ScoringEngine>;
}

export async function syncRegistries(store: Store, registries: Registries): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.goals.sync(
      registries.goals.all.map((goal) => ({
        name: goal.name,
        displayName: goal.displayName,
        efficacySpecification: [...goal.indicators],
      })),
    );
    await tx.strategies.sync(
      registries.strategies.all.map((strategy) => ({
        name: strategy.name,
        displayName: strategy.displayName,
        goalName: strategy.goal.name,
        parametersSpec: parametersSpec(strategy),
        supportLevel: strategy.supportLevel,
      })),
    );
    await tx.scoringEngines.sync(
      registries.scoringEngines.all.map((engine) => ({
        name: engine.name,
        description: engine.description,
        metainfo: engine.metainfo,
      })),
    );
    await tx.actions.syncDescriptions(new Map(Object.entries(ACTION_DESCRIPTIONS)));
  });
}
