/**
 * Many short Int32Arrays (the engine's sparse rows, a few thousand per run) carved out of a few
 * large buffers, so making one allocates no buffer of its own. A view stays valid when later
 * ones go to a new buffer: buffers are never reused.
 */
export class IntArena {
  private buffer = new Int32Array(0);
  private used = 0;

  constructor(private readonly chunk = 1 << 16) {}

  /** A view holding the first `length` values of `from`. */
  copy(from: Int32Array, length: number): Int32Array {
    if (this.used + length > this.buffer.length) {
      this.buffer = new Int32Array(Math.max(this.chunk, length));
      this.used = 0;
    }
    const view = this.buffer.subarray(this.used, this.used + length);
    view.set(from.subarray(0, length));
    this.used += length;
    return view;
  }
}

/**
 * A longer copy of `from` holding at least `size` values (at least twice as many, so a list
 * that grows one value at a time is copied only now and then); new slots hold `fill`.
 */
export function grownInt32(from: Int32Array, size: number, fill = 0): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(size, from.length * 2));
  if (fill !== 0) grown.fill(fill, from.length);
  grown.set(from);
  return grown;
}
