import type { MediaFilter, MediaKind, MediaStatus } from '../api/operations.ts';
import { h, uniqueId } from './dom.ts';

const STATUSES: ReadonlyArray<{ value: string; label: string; status: MediaStatus[] | null }> = [
  { value: 'all', label: 'Any state', status: null },
  { value: 'ready', label: 'Ready', status: ['COMPLETED'] },
  { value: 'running', label: 'Waiting or restoring', status: ['QUEUED', 'PROCESSING'] },
  { value: 'failed', label: 'Failed', status: ['FAILED'] },
  { value: 'cancelled', label: 'Cancelled', status: ['CANCELLED'] },
];
const KINDS: ReadonlyArray<{ value: string; label: string; kind: MediaKind | null }> = [
  { value: 'all', label: 'Photos and videos', kind: null },
  { value: 'IMAGE', label: 'Photos', kind: 'IMAGE' },
  { value: 'VIDEO', label: 'Videos', kind: 'VIDEO' },
];

/** The `medias(filter)` for the two choices' values; null asks for everything. */
export function filterFor(statusValue: string, kindValue: string): MediaFilter | null {
  const s = STATUSES.find((c) => c.value === statusValue)?.status ?? null;
  const k = KINDS.find((c) => c.value === kindValue)?.kind ?? null;
  return s || k ? { ...(s && { status: s }), ...(k && { kind: k }) } : null;
}

/** The library's filter by state and kind; `onChange` gets the `medias(filter)` to load, null for everything. */
export function createLibraryFilter(onChange: (filter: MediaFilter | null) => void): {
  element: HTMLElement;
  current(): MediaFilter | null;
} {
  const field = (label: string, name: string, choices: ReadonlyArray<{ value: string; label: string }>) => {
    const id = uniqueId(`filter-${name}`);
    const input = h('select', { id, name }, ...choices.map((c) => h('option', { value: c.value }, c.label)));
    return { input, field: h('div', { class: 'field' }, h('label', { for: id }, label), input) };
  };
  const status = field('Show', 'status', STATUSES);
  const kind = field('Kind', 'kind', KINDS);
  const current = () => filterFor(status.input.value, kind.input.value);
  const element = h('div', { class: 'library-filter', role: 'group', 'aria-label': 'Filter' }, status.field, kind.field);
  element.addEventListener('change', () => onChange(current()));
  return { element, current };
}
