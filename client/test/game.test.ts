import { describe, expect, it } from 'vitest';
import { applyGameEvent, applyGuessCount, applyMyGuess, canGuess, gameFromSnapshot, percent, secondsLeft } from '../src/game';
import type { GameItem, GameReveal } from '../src/generated/protocol';
import { applyEvent, applySnapshot, replayBuffered } from '../src/state';
import { snapshot } from './fixtures';

const T0 = 1_700_000_000_000;

function item(overrides: Partial<GameItem> = {}): GameItem {
  return {
    id: 4,
    number: 2,
    phase: 'guess',
    picture_url: '/media/rooms/1/game/x.webp',
    width: 640,
    height: 480,
    started_at: T0,
    deadline: T0 + 20_000,
    guesses: 0,
    reveal: null,
    ...overrides,
  };
}

const reveal: GameReveal = {
  truth: 'human',
  human_guesses: 3,
  ai_guesses: 1,
  right: 3,
  share_right: 0.75,
  source: { kind: 'artwork', id: 1, title: 'Haystacks', artist: 'Claude Monet', source_url: null },
  detector: { status: 'not_configured' },
};

describe('game rules', () => {
  it('takes the picture from the snapshot unless it is closed', () => {
    expect(gameFromSnapshot(item())?.id).toBe(4);
    expect(gameFromSnapshot(item({ phase: 'closed' }))).toBeNull();
    expect(gameFromSnapshot(undefined)).toBeNull();
  });

  it('keeps our own guess through the reveal, and forgets it for a new picture', () => {
    const mine = applyMyGuess(item(), 4, 'ai', 3);
    expect(mine?.my_guess).toBe('ai');
    expect(mine?.guesses).toBe(3);
    const revealed = applyGameEvent(mine, { room: 'main', version: 12, game: item({ phase: 'reveal', guesses: 4, reveal }) });
    expect(revealed?.my_guess).toBe('ai');
    expect(revealed?.reveal?.truth).toBe('human');
    const next = applyGameEvent(revealed, { room: 'main', version: 13, game: item({ id: 5, number: 3 }) });
    expect(next?.my_guess).toBeNull();
    expect(applyGameEvent(next, { room: 'main', version: 14, game: item({ id: 5, phase: 'closed' }) })).toBeNull();
    // A close of another picture leaves the one shown.
    expect(applyGameEvent(next, { room: 'main', version: 14, game: item({ id: 4, phase: 'closed' }) })?.id).toBe(5);
  });

  it('counts only grow, and only for the picture shown', () => {
    const game = item({ guesses: 5 });
    expect(applyGuessCount(game, { room: 'main', version: 1, item_id: 4, guesses: 3 })?.guesses).toBe(5);
    expect(applyGuessCount(game, { room: 'main', version: 1, item_id: 9, guesses: 30 })?.guesses).toBe(5);
    expect(applyGuessCount(game, { room: 'main', version: 1, item_id: 4, guesses: 7 })?.guesses).toBe(7);
    expect(applyMyGuess(game, 9, 'ai', 1)).toBe(game);
  });

  it('counts down and closes the guess at the deadline', () => {
    const game = item();
    expect(secondsLeft(game, T0)).toBe(20);
    expect(secondsLeft(game, T0 + 19_001)).toBe(1);
    expect(secondsLeft(game, T0 + 25_000)).toBe(0);
    expect(canGuess(game, T0 + 1000, true)).toBe(true);
    expect(canGuess(game, T0 + 1000, false)).toBe(false);
    expect(canGuess(game, T0 + 20_000, true)).toBe(false);
    expect(canGuess({ ...game, my_guess: 'human' }, T0, true)).toBe(false);
    expect(canGuess({ ...game, phase: 'reveal', reveal }, T0, true)).toBe(false);
    expect(percent(0.755)).toBe(76);
    expect(percent(null)).toBeNull();
  });
});

describe('game events in the room state', () => {
  const start = () => applySnapshot(snapshot({ version: 10, game: null }));

  it('applies game:updated in version order and resyncs on a gap', () => {
    const state = start();
    const started = applyEvent(state, 'game:updated', { room: 'main', version: 11, game: item() });
    expect(started.needResync).toBe(false);
    expect(started.state.game?.id).toBe(4);
    expect(started.state.version).toBe(11);
    const stale = applyEvent(started.state, 'game:updated', { room: 'main', version: 11, game: item({ id: 99 }) });
    expect(stale.state.game?.id).toBe(4);
    const gap = applyEvent(started.state, 'game:updated', { room: 'main', version: 13, game: item({ phase: 'reveal', reveal }) });
    expect(gap.needResync).toBe(true);
    expect(gap.state.game?.phase).toBe('guess');
    const other = applyEvent(state, 'game:updated', { room: 'elsewhere', version: 11, game: item() });
    expect(other.state.game).toBeNull();
  });

  it('applies game:guesses without advancing the version', () => {
    const { state } = applyEvent(start(), 'game:updated', { room: 'main', version: 11, game: item() });
    const counted = applyEvent(state, 'game:guesses', { room: 'main', version: 11, item_id: 4, guesses: 6 });
    expect(counted.state.game?.guesses).toBe(6);
    expect(counted.state.version).toBe(11);
    expect(applyEvent(state, 'game:guesses', { room: 'main', version: 12, item_id: 4, guesses: 6 }).needResync).toBe(true);
  });

  it('replays a buffered start and reveal after a snapshot', () => {
    const { state } = replayBuffered(start(), [
      { event: 'game:updated', payload: { room: 'main', version: 10, game: item({ id: 1 }) } },
      { event: 'game:updated', payload: { room: 'main', version: 11, game: item() } },
      { event: 'game:updated', payload: { room: 'main', version: 12, game: item({ phase: 'reveal', reveal }) } },
    ]);
    expect(state.game?.phase).toBe('reveal');
    expect(state.version).toBe(12);
  });
});
