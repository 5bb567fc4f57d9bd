import { sql, type Kysely } from 'kysely';
import type { ServiceRecord } from './records.js';
import { paginate, textKey, timeKey, timestampKeys, type ListPlan } from './listing.js';
import type { Database } from './schema.js';
import type { ServiceStore } from './store.js';

interface ServiceRow {
  id: number;
  name: string;
  host: string;
  last_seen_up: Date | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const toService = (row: ServiceRow): ServiceRecord => ({
  id: row.id,
  name: row.name,
  host: row.host,
  lastSeenUp: row.last_seen_up,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
});

export const SERVICE_SORT_KEYS = {
  id: sql.ref('v.id'),
  name: textKey('v.name'),
  host: textKey('v.host'),
  last_seen_up: timeKey('v.last_seen_up'),
  ...timestampKeys('v'),
};

const plan: ListPlan = { alias: 'v', markerColumn: 'id', sortKeys: SERVICE_SORT_KEYS };

export function createServiceStore(db: Kysely<Database>): ServiceStore {
  const live = () => db.selectFrom('services as v').selectAll('v').where('v.deleted_at', 'is', null);
  return {
    async heartbeat(name, host, at) {
      const row = await db
        .insertInto('services')
        .values({ name, host, last_seen_up: at, created_at: at })
        .onConflict((oc) =>
          oc.columns(['name', 'host']).doUpdateSet({ last_seen_up: at, updated_at: at, deleted_at: null }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toService(row);
    },
    async find(idOrName) {
      const row = /^\d+$/.test(idOrName)
        ? await live().where('v.id', '=', Number(idOrName)).executeTakeFirst()
        : await live().where('v.name', '=', idOrName).orderBy('v.id').executeTakeFirst();
      return row && toService(row);
    },
    async list(query) {
      return (await paginate<ServiceRow>(live(), plan, query)).map(toService);
    },
  };
}
