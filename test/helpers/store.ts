/** Stores for tests, over both backends (Kysely's DIALECTS idea): every store test runs on each. */
import { createStore } from '../../src/store/db.js';
import type { Store } from '../../src/store/store.js';
import { createTempDatabase } from './postgres.js';

export const STORE_DIALECTS = ['pglite', 'postgres'] as const;
export type StoreDialect = (typeof STORE_DIALECTS)[number];

export interface TestStore {
  store: Store;
  /** The PostgreSQL database's URL, for tests that read it directly; undefined on PGlite. */
  connectionString?: string;
  close(): Promise<void>;
}

export async function createTestStore(dialect: StoreDialect): Promise<TestStore> {
  if (dialect === 'pglite') {
    const store = await createStore({ dialect: 'pglite' });
    return { store, close: () => store.close() };
  }
  const database = await createTempDatabase();
  const store = await createStore({ dialect: 'postgres', connectionString: database.connectionString });
  return {
    store,
    connectionString: database.connectionString,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}
