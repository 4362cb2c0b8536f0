// Entry point: the server renders one HTML shell per page and tells us which page it is
// through <body data-page data-room>.
import './style.css';
import { SLUG_PATTERN, el } from './dom';
import { mountAnalytics } from './views/analytics';
import { mountHost } from './views/host';
import { initLanguage } from './views/lang-switch';
import { mountLanding } from './views/landing';
import { mountLineage } from './views/lineage';
import { mountProjector } from './views/projector';
import { mountRoom } from './views/room';

function main(): void {
  initLanguage();
  const root =
    document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
  const { page, room: rawRoom } = document.body.dataset;
  const room = rawRoom && SLUG_PATTERN.test(rawRoom) ? rawRoom : 'main';
  switch (page) {
    case 'room':
      void mountRoom(root, room);
      break;
    case 'host':
      void mountHost(root, room);
      break;
    case 'projector':
      mountProjector(root, room);
      break;
    case 'lineage':
      void mountLineage(root, room);
      break;
    case 'analytics':
      void mountAnalytics(root, room);
      break;
    default:
      mountLanding(root, room);
  }
}

main();
