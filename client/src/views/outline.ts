// A layer that draws an edit's mask outline over an image of the same aspect ratio (the
// layer is stretched over it by CSS). The outline is computed once per mask in a canvas;
// when the mask cannot be read (a cross-origin store without CORS), the mask itself is
// laid over the image, lightening the edited area instead.
import { el } from '../dom';
import { maskInside, outlineRings, paintRings, workingSize } from '../mask-outline';

const cache = new Map<string, Promise<HTMLCanvasElement | null>>();

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    // Same-origin media needs nothing; S3 media needs CORS, or the canvas stays unreadable.
    if (new URL(url, window.location.href).origin !== window.location.origin) {
      img.crossOrigin = 'anonymous';
    }
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('mask did not load'));
    img.src = url;
  });
}

async function compute(url: string): Promise<HTMLCanvasElement | null> {
  try {
    const img = await loadImage(url);
    const [w, h] = workingSize(img.naturalWidth, img.naturalHeight);
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return null;
    ctx.drawImage(img, 0, 0, w, h);
    const pixels = ctx.getImageData(0, 0, w, h); // throws on a tainted canvas
    const rings = outlineRings(maskInside(pixels.data, w, h), w, h);
    const out = ctx.createImageData(w, h);
    paintRings(rings, out.data);
    ctx.putImageData(out, 0, 0);
    return canvas;
  } catch {
    return null;
  }
}

export function outlineOf(url: string): Promise<HTMLCanvasElement | null> {
  let pending = cache.get(url);
  if (!pending) {
    pending = compute(url);
    cache.set(url, pending);
  }
  return pending;
}

/** The layer for one image; put it inside a positioned box holding the image. */
export function outlineLayer(maskUrl: string): HTMLElement {
  const canvas = el('canvas', { class: 'outline-layer', 'aria-hidden': 'true' });
  void outlineOf(maskUrl).then((source) => {
    if (!source) {
      canvas.replaceWith(
        el('img', {
          class: 'outline-layer mask-blend',
          src: maskUrl,
          alt: '',
          'aria-hidden': 'true',
        }),
      );
      return;
    }
    canvas.width = source.width;
    canvas.height = source.height;
    canvas.getContext('2d')?.drawImage(source, 0, 0);
    canvas.dataset['ready'] = 'true';
  });
  return canvas;
}
