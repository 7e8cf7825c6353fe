import { type ColorizeMode, type EnhanceOptions, type Factor, type MediaKind, type RepairMode } from '../api/operations.ts';
import { h, uniqueId } from './dom.ts';
import { readStoredOptions, storeOptions } from './stored-options.ts';

interface Choice<T> {
  value: T;
  label: string;
}

const SCALES: ReadonlyArray<Choice<Factor>> = [
  { value: 1, label: 'Keep the size (1×)' },
  { value: 2, label: 'Twice as large (2×)' },
  { value: 4, label: 'Four times as large (4×)' },
];
const COLORIZE: ReadonlyArray<Choice<ColorizeMode>> = [
  { value: 'AUTO', label: 'Black & white only' },
  { value: 'ON', label: 'Always' },
  { value: 'OFF', label: 'Never' },
];
const REPAIR: ReadonlyArray<Choice<RepairMode>> = [
  { value: 'AUTO', label: 'If damaged' },
  { value: 'ON', label: 'Always' },
  { value: 'OFF', label: 'Never' },
];
const FRAME_RATES: ReadonlyArray<Choice<Factor>> = [
  { value: 1, label: 'Keep as is (1×)' },
  { value: 2, label: 'Smoother (2× frames)' },
  { value: 4, label: 'Smoothest (4× frames)' },
];

/** The per-upload options: each file picked or dropped is restored with the values at that moment; remembered in this browser. */
export interface OptionsForm {
  readonly element: HTMLElement;
  current(): EnhanceOptions;
}

export function createOptionsForm(storage: Storage | null): OptionsForm {
  const form = createOptionsFields(readStoredOptions(storage), 'Upload options', null);
  form.element.addEventListener('change', () => storeOptions(storage, form.current()));
  return form;
}

/** The four choices in a fieldset, starting from `initial`; a photo's (`kind` IMAGE) leaves out video motion. */
export function createOptionsFields(initial: EnhanceOptions, legend: string, kind: MediaKind | null): OptionsForm {
  const scale = select('Enlarge', 'scale', SCALES, initial.scale, 'More pixels, sharper detail; 4× takes longer.');
  const colorize = select('Add colour', 'colorize', COLORIZE, initial.colorize, 'Black & white only leaves colour pictures as they are.');
  const repair = select(
    'Repair damage',
    'repair',
    REPAIR,
    initial.repair,
    'Removes cracks, scratches and dust; photos without damage stay as they are.',
  );
  const frameRate = select('Video motion', 'frame-rate', FRAME_RATES, initial.frameRateFactor, 'Videos only: adds frames between frames.');
  const element = h(
    'fieldset',
    { class: 'options' },
    h('legend', {}, legend),
    scale.field,
    colorize.field,
    repair.field,
    kind !== 'IMAGE' && frameRate.field,
  );
  const current = (): EnhanceOptions => ({
    scale: Number(scale.input.value) as Factor,
    colorize: colorize.input.value as ColorizeMode,
    repair: repair.input.value as RepairMode,
    frameRateFactor: Number(frameRate.input.value) as Factor,
  });
  return { element, current };
}

function select<T extends string | number>(
  label: string,
  name: string,
  choices: ReadonlyArray<Choice<T>>,
  initial: T,
  help: string | null,
) {
  const id = uniqueId(`option-${name}`);
  const helpId = help ? `${id}-help` : null;
  const input = h(
    'select',
    { id, name, 'aria-describedby': helpId },
    ...choices.map((c) => h('option', { value: String(c.value), selected: c.value === initial }, c.label)),
  );
  const field = h('div', { class: 'field' }, h('label', { for: id }, label), input, help && h('p', { class: 'hint', id: helpId }, help));
  return { field, input };
}
