import type { ReceivedSpan } from './otlp-receiver.ts';

/** The spans of one trace with the parent links between them, for asserting its shape. */
export class TraceTree {
  readonly spans: readonly ReceivedSpan[];
  private readonly byId: Map<string, ReceivedSpan>;

  constructor(
    all: readonly ReceivedSpan[],
    readonly traceId: string,
  ) {
    this.spans = all.filter((s) => s.traceId === traceId);
    this.byId = new Map(this.spans.map((s) => [s.spanId, s]));
  }

  roots(): ReceivedSpan[] {
    return this.spans.filter((s) => s.parentSpanId === undefined);
  }

  /** Spans whose parent id names no span of this trace (a broken link). */
  orphans(): ReceivedSpan[] {
    return this.spans.filter((s) => s.parentSpanId !== undefined && !this.byId.has(s.parentSpanId));
  }

  parentOf(span: ReceivedSpan): ReceivedSpan | undefined {
    return span.parentSpanId === undefined ? undefined : this.byId.get(span.parentSpanId);
  }

  /** Whether `ancestor` is on the path from `span` to the root. */
  descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
    for (let p = this.parentOf(span); p; p = this.parentOf(p)) if (p.spanId === ancestor.spanId) return true;
    return false;
  }

  find(
    where: Partial<Pick<ReceivedSpan, 'service' | 'name' | 'kind'>> & { attributes?: Record<string, string | number | boolean> },
  ): ReceivedSpan[] {
    return this.spans.filter(
      (s) =>
        (where.service === undefined || s.service === where.service) &&
        (where.name === undefined || s.name === where.name) &&
        (where.kind === undefined || s.kind === where.kind) &&
        Object.entries(where.attributes ?? {}).every(([k, v]) => s.attributes[k] === v),
    );
  }

  /** The one span matching, or a readable failure listing what the trace holds. */
  one(where: Parameters<TraceTree['find']>[0]): ReceivedSpan {
    const found = this.find(where);
    if (found.length !== 1)
      throw new Error(`expected one span matching ${JSON.stringify(where)}, found ${found.length}; the trace holds:\n${this.describe()}`);
    return found[0]!;
  }

  describe(): string {
    return this.spans.map((s) => `${s.service} ${s.name} kind=${s.kind} ${s.spanId}<-${s.parentSpanId ?? 'root'}`).join('\n');
  }
}
