import { h } from './dom.ts';

/** Picking files with the system dialog or dropping them anywhere on the zone (or the page). */
export function createDropZone(onFiles: (files: File[]) => void): HTMLElement {
  const input = h('input', {
    type: 'file',
    id: 'file-input',
    class: 'visually-hidden',
    multiple: true,
    accept: 'image/*,video/*',
    'aria-describedby': 'drop-hint',
  });
  input.addEventListener('change', () => {
    if (input.files?.length) onFiles([...input.files]);
    // The same file picked again (to retry by hand) must fire `change` again.
    input.value = '';
  });
  const zone = h(
    'div',
    { class: 'drop-zone' },
    h('p', { class: 'drop-title' }, 'Drag photos or videos here'),
    h('p', { class: 'drop-or', 'aria-hidden': 'true' }, 'or'),
    input,
    h('label', { for: 'file-input', class: 'button primary' }, 'Choose photos or videos'),
    h('p', { class: 'hint', id: 'drop-hint' }, 'You can pick several at once: JPEG, PNG, TIFF, WebP, MP4, MOV and more.'),
  );
  zone.addEventListener('dragenter', () => zone.classList.add('dragging'));
  zone.addEventListener('dragleave', (e) => {
    if (!zone.contains(e.relatedTarget as Node | null)) zone.classList.remove('dragging');
  });
  // A file dropped outside the zone would make the browser navigate away to it: catch it too.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
  return zone;
}
