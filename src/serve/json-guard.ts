/**
 * A JSON body's nesting depth and value count, checked on its bytes before it is parsed. Parsing
 * an 8 MB array nested a million deep, or holding two million numbers for a 6x6 model, takes the
 * event loop for about a second (8 at once pushed /healthz to 4.9 s); a pass over the bytes that
 * only counts brackets and commas takes a few milliseconds and refuses them first.
 */
import { BadInput } from './errors.js';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays: { "inputs": [N][H][W][C] } is 5. */
  maxDepth: number;
  /** Most commas, i.e. about the most values: a few times what maxItems images of the model's size hold. */
  maxValues: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = [0x5b, 0x7b]; // [ {
const CLOSE = [0x5d, 0x7d]; // ] }
const COMMA = 0x2c;

/** Throws BadInput (400 json_too_deep, 413 too_many_values) when `body` exceeds `limits`. */
export function checkJsonBody(body: Uint8Array, limits: JsonLimits): void {
  let depth = 0;
  let commas = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === QUOTE) {
      // Skip the string: brackets and commas inside it are text.
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (b === OPEN[0] || b === OPEN[1]) {
      if (++depth > limits.maxDepth) {
        throw new BadInput(400, 'json_too_deep', `the JSON body nests deeper than ${limits.maxDepth} levels (at byte ${i}); pixel arrays are at most { "inputs": [N][H][W][C] }`);
      }
    } else if (b === CLOSE[0] || b === CLOSE[1]) depth--;
    else if (b === COMMA && ++commas > limits.maxValues) {
      throw new BadInput(413, 'too_many_values', `the JSON body holds more than ${limits.maxValues} values, several times the largest request this server takes (--max-items images of the model's size); split it into smaller requests`);
    }
  }
}
