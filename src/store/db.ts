/**
 * Opens the store: PGlite (embedded, files under a data directory or in memory) or PostgreSQL (shared by many
 * Steward processes). Both run the same migrations and the same queries.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { internal } from '../errors.js';
import { createActionPlanStore } from './action-plan-store.js';
import { createActionStore } from './action-store.js';
import { createAuditStore } from './audit-store.js';
import { createAuditTemplateStore } from './audit-template-store.js';
import { createGoalStore, createScoringEngineStore, createStrategyStore } from './catalog-stores.js';
import { migrations } from './migrations/index.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { createServiceStore } from './service-store.js';
import type { Leadership, Store } from './store.js';

export type StoreOptions =
  | { dialect: 'pglite'; /** undefined = in memory */ dataDir?: string }
  | { dialect: 'postgres'; connectionString: string; poolSize?: number };

// Timestamps and JSON come back as Date and objects from pg by default; bigint counts are not used.
const migrationProvider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'steward_migrations',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error)
    throw internal(
      `database migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      error,
    );
}

function bindStores(
  db: Kysely<Database>,
  dialect: Store['dialect'],
  leadership: Store['tryAcquireLeadership'],
  close: () => Promise<void>,
): Store {
  const store: Store = {
    dialect,
    goals: createGoalStore(db),
    strategies: createStrategyStore(db),
    scoringEngines: createScoringEngineStore(db),
    auditTemplates: createAuditTemplateStore(db),
    audits: createAuditStore(db),
    actionPlans: createActionPlanStore(db),
    actions: createActionStore(db),
    services: createServiceStore(db),
    transaction: (work) =>
      db.isTransaction
        ? work(store)
        : db.transaction().execute((tx) => work(bindStores(tx, dialect, leadership, close))),
    tryAcquireLeadership: leadership,
    close,
  };
  return store;
}

export async function createStore(options: StoreOptions): Promise<Store> {
  if (options.dialect === 'pglite') {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    const pglite = new PGlite(options.dataDir);
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    await migrateToLatest(db);
    // One process owns a PGlite database, so leadership is a flag within it.
    const held = new Set<string>();
    const leadership = (name: string): Promise<Leadership | undefined> => {
      if (held.has(name)) return Promise.resolve(undefined);
      held.add(name);
      return Promise.resolve({ name, lost: false, release: () => Promise.resolve(void held.delete(name)) });
    };
    return bindStores(db, 'pglite', leadership, () => db.destroy());
  }

  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  // An idle connection the server closed (restart, pg_terminate_backend) is dropped by the pool; the next query
  // opens a new one or fails with its own error. Without a listener the event would crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  const leaders = new Set<pg.PoolClient>();
  const leadership = async (name: string): Promise<Leadership | undefined> => {
    // A session-level advisory lock lives as long as its connection, so it gets a dedicated client.
    const client = await pool.connect();
    try {
      const result = await client.query<{ locked: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as locked',
        [name],
      );
      if (!result.rows[0]?.locked) {
        client.release();
        return undefined;
      }
    } catch (error) {
      client.release();
      throw error;
    }
    leaders.add(client);
    let lost = false;
    // The lock dies with its session: when the connection fails, say so instead of letting a holder believe it leads.
    client.on('error', () => {
      lost = true;
      leaders.delete(client);
    });
    return {
      name,
      get lost() {
        return lost;
      },
      release: async () => {
        if (!leaders.delete(client)) {
          if (lost) client.release(true);
          return;
        }
        try {
          await client.query('select pg_advisory_unlock(hashtext($1))', [name]);
        } finally {
          client.release();
        }
      },
    };
  };
  const close = async () => {
    for (const client of leaders) client.release(true);
    leaders.clear();
    await db.destroy();
  };
  return bindStores(db, 'postgres', leadership, close);
}
