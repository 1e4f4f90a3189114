/** `1 pod`, `2 pods`, `1 policy`, `3 policies`: a count with its noun, for English output. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
