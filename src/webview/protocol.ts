import type { SourceRange } from '../core/common/source';
import type { TopologyModel } from '../core/topology/model';
import type { TraceOverlay } from '../core/topology/overlay';

/**
 * The messages between the extension host (TopologyPanel) and the diagram page. Both sides
 * import these types; the page also checks every incoming message at run time, because a
 * webview receives whatever is posted to it.
 */

export type { SourceRange, TopologyModel, TraceOverlay };

/** Host → page. */
export type HostMessage =
  /**
   * A new analysis. `overlay`: a trace to show with it; null clears the trace; absent keeps it.
   * `reply`: the overlay of that trace's reply, for the reply toggle (null or absent: none).
   */
  | { type: 'model'; model: TopologyModel; overlay?: TraceOverlay | null; reply?: TraceOverlay | null }
  /** Show (or, with null, clear) a trace on the current model, with its reply when traced. */
  | { type: 'trace'; overlay: TraceOverlay | null; reply?: TraceOverlay | null }
  /** Select and centre an element by id (`pod:default/web-1`) or by a search text (`10.1.1.2`). */
  | { type: 'reveal'; id?: string; query?: string }
  /** UI texts for the page, keys `topology.*` (missing keys fall back to English). */
  | { type: 'l10n'; locale: string; strings: Record<string, string> }
  /** Toolbar actions the host may trigger (editor commands, tests). */
  | { type: 'command'; command: PageCommand };

export type PageCommand = 'fit' | 'zoomIn' | 'zoomOut' | 'expandAll' | 'collapseAll' | 'exportSvg' | 'exportPng' | 'play' | 'nextHop' | 'previousHop' | 'toggleReply' | 'toggleSide';

/** Page → host. */
export type PageMessage =
  /** The page is listening: (re)send l10n, model and trace. Sent on every load, including after the panel was hidden. */
  | { type: 'ready' }
  /** Open the YAML behind an element or a hop at this range. */
  | { type: 'revealSource'; range: SourceRange }
  /** Save an export: SVG as text, PNG as base64. */
  | { type: 'export'; format: 'svg' | 'png'; data: string; fileName: string }
  /** The selected element changed (null: nothing selected). */
  | { type: 'selection'; id: string | null }
  /** A model was drawn: how long it took from receipt to the first painted frame. */
  | { type: 'rendered'; ms: number; nodes: number; pods: number; firstPaint: boolean }
  | { type: 'error'; message: string };

/** What the page keeps with getState/setState: the view survives updates, hiding and reloads. */
export interface PageState {
  v: 1;
  view?: { x: number; y: number; k: number };
  selected?: string;
  /** Per node name: expanded (true) or collapsed (false), where the user chose. */
  expanded: Record<string, boolean>;
  /** Current hop number (1-based) and branch of the shown trace. */
  hop?: number;
  branch?: number;
  /** Title of the trace the hop belongs to, so a different trace starts at hop 1. */
  traceTitle?: string;
  /** The user zoomed or panned: the view is theirs, and a resize no longer refits it. */
  userView?: boolean;
  /** Width of the side panel in CSS pixels, when the user dragged it; hidden when folded away. */
  sideWidth?: number;
  sideHidden?: boolean;
}

const HOST_TYPES = new Set(['model', 'trace', 'reveal', 'l10n', 'command']);
const COMMANDS = new Set<PageCommand>(['fit', 'zoomIn', 'zoomOut', 'expandAll', 'collapseAll', 'exportSvg', 'exportPng', 'play', 'nextHop', 'previousHop', 'toggleReply', 'toggleSide']);

/** A structural check of an incoming message: enough that the page never trips over a malformed one. */
export function isHostMessage(m: unknown): m is HostMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (typeof o.type !== 'string' || !HOST_TYPES.has(o.type)) return false;
  switch (o.type) {
    case 'model': return isModel(o.model) && optionalOverlay(o.overlay) && optionalOverlay(o.reply);
    case 'trace': return (o.overlay === null || isOverlay(o.overlay)) && optionalOverlay(o.reply);
    case 'reveal': return (o.id === undefined || typeof o.id === 'string') && (o.query === undefined || typeof o.query === 'string');
    case 'l10n': return typeof o.locale === 'string' && !!o.strings && typeof o.strings === 'object';
    case 'command': return COMMANDS.has(o.command as PageCommand);
  }
  return false;
}

function isModel(m: unknown): m is TopologyModel {
  const o = m as TopologyModel | undefined;
  return !!o && o.version === 1 && Array.isArray(o.nodes) && Array.isArray(o.services) && Array.isArray(o.segments);
}

function optionalOverlay(m: unknown): boolean {
  return m === undefined || m === null || isOverlay(m);
}

function isOverlay(m: unknown): m is TraceOverlay {
  const o = m as TraceOverlay | undefined;
  return !!o && o.version === 1 && Array.isArray(o.hops) && Array.isArray(o.branches);
}
