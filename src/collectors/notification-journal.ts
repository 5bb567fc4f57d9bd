/**
 * What a live model keeps of the notifications that arrive while a full sync runs (and before the first model
 * exists), so none is lost to the sync: each is applied to the current model *and* journaled, and the journal is
 * replayed on the sync's model before it replaces the old one. Shared by the compute and storage providers.
 */
export interface JournalEntry<N> {
  notification: N;
  receivedAt: Date;
  /** Already counted when applied to the previous model; replay outcomes then only matter for resyncs. */
  counted: boolean;
}

export class NotificationJournal<N> {
  // Open while a sync runs, and before the first model exists.
  #entries: JournalEntry<N>[] | undefined = [];
  #overflowed = false;

  /** Entries beyond `limit` are not kept (they are still applied); `take` then reports the overflow. */
  constructor(readonly limit: number) {}

  get isOpen(): boolean {
    return this.#entries !== undefined;
  }

  /** A sync starts: journal from now on (a journal open since before the first model stays as it is). */
  open(): void {
    this.#entries ??= [];
  }

  /** Keeps the notification if a sync runs. */
  record(notification: N, receivedAt: Date, counted: boolean): void {
    if (!this.#entries) return;
    if (this.#entries.length < this.limit) this.#entries.push({ notification, receivedAt, counted });
    else this.#overflowed = true;
  }

  /** The sync's model arrived: closes the journal and hands over what it holds, to replay in order. */
  take(): { entries: JournalEntry<N>[]; overflowed: boolean } {
    const taken = { entries: this.#entries ?? [], overflowed: this.#overflowed };
    this.#entries = undefined;
    this.#overflowed = false;
    return taken;
  }

  /** The sync failed while a model exists: its journaled events were applied to that model already. */
  discard(): void {
    this.#entries = undefined;
    this.#overflowed = false;
  }
}
