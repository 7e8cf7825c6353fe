/** Says short status changes to screen readers through a polite aria-live region. */
export interface Announcer {
  announce(text: string): void;
}

export function createAnnouncer(region: HTMLElement): Announcer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const queue: string[] = [];
  // Several items can change at once; one message a second keeps each audible.
  const flush = () => {
    const next = queue.shift();
    if (next === undefined) {
      timer = undefined;
      return;
    }
    region.textContent = next;
    timer = setTimeout(flush, 1000);
  };
  return {
    announce(text) {
      queue.push(text);
      if (timer === undefined) flush();
    },
  };
}
