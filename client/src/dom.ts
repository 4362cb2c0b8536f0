// Tiny DOM helpers. Text always goes through textContent / text nodes: prompts and
// nicknames are user input and must never be parsed as HTML.

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export function setAttr(node: Element, name: string, value: string | null): void {
  if (value === null) node.removeAttribute(name);
  else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

/** A polite live region for short messages (vote errors and the like). */
export class Toast {
  readonly element: HTMLDivElement;
  private timer: number | undefined;

  constructor() {
    this.element = el('div', {
      class: 'toast',
      'data-testid': 'toast',
      role: 'status',
      'aria-live': 'polite',
      hidden: true,
    });
  }

  show(message: string, kind: 'error' | 'info' = 'error', ms = 4000): void {
    window.clearTimeout(this.timer);
    this.element.textContent = message;
    this.element.classList.toggle('toast-error', kind === 'error');
    this.element.hidden = false;
    this.timer = window.setTimeout(() => {
      this.element.hidden = true;
    }, ms);
  }
}

export function roomPath(slug: string): string {
  return `/room/${encodeURIComponent(slug)}`;
}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
