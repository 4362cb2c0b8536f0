// Personal gallery order, pure. Showing every participant the same order (e.g. oldest
// first) gives the first images more votes; instead each viewer sorts by a hash of their
// own per-round salt (the snapshot's gallery_salt) and the image id. The order is random
// across viewers, fixed for one viewer, and an image arriving later slots into its hashed
// place without moving the others relative to each other.

const encoder = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes of the text; an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    // hash * 16777619 (the FNV prime) modulo 2^32, in shifts so it stays exact.
    hash = (hash + (hash << 1) + (hash << 4) + (hash << 7) + (hash << 8) + (hash << 24)) >>> 0;
  }
  return hash >>> 0;
}

export function galleryKey(salt: string, imageId: number): number {
  return fnv1a32(`${salt}:${imageId}`);
}

/** A sorted copy; equal hashes (rare) fall back to the id so the order is total. */
export function orderGallery<T extends { id: number }>(images: readonly T[], salt: string): T[] {
  const keyed = images.map((image) => ({ image, key: galleryKey(salt, image.id) }));
  keyed.sort((a, b) => a.key - b.key || a.image.id - b.image.id);
  return keyed.map((k) => k.image);
}
