/**
 * Where a view opens, decided without an editor (virtual-documents.ts asks the editor for the
 * active group and the number of groups): beside the active group when that leaves at most
 * one group to its right; in the active group itself when it is already the rightmost of
 * several, so a view opened from a view never splits the editor into a third narrow group.
 */
export function columnFor(active: number, groups: number): 'beside' | 'active' {
  return groups >= 2 && active >= groups ? 'active' : 'beside';
}
