import { afterEach, describe, expect, it } from 'vitest';
import { roundCountdownText } from '../src/clock';
import {
  CATALOGS,
  type MessageKey,
  chooseLanguage,
  getLanguage,
  placeholders,
  setLanguage,
  splitTemplate,
  t,
} from '../src/i18n';
import de from '../src/i18n/de.json';
import en from '../src/i18n/en.json';
import { phaseName, votesCastText } from '../src/views/format';

// Every client source file as text (Vite's glob import: no Node types needed).
const SOURCES = import.meta.glob(['../src/**/*.ts', '!../src/generated/**', '!../src/i18n.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

afterEach(() => setLanguage('en'));

describe('translation files', () => {
  it('have the same keys in English and German', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders in both languages, and no empty message', () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(placeholders(de[key]), key).toEqual(placeholders(en[key]));
      expect(en[key].trim(), key).not.toBe('');
      expect(de[key].trim(), key).not.toBe('');
    }
  });

  it('have every key the code asks for', () => {
    const known = new Set(Object.keys(en));
    const used = new Map<string, string>();
    const prefixes = new Map<string, string>();
    // i18n.ts is left out: its comments show t('key') itself.
    for (const [file, text] of Object.entries(SOURCES)) {
      // t('key'), tNodes('key'), and keys kept in tables ('host.clockPaused' as const...).
      for (const m of text.matchAll(/\b(?:t|tNodes)\(\s*'([^']+)'/g)) used.set(m[1]!, file);
      for (const m of text.matchAll(/'((?:[a-z]+\.)+[a-zA-Z]+)'/g)) {
        if (known.has(m[1]!) || /^\.\/|\.(ts|css|json|png|svg)$/.test(m[1]!)) continue;
        // Any other dotted string must not look like a key of ours.
        const group = m[1]!.split('.')[0]!;
        if ([...known].some((k) => k.startsWith(`${group}.`))) used.set(m[1]!, file);
      }
      // t(`phase.${phase}`): some key must start with the fixed part.
      for (const m of text.matchAll(/\b(?:t|tNodes)\(\s*`([^`$]+)\$\{/g)) prefixes.set(m[1]!, file);
    }
    expect(used.size).toBeGreaterThan(150);
    for (const [key, file] of used) expect(known.has(key), `${key} in ${file}`).toBe(true);
    for (const [prefix, file] of prefixes) {
      expect(
        [...known].some((k) => k.startsWith(prefix)),
        `${prefix}… in ${file}`,
      ).toBe(true);
    }
  });

  it('have a name for every phase and connection status in both languages', () => {
    for (const phase of ['lobby', 'generate', 'vote', 'reveal', 'closed'] as const) {
      expect(CATALOGS.de[`phase.${phase}`]).not.toBe(CATALOGS.en[`phase.${phase}`]);
      expect(CATALOGS.de[`phaseHint.${phase}`]).toBeTruthy();
    }
  });
});

describe('t()', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('votes.cast', { n: 3 })).toBe('Votes cast: 3');
    expect(t('landing.codeUnknown', { code: 'K7MZ3Q' })).toBe('No room has the code K7MZ3Q.');
    expect(t('votes.cast')).toBe('Votes cast: {n}');
  });

  it('speaks German once chosen, and English is the default', () => {
    expect(getLanguage()).toBe('en');
    setLanguage('de');
    expect(t('votes.cast', { n: 2 })).toBe('Abgegebene Stimmen: 2');
    expect(votesCastText(2)).toBe('Abgegebene Stimmen: 2');
    expect(phaseName('vote')).toBe('Abstimmung');
    expect(t('votes.cast', { n: 2 }, 'en')).toBe('Votes cast: 2');
  });

  it('splits a template into text and variables in order', () => {
    expect(splitTemplate('Round {n} winner: {prompt}')).toEqual([
      { text: 'Round ' },
      { name: 'n' },
      { text: ' winner: ' },
      { name: 'prompt' },
    ]);
    expect(splitTemplate('noch {time}')).toEqual([{ text: 'noch ' }, { name: 'time' }]);
    expect(placeholders('{b} and {a} and {b}')).toEqual(['a', 'b']);
  });
});

describe('language choice', () => {
  it('takes an explicit choice first, then the first browser language we have', () => {
    expect(chooseLanguage(['de'], ['en-US'])).toBe('de');
    expect(chooseLanguage([null, 'en'], ['de-DE'])).toBe('en');
    expect(chooseLanguage(['fr', null], ['de-AT', 'en'])).toBe('de');
    expect(chooseLanguage([], ['de'])).toBe('de');
    expect(chooseLanguage([], ['en-US', 'de'])).toBe('en');
    expect(chooseLanguage([], ['fr-FR', 'de-CH'])).toBe('de');
    expect(chooseLanguage([], ['fr-FR', 'it'])).toBe('en');
    expect(chooseLanguage([undefined], [])).toBe('en');
    expect(chooseLanguage([], ['DE-de'])).toBe('de');
  });
});

describe('countdown text in both languages', () => {
  it('is the same helper on every screen', () => {
    const paused = { deadline: null, paused: true, remaining_s: 84 };
    expect(roundCountdownText({ deadline: 70_000 }, 5_000)).toBe('1:05 left');
    expect(roundCountdownText(paused, 0)).toBe('Paused – 1:24 left');
    setLanguage('de');
    expect(roundCountdownText({ deadline: 70_000 }, 5_000)).toBe('noch 1:05');
    expect(roundCountdownText(paused, 0)).toBe('Pausiert – noch 1:24');
    expect(roundCountdownText({ deadline: 5_000 }, 5_000)).toBe('Zeit ist um');
  });
});
