/** The image room: formats and sniffing, the one header reader, the pixel guard, the one decoder (sharp) and resize. */
export { type ImageFormat, type ImageFormatEntry, IMAGE_FORMATS, IMAGE_EXTENSIONS, IMAGE_MIME_TYPES, DECODABLE_FORMATS, PNG_SIGNATURE, sniffFormat, hasImageExtension, decodableList } from './formats.js';
export { type ImageHeader, ImageHeaderError, readImageHeader, readPngHeader, readJpegHeader, isGrey } from './header.js';
export { type ImageAdmission, admitImage, DEFAULT_MAX_IMAGE_PIXELS } from './guard.js';
export { type RgbaImage, decodeImage, decodeForModel, mapLimited, DECODE_CONCURRENCY, IMAGE_DECODER } from './decode.js';
export { ImageError, IMAGE_FILE, type ImageErrorKind, type ImageSource } from './errors.js';
export { resizeBilinear, RESIZE_ALGORITHM } from '../../web/resize.js';
