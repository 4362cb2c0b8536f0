// Lineage page: the room's chain of seeds. Each round: its seed, the winning edit (prompt,
// author, votes, mask) with a before/after slider, and the runners-up.
import './lineage.css';
import { ApiError, api } from '../api';
import { el, roomPath } from '../dom';
import { getLanguage, t } from '../i18n';
import { type EditView, type StepView, type Votes, shapeLineage } from '../lineage-data';
import { compareSlider } from './compare-slider';
import { phaseName } from './format';
import { langSwitch } from './lang-switch';

function votesLine(votes: Votes | null): HTMLElement {
  if (!votes) return el('p', { class: 'lin-votes muted' }, t('lineage.sealed'));
  const score = votes.score > 0 ? `+${votes.score}` : String(votes.score);
  const vars = { up: votes.up, down: votes.down, score };
  return el(
    'p',
    { class: 'lin-votes' },
    el('span', { 'aria-hidden': 'true' }, t('lineage.votes', vars)),
    el('span', { class: 'sr-only' }, t('lineage.votesSr', vars)),
  );
}

function byLine(edit: EditView): HTMLElement | null {
  return edit.nickname
    ? el('p', { class: 'lin-by' }, t('lineage.by', { name: edit.nickname }))
    : null;
}

function winnerBlock(step: StepView, winner: EditView): HTMLElement {
  return el(
    'section',
    { class: 'lin-winner', 'data-testid': 'lineage-winner', 'data-image-id': winner.id },
    el('h3', {}, t('lineage.winner')),
    el('p', { class: 'lin-prompt' }, `“${winner.prompt}”`),
    byLine(winner),
    votesLine(winner.votes),
    winner.maskUrl
      ? el(
          'figure',
          { class: 'lin-mask' },
          el('img', { src: winner.maskUrl, alt: t('lineage.maskAlt'), loading: 'lazy' }),
          el('figcaption', {}, t('lineage.mask')),
        )
      : null,
    el(
      'a',
      { href: winner.url, class: 'lin-open', target: '_blank', rel: 'noopener' },
      t('gallery.openFull', { prompt: winner.prompt }),
    ),
  );
}

function runnersUp(step: StepView): HTMLElement | null {
  if (step.runnersUp.length === 0) return null;
  return el(
    'section',
    { class: 'lin-runners' },
    el('h3', {}, t('lineage.runnersUp')),
    el(
      'ul',
      { class: 'lin-runner-list' },
      ...step.runnersUp.map((edit) =>
        el(
          'li',
          { class: 'lin-runner', 'data-testid': 'lineage-runner-up', 'data-image-id': edit.id },
          el('img', {
            src: edit.thumbUrl,
            alt: t('lineage.runnerAlt', { prompt: edit.prompt }),
            loading: 'lazy',
          }),
          el('p', { class: 'lin-runner-prompt' }, edit.prompt),
          byLine(edit),
          votesLine(edit.votes),
        ),
      ),
    ),
  );
}

function outcomeNote(step: StepView): HTMLElement | null {
  if (step.outcome === 'winner') return null;
  const key = step.outcome === 'no-winner' ? 'lineage.noWinner' : 'lineage.undecided';
  return el('p', { class: 'lin-note' }, t(key));
}

export function stepElement(step: StepView): HTMLElement {
  const winner = step.winner;
  const seedAlt = t('lineage.seedAlt', { n: step.round });
  const visual = winner
    ? compareSlider({
        round: step.round,
        before: { url: step.seed.url, alt: seedAlt },
        after: {
          url: winner.url,
          alt: t('lineage.winnerAlt', { n: step.round, prompt: winner.prompt }),
        },
        width: step.seed.width,
        height: step.seed.height,
        maskUrl: winner.maskUrl,
      })
    : el(
        'figure',
        { class: 'lin-seed-big' },
        el('img', { src: step.seed.url, alt: seedAlt, loading: 'lazy' }),
      );
  const titleId = `lin-round-${step.round}`;
  return el(
    'li',
    {
      class: 'lin-step',
      'data-testid': 'lineage-step',
      'data-round': step.round,
      'data-outcome': step.outcome,
      'aria-labelledby': titleId,
    },
    el(
      'div',
      { class: 'lin-step-head' },
      el('h2', { id: titleId }, t('lineage.round', { n: step.round })),
      step.phase !== 'closed'
        ? el(
            'span',
            { class: 'phase-badge', 'data-phase': step.phase },
            t('lineage.inProgress', { phase: phaseName(step.phase) }),
          )
        : null,
    ),
    el(
      'div',
      { class: 'lin-step-body' },
      el('div', { class: 'lin-visual' }, visual),
      el(
        'div',
        { class: 'lin-info' },
        el(
          'figure',
          { class: 'lin-seed' },
          el('img', { src: step.seed.thumb_url, alt: seedAlt, loading: 'lazy' }),
          el('figcaption', {}, t('lineage.seed')),
        ),
        winner ? winnerBlock(step, winner) : null,
        outcomeNote(step),
        runnersUp(step),
      ),
    ),
  );
}

export async function mountLineage(root: HTMLElement, slug: string): Promise<void> {
  const title = el('h1', {}, t('lineage.title'));
  const list = el('ol', { class: 'lin-list' });
  const status = el('p', { class: 'muted', role: 'status' });
  root.replaceChildren(
    el(
      'header',
      { class: 'room-header lin-header' },
      title,
      el(
        'div',
        { class: 'header-tools' },
        el('a', { href: roomPath(slug), 'data-testid': 'lineage-back' }, t('lineage.back')),
        langSwitch(getLanguage()),
      ),
    ),
    el('main', { class: 'lineage' }, el('p', { class: 'lead' }, t('lineage.intro')), status, list),
  );
  try {
    const [{ steps }, room] = await Promise.all([
      api.lineage(slug),
      api.getRoom(slug).then(
        (snapshot) => snapshot.room,
        () => null,
      ),
    ]);
    if (room) {
      title.textContent = t('lineage.titleRoom', { name: room.name });
      document.title = t('app.pageTitle', { name: t('lineage.titleRoom', { name: room.name }) });
    }
    const views = shapeLineage(steps);
    status.textContent = views.length === 0 ? t('lineage.empty') : '';
    status.hidden = views.length > 0;
    list.replaceChildren(...views.map(stepElement));
  } catch (err) {
    status.classList.add('error-text');
    status.textContent = err instanceof ApiError ? err.message : t('lineage.loadFailed');
  }
}
