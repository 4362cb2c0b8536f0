import { describe, expect, it } from 'vitest';
import { moderationActions } from '../src/views/host-moderation';
import { consoleRoom, hostPath } from '../src/views/host-rooms';
import { parseLength } from '../src/views/host-settings';

describe('console room', () => {
  it('takes a valid ?room= and falls back to the page default', () => {
    expect(consoleRoom('?room=friday-workshop', 'main')).toBe('friday-workshop');
    expect(consoleRoom('', 'main')).toBe('main');
    expect(consoleRoom('?room=../etc', 'main')).toBe('main');
    expect(hostPath('friday')).toBe('/host?room=friday');
  });
});

describe('moderation buttons', () => {
  it('offers approve only where approval is required and missing', () => {
    expect(moderationActions({ approved: false, hidden: false }, true)).toEqual(['approve', 'hide']);
    expect(moderationActions({ approved: false, hidden: false }, false)).toEqual(['hide']);
    expect(moderationActions({ approved: true, hidden: true }, true)).toEqual(['unhide']);
  });
});

describe('phase length field', () => {
  it('is empty for none, whole seconds in range, else refused', () => {
    expect(parseLength('')).toBeNull();
    expect(parseLength(' 120 ')).toBe(120);
    expect(parseLength('0')).toBeUndefined();
    expect(parseLength('1.5')).toBeUndefined();
    expect(parseLength('abc')).toBeUndefined();
  });
});
