import { Dataplane } from '../../core/dataplane/dataplane';
import { buildLabPlan } from '../../core/lab/build';
import { KernelFeature, LabLimits, LabPlan } from '../../core/lab/plan';
import { checkFeatures, hostProblem } from './kernel';

/**
 * A lab plan fitted to this machine: when the kernel lacks a feature the lab can do without
 * (ipip, br_netfilter, IPv6), the plan leaves it out and the flows that need it are reported as not
 * probed; when it lacks one the lab cannot do without, `problem` says why nothing can run.
 */

/** Features whose absence only removes some flows; the others are needed for everything. */
export const OPTIONAL_FEATURES: readonly KernelFeature[] = ['ipip', 'br_netfilter', 'ipv6'];

export interface PreparedLab {
  plan: LabPlan;
  /** What the kernel lacks, one line each. */
  featureNotes: string[];
  /** Why the lab cannot run here (not root, not Linux, a blocker, a missing essential feature). */
  problem?: string;
  /** Only a missing optional feature: the case runs partly. */
  missing: KernelFeature[];
}

export function prepareLab(dataplane: Dataplane, prefix?: string, limits: Partial<LabLimits> = {}): PreparedLab {
  const full = buildLabPlan(dataplane, { ...(prefix ? { prefix } : {}), limits });
  if (full.blockers.length) return { plan: full, featureNotes: [], missing: [], problem: full.blockers.join('; ') };
  const host = hostProblem();
  if (host) return { plan: full, featureNotes: [], missing: [], problem: host };
  const check = checkFeatures(full.prefix, full.features);
  if (check.problem) return { plan: full, featureNotes: [], missing: [], problem: check.problem };
  const essential = check.missing.filter((f) => !OPTIONAL_FEATURES.includes(f));
  if (essential.length) return { plan: full, featureNotes: check.notes, missing: check.missing, problem: `this kernel lacks ${essential.join(', ')}: ${check.notes.join('; ')}` };
  if (check.missing.length === 0) return { plan: full, featureNotes: [], missing: [] };
  return { plan: buildLabPlan(dataplane, { prefix: full.prefix, without: check.missing, limits }), featureNotes: check.notes, missing: check.missing };
}
