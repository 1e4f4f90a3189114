import type { Trace } from '../core/forward/trace';
import { LanguageService } from '../core/service/language-service';
import { TopologyModel, TraceOverlay, buildTopology, overlayReply, overlayTrace } from '../core/topology';
import type { ReplyTrace } from '../core/forward/reply';
import type { AnalysisApi } from './worker-protocol';

/**
 * What the worker serves: the language service, plus the topology diagram's data (built from
 * the same analysis, once per update, and only when the diagram asks). Runs in the worker only.
 */
export class AnalysisService extends LanguageService implements AnalysisApi {
  private model: { generation: number; model: TopologyModel } | undefined;

  topology(): TopologyModel {
    // Built once per complete analysis (`generation` counts them).
    if (this.model?.generation !== this.generation) this.model = { generation: this.generation, model: buildTopology(this.current()) };
    return this.model.model;
  }

  /** Which boxes and wires of the diagram a trace lights up, hop by hop. */
  traceOverlay(trace: Trace): TraceOverlay {
    return overlayTrace(this.topology(), trace);
  }

  /** The same for the reply of a trace. */
  replyOverlay(trace: Trace, reply: ReplyTrace): TraceOverlay {
    return overlayReply(this.topology(), trace, reply);
  }
}
