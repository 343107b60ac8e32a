/**
 * @module reader/bundle-input
 * Turns what a clerk gives the page into bundle bytes: pasted text (the JSON view, hex or
 * Base64), an uploaded file (binary bundle, JSON view) or a photo/scan of the QR code (decoded in
 * the browser with jsQR, whose `binaryData` is the QR's byte-mode payload: the binary bundle).
 * Every failure is an Error with a message saying what was wrong; nothing is sent anywhere.
 */
import jsqrImport from 'jsqr';

// jsqr is a CommonJS function whose types declare a `default` export: take the function either way
type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' }) => { binaryData: number[] } | null;
const jsQR = (typeof jsqrImport === 'function' ? jsqrImport : (jsqrImport as unknown as { default: JsQr }).default) as JsQr;
import { bundleFromJson } from '../verifier/bundle-json.js';

/**
 * A binary bundle file is at most this large before the verifier sees it (the verifier applies
 * its own, smaller limit and says so); pasted text and JSON files at most 8 times that.
 */
export const MAX_BUNDLE_FILE_BYTES = 256 * 1024;
export const MAX_TEXT_CHARS = 8 * MAX_BUNDLE_FILE_BYTES;
/** Uploaded images: large phone photos are fine, but not unbounded. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/**
 * Why a pasted text or a file is not a bundle: a stable code the page turns into a verdict
 * (无效) with a reason in the page's language (reader/i18n.ts REASON_ZH), and an English detail.
 */
export type BundleInputCode = 'INPUT_EMPTY' | 'INPUT_TOO_LARGE' | 'INPUT_JSON_SYNTAX' | 'INPUT_JSON_NOT_BUNDLE' | 'INPUT_NOT_ENCODED';

export class BundleInputError extends Error {
  constructor(
    readonly code: BundleInputCode,
    message: string,
  ) {
    super(message);
  }
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw new BundleInputError('INPUT_NOT_ENCODED', 'not JSON, hex or Base64');
  const bin = atob(clean);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Bundle bytes from pasted text: `{...}` is the JSON view, else hex, else Base64. */
export function bundleFromText(text: string): Uint8Array {
  const s = text.trim();
  if (s === '') throw new BundleInputError('INPUT_EMPTY', 'empty');
  if (s.length > MAX_TEXT_CHARS) throw new BundleInputError('INPUT_TOO_LARGE', `longer than ${MAX_TEXT_CHARS} characters`);
  if (s.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(s);
    } catch (e) {
      throw new BundleInputError('INPUT_JSON_SYNTAX', `not valid JSON (${(e as Error).message})`);
    }
    try {
      return bundleFromJson(json);
    } catch (e) {
      throw new BundleInputError('INPUT_JSON_NOT_BUNDLE', (e as Error).message);
    }
  }
  const compact = s.replace(/\s+/g, '');
  if (/^([0-9a-fA-F]{2})+$/.test(compact)) return hexToBytes(compact);
  return base64ToBytes(s);
}

/** The byte payload of the first QR code in an image, or undefined. */
export function decodeQr(pixels: Uint8ClampedArray, width: number, height: number): Uint8Array | undefined {
  const code = jsQR(pixels, width, height, { inversionAttempts: 'attemptBoth' });
  if (!code) return undefined;
  return Uint8Array.from(code.binaryData);
}

async function imagePixels(file: Blob): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const bitmap = await createImageBitmap(file);
  // large photos are scaled down: jsQR needs a few pixels per module, not megapixels
  const scale = Math.min(1, 2000 / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, width, height);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height };
}

export interface LoadedBundle {
  bytes: Uint8Array;
  from: 'text' | 'json-file' | 'binary-file' | 'qr' | 'camera';
}

/** How long the camera looks for a QR code before giving up. */
export const CAMERA_SCAN_MS = 60_000;
/** Frames looked at per second while scanning. */
const SCAN_FPS = 5;

/**
 * Scans the camera (the back one on a phone) into `video` until a QR code is seen, `signal`
 * aborts, or CAMERA_SCAN_MS pass; the camera is released in every case.
 * @throws Error 'CAMERA_TIMEOUT', 'CAMERA_STOPPED', or the browser's reason (no camera, refused)
 */
export async function scanCamera(video: HTMLVideoElement, signal: AbortSignal): Promise<Uint8Array> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  try {
    video.srcObject = stream;
    video.muted = true;
    video.playsInline = true;
    await video.play();
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas');
    const deadline = Date.now() + CAMERA_SCAN_MS;
    for (;;) {
      if (signal.aborted) throw new Error('CAMERA_STOPPED');
      if (Date.now() > deadline) throw new Error('CAMERA_TIMEOUT');
      if (video.videoWidth > 0) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        ctx.drawImage(video, 0, 0);
        const bytes = decodeQr(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
        if (bytes) return bytes;
      }
      await new Promise((r) => setTimeout(r, 1000 / SCAN_FPS));
    }
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}

/** Bundle bytes from an uploaded file: an image is scanned for a QR code; JSON is the JSON view; anything else is the binary bundle. */
export async function bundleFromFile(file: File): Promise<LoadedBundle> {
  if (file.type.startsWith('image/') || /\.(png|jpe?g|gif|bmp|webp)$/i.test(file.name)) {
    if (file.size > MAX_IMAGE_BYTES) throw new Error(`image larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MiB`);
    const { data, width, height } = await imagePixels(file);
    const bytes = decodeQr(data, width, height);
    if (!bytes) throw new Error('QR_NOT_FOUND');
    return { bytes, from: 'qr' };
  }
  if (file.size > MAX_TEXT_CHARS) throw new BundleInputError('INPUT_TOO_LARGE', `file larger than ${MAX_TEXT_CHARS} bytes`);
  if (file.size === 0) throw new BundleInputError('INPUT_EMPTY', `${file.name} is empty`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const looksJson = /\.json$/i.test(file.name) || (bytes.length > 0 && bytes[0] === 0x7b /* { */);
  if (looksJson) return { bytes: bundleFromText(new TextDecoder().decode(bytes)), from: 'json-file' };
  if (bytes.length > MAX_BUNDLE_FILE_BYTES) throw new BundleInputError('INPUT_TOO_LARGE', `file larger than ${MAX_BUNDLE_FILE_BYTES} bytes`);
  return { bytes, from: 'binary-file' };
}

/** SHA-256 of a file the reader holds (the certificate's document), with WebCrypto. */
export async function fileSha256(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
}

export function parseHex(hex: string): Uint8Array | undefined {
  const s = hex.trim();
  return /^([0-9a-fA-F]{2})*$/.test(s) ? hexToBytes(s) : undefined;
}
