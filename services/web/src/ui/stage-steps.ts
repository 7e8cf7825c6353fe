import type { StageState, StageStatus } from '../api/operations.ts';
import { h } from './dom.ts';
import { stageOutcome } from './format.ts';

const ICONS: Readonly<Record<StageStatus, string>> = {
  PENDING: '○',
  RUNNING: '●',
  DONE: '✓',
  SKIPPED: '–',
  FAILED: '✕',
  CANCELLED: '■',
};

/** The stages as numbered steps: a symbol, the step's name, and how it went. */
export function renderSteps(list: HTMLOListElement, stages: readonly StageState[]): void {
  // Rebuilt each time: a handful of nodes, and nothing inside can hold focus.
  list.replaceChildren(
    ...stages.map((stage) =>
      h(
        'li',
        {
          class: 'step',
          'data-status': stage.status,
          'data-stage': stage.stage,
          'aria-current': stage.status === 'RUNNING' ? 'step' : null,
        },
        h('span', { class: 'step-icon', 'aria-hidden': 'true' }, ICONS[stage.status]),
        h('span', { class: 'step-name' }, stage.label),
        h('span', { class: 'visually-hidden' }, ': '),
        h('span', { class: 'step-outcome' }, stageOutcome(stage)),
      ),
    ),
  );
}
