// The "AI or human?" game on a participant's screen: the picture, two big buttons and the
// time left; after a guess, what was guessed; at the reveal, the truth, whether we were
// right, the room's share, the credit and the detector's guess with its heatmap.
import { el, setText } from '../dom';
import { type Game, canGuess, secondsLeft } from '../game';
import type { GuessValue } from '../generated/protocol';
import { t } from '../i18n';
import { type GamePictureParts, guessWord, showGamePicture } from './game-reveal';

export class GamePlay {
  readonly element = el('section', {
    class: 'game-play panel',
    'data-testid': 'game-play',
    'aria-labelledby': 'game-title',
    hidden: true,
  });
  private readonly heading = el('h2', { id: 'game-title' }, t('game.title'));
  private readonly number = el('p', { class: 'muted game-number' });
  private readonly picture = el('img', { class: 'game-picture', 'data-testid': 'game-picture', alt: t('game.pictureAlt') });
  private readonly figures = el('div', { class: 'game-figures' });
  private readonly question = el('p', { class: 'game-question' }, t('game.question'));
  private readonly countdown = el('p', { class: 'game-countdown', 'data-testid': 'game-countdown', 'aria-live': 'off' });
  private readonly status = el('p', { class: 'game-status', 'data-testid': 'game-status', role: 'status' });
  private readonly buttons: Record<GuessValue, HTMLButtonElement> = {
    ai: el('button', { type: 'button', class: 'game-guess', 'data-testid': 'game-guess-ai', 'data-guess': 'ai' }, t('game.guessAi')),
    human: el(
      'button',
      { type: 'button', class: 'game-guess', 'data-testid': 'game-guess-human', 'data-guess': 'human' },
      t('game.guessHuman'),
    ),
  };
  private readonly choice = el('div', { class: 'game-choice' }, this.buttons.ai, this.buttons.human);
  private readonly reveal = el('div', { class: 'game-reveal-slot' });
  private game: Game = null;
  private shownKey = '';
  private sending = false;

  constructor(
    /** Sends the guess; shows the reason itself when it is refused (never throws). */
    private readonly onGuess: (itemId: number, guess: GuessValue) => Promise<void>,
    private readonly participant = true,
  ) {
    this.figures.append(el('figure', { class: 'game-figure' }, this.picture));
    this.element.append(this.heading, this.number, this.figures, this.question, this.choice, this.countdown, this.status, this.reveal);
    for (const guess of ['ai', 'human'] as const) {
      this.buttons[guess].addEventListener('click', () => void this.guess(guess));
    }
  }

  update(game: Game, now: number): void {
    this.game = game;
    this.element.hidden = game === null;
    if (!game) {
      this.shownKey = '';
      return;
    }
    const key = `${game.id}:${game.phase}:${game.my_guess ?? ''}`;
    if (key !== this.shownKey) {
      this.shownKey = key;
      showGamePicture(this.pictureParts(), game, this.participant ? (game.my_guess ?? null) : undefined, 'game-figure game-heatmap');
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
    const open = canGuess(game, now, this.participant) && !this.sending;
    this.choice.hidden = game.phase !== 'guess' || !!game.my_guess;
    for (const button of Object.values(this.buttons)) button.disabled = !open;
    const left = secondsLeft(game, now);
    this.countdown.hidden = game.phase !== 'guess';
    setText(this.countdown, left > 0 ? t('game.timeLeft', { s: left }) : t('game.timeUp'));
    let status = '';
    if (game.phase === 'guess') {
      status = game.my_guess
        ? `${t('game.yourGuess', { guess: guessWord(game.my_guess) })} ${t('game.waitReveal')}`
        : left > 0
          ? t('game.guessCount', { n: game.guesses })
          : t('game.waitReveal');
    }
    setText(this.status, status);
  }

  private async guess(guess: GuessValue): Promise<void> {
    const game = this.game;
    if (!game || this.sending) return;
    this.sending = true;
    for (const button of Object.values(this.buttons)) button.disabled = true;
    try {
      await this.onGuess(game.id, guess); // says why itself when the guess is refused
    } finally {
      this.sending = false;
    }
  }
}
