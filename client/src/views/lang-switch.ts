// Picking the page's language in the browser, and the switch that changes it. The choice is
// stored in localStorage; switching reloads the page, so every view is built in one language.
import { el } from '../dom';
import { LANGS, type Lang, STORAGE_KEY, chooseLanguage, setLanguage, t } from '../i18n';

function stored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** ?lang=de|en (handy on a projector laptop), the stored switch, then the browser's languages. */
export function initLanguage(): Lang {
  const asked = new URLSearchParams(window.location.search).get('lang');
  const browser = navigator.languages?.length ? navigator.languages : [navigator.language ?? ''];
  const lang = chooseLanguage([asked, stored()], browser);
  setLanguage(lang);
  document.documentElement.lang = lang;
  return lang;
}

let counter = 0;

/** A labelled <select> (data-testid lang-switch). */
export function langSwitch(current: Lang): HTMLElement {
  const id = `lang-switch-${++counter}`;
  const select = el(
    'select',
    { id, class: 'lang-select', 'data-testid': 'lang-switch' },
    ...LANGS.map((lang) =>
      el('option', { value: lang, lang, selected: lang === current }, t(`lang.${lang}`)),
    ),
  );
  select.addEventListener('change', () => {
    const lang = select.value;
    let kept = true;
    try {
      window.localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      kept = false; // no storage (private mode): the address carries the choice instead
    }
    const url = new URL(window.location.href);
    if (kept && !url.searchParams.has('lang')) return window.location.reload();
    url.searchParams.set('lang', lang);
    window.location.replace(url.toString());
  });
  return el(
    'div',
    { class: 'lang-switch' },
    el('label', { for: id, class: 'sr-only' }, t('lang.label')),
    el('span', { class: 'lang-icon', 'aria-hidden': 'true' }, '🌐'),
    select,
  );
}
