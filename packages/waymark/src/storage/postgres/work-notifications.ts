import pg from 'pg';
import { clientConfig } from './connection.ts';
import type { ResolvedPostgresOptions } from './options.ts';

export type WorkListener = (dueAt: number) => void;

/**
 * LISTEN side of the due-work notifications: one dedicated connection (outside the pool)
 * that hears the NOTIFY every commit sends when it made a run due, and tells the store's
 * subscribers (idle workers) at once. Best effort by design: a lost connection is opened
 * again on the next `ensureListening()` — the store calls it on every claim, so at the
 * workers' poll interval — and subscribers are then told to look (due time 0), since
 * notifications sent meanwhile are gone. Polling covers whatever was missed.
 */
export class WorkNotifications {
  private readonly listeners = new Set<WorkListener>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private hadConnection = false;
  private closed = false;

  constructor(
    private readonly options: ResolvedPostgresOptions,
    readonly channel: string,
  ) {}

  subscribe(listener: WorkListener): () => void {
    this.listeners.add(listener);
    this.ensureListening();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.disconnect();
    };
  }

  /** Opens the LISTEN connection if someone listens and it is not open (or opening). */
  ensureListening(): void {
    if (this.closed || this.listeners.size === 0 || this.client !== null) return;
    if (this.connecting !== null) return;
    this.connecting = this.connect()
      .catch(() => {}) // unreachable now: polling goes on, and the next claim tries again
      .finally(() => (this.connecting = null));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      ...clientConfig(this.options),
      application_name: `${this.options.applicationName}:listen`,
    });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      const dueAt = Number(message.payload);
      if (Number.isFinite(dueAt)) this.tell(dueAt);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed || this.listeners.size === 0) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    // Back after a loss: whatever became due meanwhile was announced to nobody.
    if (this.hadConnection) this.tell(0);
    this.hadConnection = true;
  }

  private tell(dueAt: number): void {
    for (const listener of this.listeners) listener(dueAt);
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = null;
    client.end().catch(() => {});
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
