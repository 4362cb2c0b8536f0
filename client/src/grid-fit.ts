// Pure layout for the projector's gallery: the largest tiles that fit n entries into a box,
// since a projector cannot scroll. Past a minimum tile size, fewer entries show ("+N more").

export interface GridBox {
  width: number;
  height: number;
  /** width / height of an entry's picture */
  aspect: number;
  gap: number;
  /** height of the text under each picture */
  caption: number;
  /** smallest tile width worth showing */
  minTile: number;
  /** largest tile width (a lone entry should not fill a wall) */
  maxTile: number;
}

export interface GridFit {
  columns: number;
  tile: number;
  shown: number;
}

/** The tile width for `n` entries in `columns` columns, limited by width and height. */
function tileFor(n: number, columns: number, box: GridBox): number {
  const rows = Math.ceil(n / columns);
  const byWidth = (box.width - box.gap * (columns - 1)) / columns;
  const rowHeight = (box.height - box.gap * (rows - 1)) / rows;
  const byHeight = (rowHeight - box.caption) * box.aspect;
  return Math.min(byWidth, byHeight, box.maxTile);
}

function best(n: number, box: GridBox): { columns: number; tile: number } {
  let pick = { columns: 1, tile: tileFor(n, 1, box) };
  for (let columns = 2; columns <= n; columns++) {
    const tile = tileFor(n, columns, box);
    if (tile > pick.tile) pick = { columns, tile };
  }
  return pick;
}

export function fitGrid(n: number, box: GridBox): GridFit {
  if (n <= 0 || box.width <= 0 || box.height <= 0) {
    return { columns: 1, tile: Math.max(0, Math.min(box.width, box.maxTile)), shown: 0 };
  }
  const all = best(n, box);
  if (all.tile >= box.minTile) return { ...all, tile: Math.floor(all.tile), shown: n };
  // Too many: as many as fit at the minimum size, one place kept for the "+N more" note.
  let shown = n - 1;
  while (shown > 1 && best(shown + 1, box).tile < box.minTile) shown--;
  const fit = best(shown + 1, box);
  return { columns: fit.columns, tile: Math.floor(Math.max(fit.tile, 0)), shown };
}
