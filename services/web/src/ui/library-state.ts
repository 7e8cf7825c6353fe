/** Where the first page of the library stands. */
export type LibraryPhase = 'loading' | 'loaded' | 'failed';

/**
 * What the library shows beside its cards: while loading, a loading line, and after a failure the
 * error; "nothing here yet" only once the server has said so. Cards added meanwhile (uploads) stay.
 */
export function libraryView(phase: LibraryPhase, cards: number): { loading: boolean; error: boolean; empty: boolean } {
  return { loading: phase === 'loading', error: phase === 'failed', empty: phase === 'loaded' && cards === 0 };
}
