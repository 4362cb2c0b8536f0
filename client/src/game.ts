// The "AI or human?" game's state rules, pure and tested: which picture is on the screens,
// the viewer's own guess, the guess count, and the time left. state.ts applies them to the
// room state; the views (game-play, projector-game, host-game) only read.
import type { GameEvent, GameGuessesEvent, GameItem, GuessValue } from './generated/protocol';

/** The picture on the screens (guess or reveal phase), or null. */
export type Game = GameItem | null;

export function gameFromSnapshot(game: GameItem | null | undefined): Game {
  return game && game.phase !== 'closed' ? game : null;
}

/**
 * A game:updated event (already in version order): a new picture, its reveal, or its close.
 * The viewer's own guess is not in events (they go to everyone): it is kept from the
 * picture we had.
 */
export function applyGameEvent(prev: Game, event: GameEvent): Game {
  const next = event.game;
  if (next.phase === 'closed') return prev && prev.id !== next.id ? prev : null;
  const myGuess = prev && prev.id === next.id ? (prev.my_guess ?? null) : null;
  // A count event may have arrived before the event that moved the picture on.
  const guesses = prev && prev.id === next.id ? Math.max(prev.guesses, next.guesses) : next.guesses;
  return { ...next, my_guess: next.my_guess ?? myGuess, guesses };
}

/** A coalesced count: only for the picture shown, and counts only grow. */
export function applyGuessCount(game: Game, event: GameGuessesEvent): Game {
  if (!game || game.id !== event.item_id || event.guesses <= game.guesses) return game;
  return { ...game, guesses: event.guesses };
}

/** Our own guess, acknowledged by the server (with the count it saw). */
export function applyMyGuess(game: Game, itemId: number, guess: GuessValue, guesses: number): Game {
  if (!game || game.id !== itemId) return game;
  return { ...game, my_guess: guess, guesses: Math.max(game.guesses, guesses) };
}

/** Whole seconds left for guesses at `now` (server time), never below zero. */
export function secondsLeft(game: GameItem, now: number): number {
  return Math.max(0, Math.ceil((game.deadline - now) / 1000));
}

/** Guessing is possible: the picture takes guesses, time is left, and we have not guessed. */
export function canGuess(game: Game, now: number, participant: boolean): boolean {
  return (
    participant &&
    game !== null &&
    game.phase === 'guess' &&
    !game.my_guess &&
    secondsLeft(game, now) > 0
  );
}

/** A share 0..1 as a whole percentage ("62 %" is the view's business), null stays null. */
export function percent(share: number | null | undefined): number | null {
  return share === null || share === undefined ? null : Math.round(share * 100);
}
