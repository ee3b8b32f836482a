/**
 * Order-line heads at ingest (docs/pipeline.md, "Files"): the latest version
 * seen of each line and a fingerprint of its normalised fields, so an upload
 * can tell new lines, updates and exact duplicates apart. Heads are kept per
 * order in blocks of {@link HEAD_BLOCK_LINES} line numbers
 * (`bronzeOrderHeadBlock`): a file of multi-line orders reads and writes one
 * record per order, not one per line. Only the holder of the orders upload
 * lease reads or writes them.
 *
 * @module
 */

import {
  bronzeOrderHeadBlock,
  bronzeOrderHeadsByLine,
  metaOrderHeadsInBlocks,
} from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { LineVersion } from "../contracts/types.ts";
import type { FencedWriter } from "./fenced_writer.ts";

/** The latest version of an order line seen at ingest. */
export interface OrderHead {
  version: LineVersion;
  /** `orderLineFingerprint` of that version. */
  fingerprint: string;
  /** The upload it came in. */
  upload: string;
}

/** Line numbers per head block: 32 heads of ordinary lines stay well under 20 KB. */
export const HEAD_BLOCK_LINES = 32;

/** A block's value: heads by line number. */
type Block = Record<number, OrderHead>;

interface HeldBlock {
  key: Deno.KvKey;
  value: Block;
  /** Estimated serialised size, bytes. */
  size: number;
  /** Changed since the last {@link OrderHeads.takeWrites}. */
  dirty: boolean;
}

/** A line of an order, as heads are looked up by. */
export interface LineRef {
  orderId: string;
  lineNo: number;
}

function blockOf(lineNo: number): number {
  return Math.floor((lineNo - 1) / HEAD_BLOCK_LINES);
}

function blockName(orderId: string, block: number): string {
  return `${block}:${orderId}`;
}

/** An upper bound of a head's serialised size (strings may take two bytes a character). */
function headSize(head: OrderHead): number {
  return 2 * (head.fingerprint.length + head.upload.length + head.version.date.length) + 96;
}

function blockSize(block: Block): number {
  let size = 16;
  for (const head of Object.values(block)) size += headSize(head) + 8;
  return size;
}

/**
 * The head blocks one round of classification needs, with the changes it
 * makes. Blocks read in a round are exactly those of its lines, so memory is
 * bounded by the round, not the file.
 */
export class OrderHeads {
  readonly #blocks = new Map<string, HeldBlock>();

  /** The head of a line, or `null` for a line never seen. */
  get(line: LineRef): OrderHead | null {
    const block = this.#blocks.get(blockName(line.orderId, blockOf(line.lineNo)));
    return block?.value[line.lineNo] ?? null;
  }

  /**
   * What setting a head of `line` with a fingerprint of `fingerprintChars`
   * characters would add to the commit at most: one mutation for a block not
   * yet changed, and its bytes.
   */
  costOfSet(line: LineRef, fingerprintChars: number): { mutations: number; bytes: number } {
    const held = this.#blocks.get(blockName(line.orderId, blockOf(line.lineNo)));
    // The rest of a head (version, upload id, entry overhead) is well under 256 bytes.
    const bytes = 2 * fingerprintChars + 256;
    if (!held) return { mutations: 1, bytes: bytes + 16 };
    return held.dirty ? { mutations: 0, bytes } : { mutations: 1, bytes: held.size + bytes };
  }

  /** Sets the head of `line` (its block is written by the next {@link takeWrites}). */
  set(line: LineRef, head: OrderHead): void {
    const block = blockOf(line.lineNo);
    const name = blockName(line.orderId, block);
    let held = this.#blocks.get(name);
    if (!held) {
      held = { key: bronzeOrderHeadBlock(line.orderId, block), value: {}, size: 16, dirty: false };
      this.#blocks.set(name, held);
    }
    const old = held.value[line.lineNo];
    held.value[line.lineNo] = head;
    held.size += headSize(head) + (old ? -headSize(old) : 8);
    held.dirty = true;
  }

  /**
   * The changed blocks as key and value, each marked unchanged again. The
   * values are the held objects themselves (copying them was a visible share
   * of an upload's CPU): build the commit before setting heads again.
   */
  takeWrites(): [Deno.KvKey, Block][] {
    const writes: [Deno.KvKey, Block][] = [];
    for (const held of this.#blocks.values()) {
      if (!held.dirty) continue;
      held.dirty = false;
      writes.push([held.key, held.value]);
    }
    return writes;
  }

  /** Holds a block as read (or as carried over), unchanged. */
  hold(name: string, key: Deno.KvKey, value: Block | null): void {
    const block = value ?? {};
    this.#blocks.set(name, { key, value: block, size: blockSize(block), dirty: false });
  }

  /** The held block called `name` (for carrying it into the next round). */
  held(name: string): HeldBlock | undefined {
    return this.#blocks.get(name);
  }
}

/**
 * Reads the head blocks of `lines`. Blocks that `carry` (the previous round)
 * holds are taken from it instead of KV: only the lease holder writes heads,
 * so its copy is current even while its last commit is still in flight.
 *
 * @example
 * ```ts
 * const heads = await readOrderHeads(kv, rows.map((r) => r.line));
 * heads.get({ orderId: "O-1", lineNo: 2 }); // null for a line never seen
 * ```
 */
export async function readOrderHeads(
  kv: Deno.Kv,
  lines: Iterable<LineRef>,
  carry?: OrderHeads,
): Promise<OrderHeads> {
  const heads = new OrderHeads();
  const wanted = new Map<string, Deno.KvKey>();
  for (const line of lines) {
    const block = blockOf(line.lineNo);
    const name = blockName(line.orderId, block);
    if (wanted.has(name)) continue;
    const carried = carry?.held(name);
    // Shared, not copied: the previous round is done with its blocks.
    if (carried) heads.hold(name, carried.key, carried.value);
    else wanted.set(name, bronzeOrderHeadBlock(line.orderId, block));
  }
  const names = [...wanted.keys()];
  const keys = [...wanted.values()];
  const found = await getManyChunked<Block>(kv, keys);
  names.forEach((name, i) => heads.hold(name, keys[i], found[i].value));
  return heads;
}

/** Per-line heads folded per commit when converting an older store (≤ 2 mutations each). */
const CONVERT_BATCH = 400;
/** Bytes of blocks written per conversion commit, well under KV's 800 KiB. */
const CONVERT_MAX_BYTES = 400 * 1024;

/**
 * Folds the per-line heads of a store written before head blocks existed
 * into blocks, once (the caller holds the orders upload lease). Each commit
 * writes the blocks and deletes the per-line keys it folded, so an
 * interrupted conversion resumes where it stopped.
 *
 * @example
 * ```ts
 * await convertLineHeads(kv, writer); // before reading any head
 * ```
 */
export async function convertLineHeads(kv: Deno.Kv, writer: FencedWriter): Promise<void> {
  if ((await kv.get(metaOrderHeadsInBlocks())).value === true) return;
  while (true) {
    const old: Deno.KvEntry<OrderHead>[] = [];
    for await (
      const e of kv.list<OrderHead>({ prefix: bronzeOrderHeadsByLine() }, {
        limit: CONVERT_BATCH,
        batchSize: CONVERT_BATCH,
      })
    ) old.push(e);
    if (old.length === 0) break;
    const refs = old.map((e) => ({ orderId: String(e.key[2]), lineNo: Number(e.key[3]) }));
    const heads = await readOrderHeads(kv, refs);
    const folded: Deno.KvKey[] = [];
    let bytes = 0;
    for (const [i, ref] of refs.entries()) {
      const cost = heads.costOfSet(ref, old[i].value.fingerprint.length);
      if (folded.length > 0 && bytes + cost.bytes > CONVERT_MAX_BYTES) break;
      bytes += cost.bytes;
      // A block holds this line already only if it was written later: keep it.
      if (!heads.get(ref)) heads.set(ref, old[i].value);
      folded.push(old[i].key);
    }
    const writes = heads.takeWrites();
    await writer.commit((op) => {
      for (const [key, value] of writes) op.set(key, value);
      for (const key of folded) op.delete(key);
    });
  }
  await writer.commit((op) => {
    op.set(metaOrderHeadsInBlocks(), true);
  });
}
