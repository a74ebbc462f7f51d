/**
 * The one image resize icmix uses, shared with the server and the web page: it lives in
 * web/resize.js (plain JS, so the browser loads the very same file); see there for the algorithm.
 */
export { resizeBilinear, RESIZE_ALGORITHM } from '../../web/resize.js';
