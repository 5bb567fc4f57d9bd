/**
 * The continuous-audits lock is a PostgreSQL session-level advisory lock: it lives and dies with one connection.
 * When the server kills that session, the holder must learn it has lost the lock (so two schedulers never both
 * believe they lead), the process must not crash, and another store can take the lock.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/db.js';
import type { Store } from '../../src/store/store.js';
import { POSTGRES_ADMIN_URL, createTempDatabase, type TempDatabase } from '../helpers/postgres.js';

describe('advisory-lock leadership on PostgreSQL', () => {
  let database: TempDatabase;
  let first: Store;
  let second: Store;

  beforeAll(async () => {
    database = await createTempDatabase();
    first = await createStore({ dialect: 'postgres', connectionString: database.connectionString });
    second = await createStore({ dialect: 'postgres', connectionString: database.connectionString });
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await database?.drop();
  });

  it('reports the lock lost when its session is terminated, and lets another store take it', async () => {
    const held = await first.tryAcquireLeadership('continuous-audits');
    expect(held?.lost).toBe(false);
    expect(await second.tryAcquireLeadership('continuous-audits')).toBeUndefined();

    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      const name = new URL(database.connectionString).pathname.slice(1);
      await admin.query(
        `select pg_terminate_backend(l.pid) from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and a.datname = $1`,
        [name],
      );
    } finally {
      await admin.end();
    }

    await expect.poll(() => held!.lost, { timeout: 5_000 }).toBe(true);
    const taken = await second.tryAcquireLeadership('continuous-audits');
    expect(taken?.lost).toBe(false);
    await held!.release();
    await taken!.release();
    // The first store still works on fresh connections.
    expect(await first.tryAcquireLeadership('continuous-audits')).toBeDefined();
  });
});
