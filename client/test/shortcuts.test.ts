import { describe, expect, it } from 'vitest';
import {
  BRUSH_MAX,
  BRUSH_MIN,
  type KeyLike,
  commandFor,
  initialBrushSize,
  isTextEntry,
  stepBrushSize,
} from '../src/shortcuts';

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('brush size steps', () => {
  it('steps about 10% each way', () => {
    expect(stepBrushSize(64, 1)).toBe(70);
    expect(stepBrushSize(70, -1)).toBe(64);
    expect(stepBrushSize(200, 1)).toBe(220);
  });

  it('small brushes still move by at least one pixel', () => {
    expect(stepBrushSize(1, 1)).toBe(2);
    expect(stepBrushSize(3, 1)).toBe(4);
    expect(stepBrushSize(3, -1)).toBe(2);
  });

  it('clamps to 1..512', () => {
    expect(stepBrushSize(BRUSH_MIN, -1)).toBe(1);
    expect(stepBrushSize(BRUSH_MAX, 1)).toBe(512);
    expect(stepBrushSize(500, 1)).toBe(512);
    expect(stepBrushSize(9999, -1)).toBe(465);
    expect(stepBrushSize(Number.NaN, 1)).toBe(2);
  });

  it('starts relative to the seed', () => {
    expect(initialBrushSize(1024, 768)).toBe(64);
    expect(initialBrushSize(8, 8)).toBe(1);
    expect(initialBrushSize(20000, 10)).toBe(512);
  });
});

describe('commandFor', () => {
  it('maps undo and both redo spellings, with Ctrl or Cmd', () => {
    expect(commandFor(key('z', { ctrlKey: true }))).toBe('undo');
    expect(commandFor(key('z', { metaKey: true }))).toBe('undo');
    expect(commandFor(key('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo');
    expect(commandFor(key('z', { metaKey: true, shiftKey: true }))).toBe('redo');
    expect(commandFor(key('y', { ctrlKey: true }))).toBe('redo');
  });

  it('maps the brackets without modifiers, and under AltGr', () => {
    expect(commandFor(key('['))).toBe('smaller');
    expect(commandFor(key(']'))).toBe('larger');
    expect(commandFor(key('[', { ctrlKey: true, altKey: true }))).toBe('smaller');
    expect(commandFor(key(']', { metaKey: true }))).toBeNull();
  });

  it('ignores everything else', () => {
    expect(commandFor(key('z'))).toBeNull();
    expect(commandFor(key('y'))).toBeNull();
    expect(commandFor(key('a', { ctrlKey: true }))).toBeNull();
    expect(commandFor(key('z', { ctrlKey: true, altKey: true }))).toBeNull();
    expect(commandFor(key('Enter'))).toBeNull();
  });
});

describe('isTextEntry', () => {
  it('is true where typing is text', () => {
    expect(isTextEntry({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTextEntry({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTextEntry({ tagName: 'INPUT' })).toBe(true);
    expect(isTextEntry({ tagName: 'DIV', isContentEditable: true })).toBe(true);
  });

  it('is false for buttons, sliders and the page', () => {
    expect(isTextEntry({ tagName: 'INPUT', type: 'range' })).toBe(false);
    expect(isTextEntry({ tagName: 'BUTTON' })).toBe(false);
    expect(isTextEntry({ tagName: 'BODY' })).toBe(false);
    expect(isTextEntry(null)).toBe(false);
  });
});
