/** The explorer's first answer, timed inside the page (bench/first-answer.ts and the browser test). */

/** A result card of a finished query. */
export const ANSWERED = '.results[data-status="done"] .card';

/**
 * Run in the page before its scripts: notes when the first result card of a finished query is
 * shown, as the start of the first animation frame after the card enters the DOM (the frame that
 * paints it; its layout and paint come after), and whether an error banner showed before that.
 * Timing it from the test's side instead would add the polling interval and the wait for the
 * page's busy main thread (decoding the thumbnails that the cards start loading) before an
 * evaluate runs.
 */
export const WATCH_FIRST_ANSWER = `(() => {
  const seen = () => {
    if (document.querySelector('.error-banner')) window.__errorShown = true;
    if (window.__firstAnswerMs !== undefined || !document.querySelector('${ANSWERED}')) return;
    window.__firstAnswerMs = null;
    requestAnimationFrame(() => { window.__firstAnswerMs = performance.now(); observer.disconnect(); });
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
})()`;

/** The page's expression for it: navigation start to that frame in ms, null or undefined until then. */
export const FIRST_ANSWER_MS = 'window.__firstAnswerMs';

/** The page's expression: whether an error banner showed before the first answer. */
export const ERROR_SHOWN = 'window.__errorShown === true';
