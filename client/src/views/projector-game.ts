// The "AI or human?" game on the projector: the picture large, the time left and how many
// have guessed; at the reveal, the truth, the room's share of right guesses, the credit and
// the detector's guess next to its heatmap. No controls.
import { el, setText } from '../dom';
import { type Game, secondsLeft } from '../game';
import { t } from '../i18n';
import { type GamePictureParts, showGamePicture } from './game-reveal';

export class ProjectorGame {
  readonly element = el('section', {
    class: 'pj-game',
    'data-testid': 'projector-game',
    'aria-labelledby': 'pj-game-title',
    hidden: true,
  });
  private readonly heading = el('h2', { id: 'pj-game-title', class: 'pj-game-title' }, t('game.title'));
  private readonly number = el('p', { class: 'pj-game-number' });
  private readonly picture = el('img', { class: 'pj-game-picture', 'data-testid': 'projector-game-picture', alt: t('game.pictureAlt') });
  private readonly figures = el('div', { class: 'pj-game-figures' });
  private readonly question = el('p', { class: 'pj-game-question' }, t('game.question'));
  private readonly countdown = el('p', { class: 'pj-game-countdown', 'data-testid': 'projector-game-countdown', 'aria-live': 'off' });
  private readonly count = el('p', { class: 'pj-game-count', 'data-testid': 'projector-game-count' });
  private readonly reveal = el('div', { class: 'pj-game-reveal' });
  private game: Game = null;
  private shownKey = '';

  constructor() {
    this.figures.append(el('figure', { class: 'pj-game-figure' }, this.picture));
    this.element.append(
      el('div', { class: 'pj-game-side' }, this.heading, this.number, this.question, this.countdown, this.count, this.reveal),
      this.figures,
    );
  }

  update(game: Game, now: number): void {
    this.game = game;
    this.element.hidden = game === null;
    if (!game) {
      this.shownKey = '';
      return;
    }
    const key = `${game.id}:${game.phase}`;
    if (key !== this.shownKey) {
      this.shownKey = key;
      showGamePicture(this.pictureParts(), game, undefined, 'pj-game-figure pj-game-heatmap');
    }
    this.tick(now);
  }

  private pictureParts(): GamePictureParts {
    const { element, number, picture, question, reveal, figures } = this;
    return { element, number, picture, question, reveal, figures };
  }

  tick(now: number): void {
    const game = this.game;
    if (!game) return;
    const left = secondsLeft(game, now);
    this.countdown.hidden = game.phase !== 'guess';
    setText(this.countdown, left > 0 ? t('game.timeLeft', { s: left }) : t('game.timeUp'));
    this.count.hidden = game.phase !== 'guess';
    setText(this.count, t('game.guessCount', { n: game.guesses }));
  }
}
