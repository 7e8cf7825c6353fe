/**
 * Why colorize hands an item on untouched, or undefined when it colours it. `auto` trusts
 * preprocess's flag: it ran the colorizer's own monochrome test on this very picture or video.
 */
export function skipReason(event: { options: { colorize: 'auto' | 'on' | 'off' }; isMonochrome: boolean }): string | undefined {
  if (event.options.colorize === 'off') return 'colour was not asked for';
  if (event.options.colorize === 'auto' && !event.isMonochrome) return 'already in colour';
  return undefined;
}
