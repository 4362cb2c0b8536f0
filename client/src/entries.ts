// Entry selection and quota rules, pure. With entry selection on, a finished edit is a
// private attempt until its author enters it; the room sees work in progress and entries.
import type { Image, Quota } from './generated/protocol';

const IN_PROGRESS = new Set<Image['status']>(['queued', 'generating', 'storing']);

/** Without entry selection every finished edit is entered (an older server may omit the field). */
export function isEntered(image: Image, entrySelection: boolean): boolean {
  return !entrySelection || image.entered !== false;
}

/**
 * Whether a gallery shows the edit. Own edits always (the author's own card carries the
 * Entered badge). Others': work in progress, so the room sees the studio busy, and
 * finished edits once entered; failed ones only without entry selection, as before.
 */
export function isVisible(
  image: Image,
  own: boolean,
  entrySelection: boolean,
  requiresApproval = false,
): boolean {
  if (own) return true;
  // The facilitator hid it, or it still waits for approval: no one else sees it.
  if (image.hidden === true) return false;
  if (!entrySelection && !requiresApproval) return true;
  if (IN_PROGRESS.has(image.status)) return true;
  return image.status === 'done' && isEntered(image, entrySelection) && (!requiresApproval || image.approved === true);
}

/**
 * The viewer's quota after one of their own edits changed, counted from the snapshot
 * on: a new edit uses a generation, a failure refunds it (the server does the same),
 * entering or withdrawing moves the entry count. `before` is undefined for a new edit.
 */
export function quotaAfter(quota: Quota, before: Image | undefined, after: Image): Quota {
  let used = quota.generations_used;
  let entries = quota.entries_used;
  if (!before) {
    if (after.status !== 'failed') used += 1;
    if (after.entered === true) entries += 1;
  } else {
    if (before.status !== 'failed' && after.status === 'failed') used -= 1;
    if (before.entered !== true && after.entered === true) entries += 1;
    if (before.entered === true && after.entered !== true) entries -= 1;
  }
  if (used === quota.generations_used && entries === quota.entries_used) return quota;
  return { ...quota, generations_used: Math.max(0, used), entries_used: Math.max(0, entries) };
}
