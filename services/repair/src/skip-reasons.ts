// Why repair hands an item (or a video chunk) on unchanged, in the words people read beside the stage.

/** The user turned the stage off (`repair: off`): nothing is examined. */
export const REPAIR_NOT_ASKED = 'repair was not asked for';

/** The detector found nothing to fill: the picture goes on as it came. */
export const NO_DAMAGE_FOUND = 'no damage found';
