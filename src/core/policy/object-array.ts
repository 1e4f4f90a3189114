/**
 * An empty array whose elements are objects from birth. A literal `[]` starts out holding small
 * integers and changes its kind (its hidden class) at the first object pushed, in every new
 * instance of whatever holds it; machine code the JIT made for one computation's arrays then
 * does not fit the next computation's fresh ones, and is thrown away. `sample` only sets the
 * kind: it is not kept.
 */
export function objectArray<T>(sample: T): T[] {
  const a = [sample];
  a.length = 0;
  return a;
}
