import type { InfoDocument } from './layout.js';
import type { S3Api } from './s3-api.js';

/** Longest a PATCH with a known length goes without committing the parts it uploaded. */
const COMMIT_INTERVAL_MS = 1000;

/**
 * When an upload's info object is written ("committed"): each commit is a snapshot of the document
 * at the moment it is queued, written in order after the commits before it.
 *
 * With a known length, part commits are spaced out (at most one per COMMIT_INTERVAL_MS) and a part
 * upload waits only for the commits before the previous part's: a commit per part on the critical path
 * would cost a round trip per part. With a deferred length every part is committed before the next.
 */
export class InfoCommits {
  /** The commits in flight, in order (a commit overlaps with receiving the next part's bytes). */
  private committing: Promise<void> = Promise.resolve();
  /** The commits before the latest part's: what the next part upload waits for when commits are spaced out. */
  private committedBeforeLast: Promise<void> = Promise.resolve();
  /** Set while parts advanced after the last commit was queued: it commits them if no later part or end of body does (a stalled body). */
  private timer: NodeJS.Timeout | undefined;
  /** Clean-ups owed by those parts, run once a commit covering them has landed. */
  private readonly deferredThens: Array<() => Promise<void>> = [];
  private lastCommitAt = Date.now();
  /** Commits queued so far. */
  private queued = 0;

  constructor(
    private readonly api: S3Api,
    private readonly key: string,
    private readonly doc: InfoDocument,
    /** The length is known: part commits overlap part uploads and are spaced out. */
    private readonly spaced: boolean,
  ) {}

  /** How many commits were queued so far (a later count means something was committed since). */
  get count(): number {
    return this.queued;
  }

  /** Parts advanced whose commit was put off. */
  get deferred(): boolean {
    return this.timer !== undefined;
  }

  /** Resolves once every queued commit landed; rejects with the first that failed. */
  landed(): Promise<void> {
    return this.committing;
  }

  /** Queues a commit of the document as it is now and waits for it. */
  save(): Promise<void> {
    this.commit();
    return this.committing;
  }

  /** Before the next part upload: never more than one uploaded part uncommitted, or with spaced commits two commits in flight. */
  readyForNextPart(): Promise<void> {
    return this.spaced ? this.committedBeforeLast : this.committing;
  }

  /** A part was added to the document: its commit is queued now or put off; `then` runs once a commit covering it has landed. */
  partAdded(then?: () => Promise<void>): void {
    if (this.spaced && Date.now() - this.lastCommitAt < COMMIT_INTERVAL_MS) {
      if (then) this.deferredThens.push(then);
      this.timer ??= setTimeout(() => this.commitParts(), COMMIT_INTERVAL_MS - (Date.now() - this.lastCommitAt));
      return;
    }
    this.commitParts(then);
  }

  /** Forgets the commit put off and its clean-ups (the document went back to what was last committed). */
  dropDeferred(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deferredThens.length = 0;
  }

  /** Waits for the commits in flight, ignoring their failure (for error paths: never leave one running). */
  async drain(): Promise<void> {
    if (this.timer) this.commit(); // parts that did reach the store are kept
    await this.committing.catch(() => undefined);
  }

  /** Queues the commit of the parts advanced so far; not awaited: the next part's bytes are received (and with a known length, uploaded) meanwhile. */
  private commitParts(then?: () => Promise<void>): void {
    this.committedBeforeLast = this.committing;
    this.commit(then);
  }

  /** Writes the info as it is now, after the commits before it; `then` (and what deferred commits left) runs once it landed. */
  private commit(then?: () => Promise<void>): void {
    const snapshot = Buffer.from(JSON.stringify(this.doc));
    const thens = this.deferredThens.splice(0);
    if (then) thens.push(then);
    this.lastCommitAt = Date.now();
    this.queued++;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.committing = this.committing.then(async () => {
      await this.api.putBytes(this.key, snapshot, 'application/json');
      for (const run of thens) await run();
    });
    this.committing.catch(() => undefined); // observed here; awaited (and thrown) by the next step
  }
}
