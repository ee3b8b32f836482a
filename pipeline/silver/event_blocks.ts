/**
 * Silver events are stored in blocks (`silverEventBlock(shard, lastId)`): the
 * events one `clean_events` batch took from a shard, in ingest-id order, cut
 * at {@link EVENT_BLOCK_BYTES}. A batch then writes a block or two instead of
 * one key per event. The block key is the block's greatest ingest id, so a
 * listing that starts at an id finds every block with a later event.
 *
 * Stores written before 2026-11-26 kept one key per event (`silverEvent`);
 * `migrateSilverEvents` moves them, and readers list both until then.
 *
 * @module
 */

import { silverEventBlock } from "../../kv/keys.ts";
import type { CleanEvent } from "../contracts/types.ts";
import type { WriteSet } from "../jobs/write_set.ts";

/** Value of `silverEventBlock(shard, lastId)`. */
export interface EventBlock {
  /** Events by ascending ingest id. */
  events: CleanEvent[];
}

/**
 * Serialised bytes a block may take, well under KV's 64 KiB value limit
 * (an event itself fits that limit: it was stored alone in bronze).
 */
export const EVENT_BLOCK_BYTES = 60_000;

/**
 * Collects the events of one batch into blocks and writes each once, when
 * full or at {@link close}. Events must come in ascending ingest id.
 *
 * @example
 * ```ts
 * const blocks = new EventBlocks(shard);
 * blocks.add(ws, { id, value: event, size: serialisedBound(event) });
 * blocks.close(ws);
 * ```
 */
export class EventBlocks {
  #events: CleanEvent[] = [];
  #lastId = "";
  #bytes = 0;

  constructor(readonly shard: number) {}

  /** Serialised bytes of the open block, at most (not in the write set until closed). */
  get openBytes(): number {
    return this.#events.length > 0 ? this.#bytes + 32 : 0;
  }

  /** Mutations the open block will add when closed (0 or 1). */
  get pending(): number {
    return this.#events.length > 0 ? 1 : 0;
  }

  /**
   * Adds the event of ingest id `id` (its bronze key's), of `size` serialised
   * bytes at most, closing the open block first if it is full.
   */
  add(ws: WriteSet, event: { id: string; value: CleanEvent; size: number }): void {
    if (this.#events.length > 0 && this.#bytes + event.size > EVENT_BLOCK_BYTES) this.close(ws);
    this.#events.push(event.value);
    this.#lastId = event.id;
    this.#bytes += event.size + 1;
  }

  /** Writes the open block, if any. */
  close(ws: WriteSet): void {
    if (this.#events.length === 0) return;
    const events = this.#events;
    const block: EventBlock = { events };
    ws.setOnce(silverEventBlock(this.shard, this.#lastId), block, { size: this.#bytes + 32 });
    this.#events = [];
    this.#bytes = 0;
  }
}
