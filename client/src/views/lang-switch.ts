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

/** A small globe (an emoji may lack a font). */
function globe(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'lang-icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute(
    'd',
    'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm0 2c.9 0 2.3 2 2.8 5H9.2C9.7 6 11.1 4 12 4ZM4.3 14a8 8 0 0 1 0-4h3a20 20 0 0 0 0 4h-3Zm.9 2h2.5c.3 1.5.8 2.8 1.4 3.6A8 8 0 0 1 5.2 16Zm2.5-8H5.2a8 8 0 0 1 3.9-3.6C8.5 5.2 8 6.5 7.7 8ZM12 20c-.9 0-2.3-2-2.8-4h5.6c-.5 2-1.9 4-2.8 4Zm3.1-6H8.9a18 18 0 0 1 0-4h6.2a18 18 0 0 1 0 4Zm-.2 5.6c.6-.8 1.1-2.1 1.4-3.6h2.5a8 8 0 0 1-3.9 3.6ZM16.7 14a20 20 0 0 0 0-4h3a8 8 0 0 1 0 4h-3Zm-.4-6c-.3-1.5-.8-2.8-1.4-3.6A8 8 0 0 1 18.8 8h-2.5Z',
  );
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

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
    globe(),
    select,
  );
}
