// Translations. Every user-facing string of the client lives in i18n/en.json and
// i18n/de.json (same keys); views call t('key', {vars}). MessageKey is the key set of
// en.json, so tsc refuses a key that does not exist, and the catalog type refuses a de.json
// that lacks one (test/i18n.test.ts checks both ways, and the placeholders).
import de from './i18n/de.json';
import en from './i18n/en.json';

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
export type Lang = 'en' | 'de';
export type Vars = Record<string, string | number>;

export const LANGS: readonly Lang[] = ['en', 'de'];
export const CATALOGS: Record<Lang, Messages> = { en, de };
export const STORAGE_KEY = 'ppw.lang';

/**
 * The language for a visitor: an explicit choice (?lang= or the stored switch) first, then
 * the first browser language we have (de* is German, en* English), else English.
 */
export function chooseLanguage(
  explicit: readonly (string | null | undefined)[],
  languages: readonly string[],
): Lang {
  for (const choice of explicit) {
    if (choice === 'en' || choice === 'de') return choice;
  }
  for (const tag of languages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'de') return 'de';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

// English until the page picks (main.ts): tests and other non-browser code read English.
let current: Lang = 'en';

export function getLanguage(): Lang {
  return current;
}

export function setLanguage(lang: Lang): void {
  current = lang;
}

/** A template split at its {placeholders}: text parts and variable names, in order. */
export type TemplatePart = { text: string } | { name: string };

export function splitTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const re = /\{([A-Za-z0-9_]+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push({ text: template.slice(last, m.index) });
    parts.push({ name: m[1]! });
    last = re.lastIndex;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

/** The placeholders a template uses, e.g. ["n", "name"] (sorted, unique). */
export function placeholders(template: string): string[] {
  const names = splitTemplate(template).flatMap((p) => ('name' in p ? [p.name] : []));
  return [...new Set(names)].sort();
}

function lookup(key: MessageKey, lang: Lang): string {
  return CATALOGS[lang][key] ?? CATALOGS.en[key] ?? key;
}

/** The message in the current language with its {placeholders} filled in. */
export function t(key: MessageKey, vars: Vars = {}, lang: Lang = current): string {
  return splitTemplate(lookup(key, lang))
    .map((p) => ('text' in p ? p.text : p.name in vars ? String(vars[p.name]) : `{${p.name}}`))
    .join('');
}

/**
 * The message as DOM children, where a variable may be a Node (e.g. a <strong> prompt or a
 * big countdown number): word order stays the translation's. Text is never parsed as HTML.
 */
export function tNodes(key: MessageKey, vars: Record<string, string | number | Node> = {}) {
  return splitTemplate(lookup(key, current)).map((p): Node | string => {
    if ('text' in p) return p.text;
    const value = vars[p.name];
    if (value === undefined) return `{${p.name}}`;
    return typeof value === 'object' ? value : String(value);
  });
}
