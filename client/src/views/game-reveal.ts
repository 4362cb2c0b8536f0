// The reveal of a game picture, shared by the participant page and the projector: the truth,
// the room's share of right guesses, where the picture came from, and the detector's guess
// with its heatmap. Credits, prompts and nicknames are text nodes, never HTML.
import { el, setText } from '../dom';
import { percent } from '../game';
import type { GameItem, GameReveal, GuessValue } from '../generated/protocol';
import { t, tNodes } from '../i18n';

export function guessWord(guess: GuessValue): string {
  return guess === 'ai' ? t('game.ai') : t('game.human');
}

export function truthText(truth: GuessValue): string {
  return truth === 'ai' ? t('game.truthAi') : t('game.truthHuman');
}

export function shareText(reveal: GameReveal): string {
  const total = reveal.human_guesses + reveal.ai_guesses;
  if (total === 0) return t('game.roomNone');
  return t('game.roomShare', { p: percent(reveal.share_right) ?? 0, right: reveal.right, total });
}

/** Where the picture came from: the artwork's credit (with its source link) or the edit. */
export function sourceLine(reveal: GameReveal): HTMLElement {
  const source = reveal.source;
  const line = el('p', { class: 'game-source', 'data-testid': 'game-source' });
  if (source.kind === 'artwork') {
    line.append(...tNodes('game.credit', { title: source.title ?? '', artist: source.artist ?? '' }));
    if (source.source_url) {
      line.append(
        ' ',
        el('a', { href: source.source_url, rel: 'noopener noreferrer', target: '_blank' }, t('game.sourceLink')),
      );
    }
  } else if (source.author) {
    line.append(...tNodes('game.editBy', { author: source.author, prompt: source.prompt ?? '' }));
  } else {
    line.append(...tNodes('game.editAnon', { prompt: source.prompt ?? '' }));
  }
  return line;
}

export function detectorText(reveal: GameReveal): string {
  const detector = reveal.detector;
  if (detector.status === 'not_configured') return t('game.detectorNotConfigured');
  if (detector.status === 'off') return t('game.detectorOff');
  const says = t('game.detectorSays', {
    guess: guessWord(detector.guess ?? 'ai'),
    p: percent(detector.p_ai) ?? 0,
  });
  return `${says} ${detector.correct ? t('game.detectorRight') : t('game.detectorWrong')}`;
}

/** The heatmap over the picture, when the detector judged it. */
export function heatmapFigure(reveal: GameReveal, className: string): HTMLElement | null {
  const detector = reveal.detector;
  if (detector.status !== 'ok' || !detector.heatmap_url) return null;
  return el(
    'figure',
    { class: className, 'data-testid': 'game-heatmap' },
    el('img', { src: detector.heatmap_url, alt: t('game.heatmapAlt') }),
    el('figcaption', {}, t('game.heatmapCaption', { guess: guessWord(detector.guess ?? 'ai') })),
  );
}

/** The truth, the room's share and the detector's line, as a block. */
export function revealBlock(game: GameItem, reveal: GameReveal, mine: GuessValue | null | undefined): HTMLElement {
  const truth = el('p', { class: 'game-truth', 'data-testid': 'game-truth', 'data-truth': reveal.truth }, truthText(reveal.truth));
  const block = el('div', { class: 'game-reveal', 'data-testid': 'game-reveal' }, truth);
  if (mine !== undefined) {
    const key = mine === null ? 'game.youNone' : mine === reveal.truth ? 'game.youRight' : 'game.youWrong';
    block.append(el('p', { class: 'game-you', 'data-testid': 'game-you', 'data-right': String(mine === reveal.truth) }, t(key)));
  }
  block.append(
    el('p', { class: 'game-share', 'data-testid': 'game-share' }, shareText(reveal)),
    sourceLine(reveal),
    el('p', { class: 'game-detector', 'data-testid': 'game-detector' }, detectorText(reveal)),
  );
  block.dataset['item'] = String(game.id);
  return block;
}

/** The parts of a screen that show a game picture (the phone's and the projector's). */
export interface GamePictureParts {
  element: HTMLElement;
  number: HTMLElement;
  picture: HTMLImageElement;
  question: HTMLElement;
  reveal: HTMLElement;
  /** The picture's figure first, then the heatmap's after the reveal. */
  figures: HTMLElement;
}

/** Show the picture on screen: its number and image, and once revealed the truth and the
 *  heatmap. `mine` is the viewer's guess (undefined on a screen nobody guesses from). */
export function showGamePicture(
  parts: GamePictureParts,
  game: GameItem,
  mine: GuessValue | null | undefined,
  heatmapClass: string,
): void {
  setText(parts.number, t('game.pictureOf', { n: game.number }));
  if (parts.picture.getAttribute('src') !== game.picture_url) parts.picture.src = game.picture_url;
  const revealed = game.phase !== 'guess' && game.reveal ? game.reveal : null;
  parts.question.hidden = revealed !== null;
  parts.reveal.replaceChildren(...(revealed ? [revealBlock(game, revealed, mine)] : []));
  const heatmap = revealed ? heatmapFigure(revealed, heatmapClass) : null;
  parts.figures.replaceChildren(parts.figures.firstChild!, ...(heatmap ? [heatmap] : []));
  parts.element.dataset['phase'] = game.phase;
}
