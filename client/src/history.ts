// Undo / redo of the mask as a list of operations rather than mask copies: a 1024x1024
// mask is a megabyte, a stroke is a few points. Operations older than the limit are
// baked into a base mask so an undo never replays an unbounded history.
import { type MaskOp, applyOp, createMask, rasterizeOps } from './mask';

export class MaskHistory {
  private base: Uint8Array;
  private done: MaskOp[] = [];
  private undone: MaskOp[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly limit = 60,
  ) {
    this.base = createMask(width, height);
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** Records an operation the caller has already applied; a new edit forgets the redos. */
  commit(op: MaskOp): void {
    this.done.push(op);
    this.undone = [];
    while (this.done.length > this.limit) {
      applyOp(this.base, this.width, this.height, this.done.shift()!);
    }
  }

  /** The mask without the last operation, or null when there is nothing to undo. */
  undo(): Uint8Array | null {
    const op = this.done.pop();
    if (!op) return null;
    this.undone.push(op);
    return rasterizeOps(this.width, this.height, this.done, this.base);
  }

  /** The operation to apply again on the current mask, or null when there is none. */
  redo(): MaskOp | null {
    const op = this.undone.pop();
    if (!op) return null;
    this.done.push(op);
    return op;
  }

  /** The mask that the recorded history produces (what undo/redo are relative to). */
  replay(): Uint8Array {
    return rasterizeOps(this.width, this.height, this.done, this.base);
  }
}
