/** Each strategy's support level (core, experimental, deprecated), so the API shows it beside the strategy. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table strategies add column support_level text not null default 'core'`.execute(db);
}
