import { describe, expect, it } from 'vitest';
import { fnv1a32, galleryKey, orderGallery } from '../src/order';

const ids = (list: { id: number }[]) => list.map((i) => i.id);
const items = (...n: number[]) => n.map((id) => ({ id }));

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, so non-ASCII text is stable across engines', () => {
    // "é" is two bytes in UTF-8 (0xc3 0xa9): not the same as hashing the code unit 0xe9.
    expect(fnv1a32('é')).toBe(fnv1a32('\u00e9'));
    expect(fnv1a32('é')).not.toBe(fnv1a32('\u00c3'));
    expect(fnv1a32('é')).toBeGreaterThanOrEqual(0);
  });

  it('keys an image by salt ":" id', () => {
    expect(galleryKey('abc', 7)).toBe(fnv1a32('abc:7'));
  });
});

describe('orderGallery', () => {
  const all = items(...Array.from({ length: 20 }, (_, i) => i + 1));

  it('is deterministic and does not touch its input', () => {
    const input = items(3, 1, 2);
    const a = orderGallery(all, 'salt-a');
    expect(orderGallery([...all].reverse(), 'salt-a')).toEqual(a);
    expect(ids(orderGallery(input, 'x'))).toHaveLength(3);
    expect(ids(input)).toEqual([3, 1, 2]);
  });

  it('gives different salts different orders, and not the id order', () => {
    const a = ids(orderGallery(all, 'salt-a'));
    const b = ids(orderGallery(all, 'salt-b'));
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(ids(all));
    expect([...a].sort((x, y) => x - y)).toEqual(ids(all));
  });

  it('slots a new image into its place without moving the others', () => {
    let shown = ids(orderGallery(all.slice(0, 10), 'salt-a'));
    for (let extra = 11; extra <= 20; extra++) {
      const next = ids(orderGallery(all.slice(0, extra), 'salt-a'));
      expect(next.filter((id) => id !== extra)).toEqual(shown);
      shown = next;
    }
  });

  it('keeps extra fields and orders equal keys by id', () => {
    const withData = [
      { id: 2, prompt: 'b' },
      { id: 1, prompt: 'a' },
    ];
    const sorted = orderGallery(withData, 's');
    expect(sorted.map((i) => i.prompt).sort()).toEqual(['a', 'b']);
    // The same id twice (never in practice) cannot tie-break by hash: still a total order.
    expect(ids(orderGallery(items(5, 5, 4), 's')).filter((id) => id === 5)).toHaveLength(2);
  });
});
