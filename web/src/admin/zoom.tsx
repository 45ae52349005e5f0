// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram pane's zoom: Mermaid's SVG is sized through its width/height (its viewBox scales the
// drawing, so it stays sharp), and the pane scrolls, so scroll bars, touch and drag all pan.
// Until the user zooms, every new drawing is fitted to the pane; after that, their zoom stays
// while they type, until they choose Fit again.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useT } from '../i18n';

const MAX_SCALE = 4;
const STEP = 1.25;
/** Room left around a fitted drawing (px), so its edges do not touch the pane's border. */
const FIT_MARGIN = 16;

type Point = { x: number; y: number };

export function ZoomableDiagram({ svg, children }: { svg: string; children?: ComponentChildren }) {
  const t = useT();
  const pane = useRef<HTMLDivElement>(null);
  /** The scale the user chose; null while the drawing follows the pane (Fit). */
  const chosen = useRef<number | null>(null);
  const drag = useRef<{ id: number; x: number; y: number; left: number; top: number } | null>(null);
  const [scale, setScale] = useState(1);
  const [fitScale, setFitScale] = useState(1);
  const [pannable, setPannable] = useState(false);
  // Listeners added once (wheel, resize) read the scale from here, not from a stale render.
  const currentScale = useRef(scale);
  currentScale.current = scale;

  /** Sizes the drawing at `wanted` (null: fit), keeping the point of it under `anchor` in place. */
  const apply = (wanted: number | null, anchor?: Point) => {
    const box = pane.current;
    const el = box?.querySelector<SVGSVGElement>('.diagram-svg svg');
    const view = el?.viewBox?.baseVal;
    if (!box || !el || !view || !view.width || !view.height) return;
    // First the size it had: a redraw must not shrink the scrolled area (the browser would clamp
    // the scroll position) before the layout below is read.
    size(el, view, currentScale.current);
    const fit = Math.min(1, (box.clientWidth - FIT_MARGIN) / view.width, (box.clientHeight - FIT_MARGIN) / view.height);
    let next = wanted === null ? fit : Math.min(MAX_SCALE, Math.max(fit, wanted));
    // Zooming out as far as the fit is the same as choosing Fit: new drawings fit again.
    if (wanted !== null && next <= fit * 1.001) next = fit;
    chosen.current = wanted === null || next === fit ? null : next;
    const before = el.getBoundingClientRect();
    const at = anchor ?? centre(box);
    const fx = (at.x - before.left) / before.width;
    const fy = (at.y - before.top) / before.height;
    size(el, view, next);
    if (wanted !== null) {
      const after = el.getBoundingClientRect();
      box.scrollLeft += after.left + fx * after.width - at.x;
      box.scrollTop += after.top + fy * after.height - at.y;
    }
    setScale(next);
    setFitScale(fit);
    setPannable(box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight);
  };
  const zoomBy = (factor: number, anchor?: Point) => apply(scale * factor, anchor);

  // A new drawing keeps the user's zoom (and the scroll position), or is fitted.
  useLayoutEffect(() => apply(chosen.current), [svg]);

  // Fit follows the pane's size (window resized, split changed).
  useEffect(() => {
    const box = pane.current;
    if (!box || typeof ResizeObserver === 'undefined') return;
    const watcher = new ResizeObserver(() => apply(chosen.current));
    watcher.observe(box);
    return () => watcher.disconnect();
  }, []);

  // Ctrl/⌘ + wheel (and a trackpad's pinch, which arrives as one) zooms around the pointer. Added
  // by hand because the page must not zoom instead, which needs a listener that is not passive.
  useEffect(() => {
    const box = pane.current;
    if (!box) return;
    const onWheel = (e: WheelEvent) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      const lines = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? 40 : 1;
      apply(currentScale.current * Math.exp(-e.deltaY * lines * 0.002), { x: e.clientX, y: e.clientY });
    };
    box.addEventListener('wheel', onWheel, { passive: false });
    return () => box.removeEventListener('wheel', onWheel);
  }, []);

  const onPointerDown = (e: PointerEvent) => {
    const box = pane.current;
    if (!box || e.button !== 0 || e.pointerType !== 'mouse' || !pannable) return;
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY, left: box.scrollLeft, top: box.scrollTop };
    box.setPointerCapture(e.pointerId);
    box.classList.add('dragging');
  };
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    const box = pane.current;
    if (!d || !box || d.id !== e.pointerId) return;
    box.scrollLeft = d.left - (e.clientX - d.x);
    box.scrollTop = d.top - (e.clientY - d.y);
  };
  const onPointerUp = (e: PointerEvent) => {
    if (drag.current?.id !== e.pointerId) return;
    drag.current = null;
    pane.current?.classList.remove('dragging');
  };

  // The focused pane: + and − zoom, 0 fits (arrow keys scroll it natively).
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '+' || e.key === '=') zoomBy(STEP);
    else if (e.key === '-') zoomBy(1 / STEP);
    else if (e.key === '0') apply(null);
    else return;
    e.preventDefault();
  };

  const percent = Math.round(scale * 100);
  const none = !svg;
  return (
    <>
      <div class="zoom-bar" role="group" aria-label={t('editor.zoomControls')} data-testid="diagram-zoom">
        <button type="button" class="btn small" disabled={none} title={t('editor.zoomFitTitle')} onClick={() => apply(null)} data-testid="diagram-zoom-fit">
          {t('editor.zoomFit')}
        </button>
        <button type="button" class="btn small" disabled={none || scale <= fitScale} aria-label={t('editor.zoomOut')} title={t('editor.zoomOut')} onClick={() => zoomBy(1 / STEP)} data-testid="diagram-zoom-out">
          −
        </button>
        <span class="zoom-level" data-testid="diagram-zoom-level" data-zoom={svg ? percent : undefined} data-fit={String(chosen.current === null)}>
          {svg ? `${percent}%` : ''}
        </span>
        <button type="button" class="btn small" disabled={none || scale >= MAX_SCALE} aria-label={t('editor.zoomIn')} title={t('editor.zoomIn')} onClick={() => zoomBy(STEP)} data-testid="diagram-zoom-in">
          +
        </button>
        <button type="button" class="btn small" disabled={none} aria-label={t('editor.zoomActual')} title={t('editor.zoomActual')} onClick={() => apply(1)} data-testid="diagram-zoom-actual">
          100%
        </button>
      </div>
      <div
        class={`diagram${pannable ? ' pannable' : ''}`}
        ref={pane}
        tabIndex={0}
        role="region"
        aria-label={t('editor.diagram')}
        title={svg ? t('editor.zoomHint') : undefined}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        data-testid="diagram"
      >
        {children}
        {/* Mermaid's output is sanitised by Mermaid (securityLevel strict). */}
        {svg && <div class="diagram-svg" dangerouslySetInnerHTML={{ __html: svg }} />}
      </div>
    </>
  );
}

function size(el: SVGSVGElement, view: DOMRect, scale: number) {
  el.setAttribute('width', String(view.width * scale));
  el.setAttribute('height', String(view.height * scale));
  el.style.maxWidth = 'none';
}

function centre(box: HTMLElement): Point {
  const r = box.getBoundingClientRect();
  return { x: r.left + box.clientWidth / 2, y: r.top + box.clientHeight / 2 };
}
