import { describe, expect, it } from 'vitest';
import { countdownLine, roundCountdown } from '../src/clock';
import { fitGrid } from '../src/grid-fit';
import { dilate, maskInside, outlineRings, paintRings, workingSize } from '../src/mask-outline';
import { dividerPercent } from '../src/views/compare-slider';
import { displayLink, joinLink } from '../src/views/invite';
import { normaliseCode, unknownCode } from '../src/views/landing';
import { projectorEntries } from '../src/views/projector-gallery';
import { revealHoldMs } from '../src/views/projector';
import { revealKey } from '../src/views/reveal';
import { applySnapshot } from '../src/state';
import { done, image, snapshot } from './fixtures';

/** A w x h RGBA mask, white and opaque inside the box [x0, x1) x [y0, y1). */
function mask(w: number, h: number, box: [number, number, number, number], alphaOnly = false) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
      const o = (y * w + x) * 4;
      const v = inside ? 255 : 0;
      data.set(alphaOnly ? [255, 255, 255, v] : [v, v, v, 255], o);
    }
  }
  return data;
}

describe('mask outline', () => {
  it('reads the edit area from luminance (opaque masks) or alpha', () => {
    const lum = maskInside(mask(4, 1, [1, 0, 3, 1]), 4, 1);
    expect([...lum]).toEqual([0, 1, 1, 0]);
    const alpha = maskInside(mask(4, 1, [0, 0, 1, 1], true), 4, 1);
    expect([...alpha]).toEqual([1, 0, 0, 0]);
  });

  it('grows a set by a square radius, clipped at the borders', () => {
    const set = new Uint8Array(25);
    set[12] = 1; // centre of 5x5
    expect(dilate(set, 5, 5, 1).reduce((a, b) => a + b, 0)).toBe(9);
    expect(dilate(set, 5, 5, 5).reduce((a, b) => a + b, 0)).toBe(25);
    expect([...dilate(set, 5, 5, 0)]).toEqual([...set]);
  });

  it('draws a bright ring just outside the edge and a dark one beyond, nothing inside', () => {
    const w = 12;
    const h = 12;
    const inside = maskInside(mask(w, h, [4, 4, 8, 8]), w, h);
    const rings = outlineRings(inside, w, h, 1, 1);
    const at = (x: number, y: number) => rings[y * w + x];
    expect(at(5, 5)).toBe(0); // inside the edit stays clear
    expect(at(3, 5)).toBe(1); // right outside the edge
    expect(at(2, 5)).toBe(2); // the dark band
    expect(at(0, 0)).toBe(0); // far away
    const out = new Uint8ClampedArray(w * h * 4);
    paintRings(rings, out);
    expect([...out.slice((5 * w + 3) * 4, (5 * w + 3) * 4 + 4)]).toEqual([255, 214, 10, 255]);
    expect(out[(0 * w + 0) * 4 + 3]).toBe(0);
  });

  it('works on a smaller copy of a big mask, keeping its shape', () => {
    expect(workingSize(1024, 768)).toEqual([480, 360]);
    expect(workingSize(100, 50)).toEqual([100, 50]);
    expect(workingSize(0, 0)).toEqual([1, 1]);
  });
});

describe('projector gallery grid', () => {
  const box = {
    width: 1200,
    height: 700,
    aspect: 4 / 3,
    gap: 16,
    caption: 90,
    minTile: 150,
    maxTile: 420,
  };

  it('fits every entry with the biggest tiles it can', () => {
    const one = fitGrid(1, box);
    expect(one).toEqual({ columns: 1, tile: 420, shown: 1 });
    const twelve = fitGrid(12, box);
    expect(twelve.shown).toBe(12);
    const rows = Math.ceil(12 / twelve.columns);
    expect(twelve.columns * twelve.tile + (twelve.columns - 1) * 16).toBeLessThanOrEqual(1200);
    expect(rows * (twelve.tile * 0.75 + 90) + (rows - 1) * 16).toBeLessThanOrEqual(700 + 1);
  });

  it('shows fewer, with room for "+N more", when the entries cannot fit', () => {
    const many = fitGrid(200, box);
    expect(many.shown).toBeLessThan(200);
    expect(many.tile).toBeGreaterThanOrEqual(150);
    const places = many.shown + 1;
    const rows = Math.ceil(places / many.columns);
    expect(rows * (many.tile * 0.75 + 90) + (rows - 1) * 16).toBeLessThanOrEqual(701);
    expect(fitGrid(0, box).shown).toBe(0);
  });
});

describe('projector helpers', () => {
  it('shows entered, finished edits only, in the viewer order', () => {
    const state = applySnapshot(
      snapshot({
        me: null,
        entry_selection: true,
        images: [
          done(1, { entered: true }),
          done(2, { entered: false }),
          image(3),
          done(4, { entered: true }),
        ],
      }),
    );
    expect(
      projectorEntries(state)
        .map((i) => i.id)
        .sort(),
    ).toEqual([1, 4]);
  });

  it('splits the countdown so the time can be big', () => {
    expect(roundCountdown({ deadline: 70_000 }, 5_000)).toEqual({ kind: 'running', time: '1:05' });
    expect(roundCountdown({ deadline: 5_000 }, 9_000)).toEqual({ kind: 'over' });
    expect(roundCountdown({ deadline: null }, 0)).toEqual({ kind: 'none' });
    expect(roundCountdown({ deadline: null, paused: true, remaining_s: 84 }, 0)).toEqual({
      kind: 'paused',
      time: '1:24',
    });
    expect(countdownLine({ kind: 'paused', time: null })).toBe('Paused');
    expect(countdownLine({ kind: 'none' })).toBeNull();
  });

  it('holds a reveal for ?reveal=SECONDS, 20 s by default', () => {
    expect(revealHoldMs('')).toBe(20_000);
    expect(revealHoldMs('?reveal=3')).toBe(3_000);
    expect(revealHoldMs('?reveal=0')).toBe(0);
    expect(revealHoldMs('?reveal=-4')).toBe(20_000);
    expect(revealHoldMs('?reveal=99999')).toBe(600_000);
  });

  it('rebuilds the reveal only when what it shows changes', () => {
    const seed = { url: '/s.png', width: 4, height: 3 };
    const winner = {
      id: 1,
      prompt: 'p',
      nickname: 'A',
      url: '/1.png',
      thumbUrl: '/1t.png',
      maskUrl: '/m.png',
      width: 4,
      height: 3,
      votes: { up: 1, down: 0, score: 1 },
    };
    const a = revealKey({ round: 1, seed, winner });
    expect(revealKey({ round: 1, seed, winner: { ...winner } })).toBe(a);
    expect(revealKey({ round: 1, seed, winner: { ...winner, votes: null } })).not.toBe(a);
    expect(revealKey({ round: 1, seed, winner: null })).not.toBe(a);
  });

  it('builds the short join link and the code people type', () => {
    const room = { slug: 'main', join_code: 'K7MZ3Q', join_path: '/j/K7MZ3Q' };
    expect(joinLink(room, 'https://ppw.example/')).toBe('https://ppw.example/j/K7MZ3Q');
    expect(joinLink({ slug: 'x', join_code: null, join_path: null }, 'https://a')).toBeNull();
    expect(displayLink('https://ppw.example/j/K7MZ3Q')).toBe('ppw.example/j/K7MZ3Q');
    expect(normaliseCode(' k7m-z3q ')).toBe('K7MZ3Q');
    expect(unknownCode('?code=k7mz3q&unknown=1')).toBe('K7MZ3Q');
    expect(unknownCode('?code=k7mz3q')).toBeNull();
    expect(unknownCode('?unknown=1')).toBeNull();
  });

  it('keeps the slider value a whole percent from 0 to 100', () => {
    expect(dividerPercent('42')).toBe(42);
    expect(dividerPercent(120)).toBe(100);
    expect(dividerPercent(-3)).toBe(0);
    expect(dividerPercent('abc')).toBe(50);
    expect(dividerPercent(33.6)).toBe(34);
  });
});
