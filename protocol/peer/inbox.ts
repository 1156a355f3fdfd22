// Messages from peers (or the coordinator) wait here until a job's loop asks for them by kind,
// sender and step, so the loops of every job kind can be written as plain sequential code whatever
// order the network delivers in.

export interface InboxItem<F> {
  from: string;
  frame: F;
}

interface Waiter<F> {
  match: (item: InboxItem<F>) => boolean;
  resolve: (item: InboxItem<F>) => void;
  reject: (err: Error) => void;
}

export class Inbox<F> {
  private readonly items: InboxItem<F>[] = [];
  private waiters: Waiter<F>[] = [];
  private failure: Error | undefined;

  push(item: InboxItem<F>): void {
    const i = this.waiters.findIndex((w) => w.match(item));
    if (i >= 0) {
      const [waiter] = this.waiters.splice(i, 1);
      waiter?.resolve(item);
      return;
    }
    this.items.push(item);
  }

  /** The first item `match` accepts, now or when it arrives; a type guard narrows what it gives. */
  take<G extends F>(match: (item: InboxItem<F>) => item is InboxItem<G>): Promise<InboxItem<G>>;
  take(match: (item: InboxItem<F>) => boolean): Promise<InboxItem<F>>;
  take(match: (item: InboxItem<F>) => boolean): Promise<InboxItem<F>> {
    if (this.failure) return Promise.reject(this.failure);
    const i = this.items.findIndex(match);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0] as InboxItem<F>);
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  /** Fails every pending and future take (the job was cancelled or a peer broke the protocol). */
  fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
  }
}
