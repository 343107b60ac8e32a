/**
 * @module ledger/checkpoint
 * C2SP tlog-checkpoint texts in C2SP signed notes (DESIGN.md section 11), so that clients no one
 * here wrote can check the log: origin `ledger/<channel>/<first 16 hex digits of the genesis
 * hash>`, the log size in decimal, the base64 root, each on its own line; node note keys named
 * `<origin>/node-<index>`, key id = SHA-256(name || 0x0A || 0x01 || public key)[:4] (signed-note,
 * Ed25519). Pure: the verifier and browser use it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, toHex, utf8 } from './bytes.js';

const ED25519_SIGNATURE_TYPE = 0x01;
const EM_DASH = '\u2014';

export function checkpointOrigin(channel: string, genesisHash: Uint8Array): string {
  return `ledger/${channel}/${toHex(genesisHash).slice(0, 16)}`;
}

/** Standard base64 (RFC 4648 section 4), for note lines; browser-safe. */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}

/** Decodes standard base64; undefined when it is not. */
export function fromBase64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  try {
    const bin = atob(s);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The checkpoint body (the signed note's text), ending in a newline (C2SP tlog-checkpoint). */
export function checkpointText(origin: string, size: bigint | number, root: Uint8Array): string {
  return `${origin}\n${BigInt(size).toString()}\n${base64(root)}\n`;
}

export interface ParsedCheckpoint {
  origin: string;
  size: bigint;
  root: Uint8Array;
}

/** Parses a checkpoint body; undefined when it is not one (extension lines are allowed and ignored). */
export function parseCheckpointText(text: string): ParsedCheckpoint | undefined {
  if (!text.endsWith('\n')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return undefined;
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '' || !/^(0|[1-9]\d*)$/.test(sizeText)) return undefined;
  const root = fromBase64(rootText);
  if (root === undefined || root.length !== 32) return undefined;
  return { origin, size: BigInt(sizeText), root };
}

export function noteKeyName(origin: string, nodeIndex: number): string {
  return `${origin}/node-${nodeIndex}`;
}

/** key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4] (C2SP signed-note). */
export function noteKeyId(keyName: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(keyName), Uint8Array.of(0x0a, ED25519_SIGNATURE_TYPE), publicKey)).subarray(0, 4);
}

export interface NoteSignature {
  keyName: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

/** A signed note: text, a blank line, one line per signature: em dash, space, name, space, base64(key id || signature). */
export function formatSignedNote(text: string, signatures: NoteSignature[]): string {
  const lines = signatures.map((s) => `${EM_DASH} ${s.keyName} ${base64(concatBytes(s.keyId, s.signature))}\n`);
  return `${text}\n${lines.join('')}`;
}

/**
 * Splits a signed note into its text and signature lines; undefined when malformed (no blank
 * line, control characters, bad lines). Signatures are not verified here.
 */
export function parseSignedNote(note: string): { text: string; signatures: NoteSignature[] } | undefined {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note) || !note.endsWith('\n')) return undefined;
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return undefined;
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split('\n');
  const signatures: NoteSignature[] = [];
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1]!.includes('+')) return undefined;
    const raw = fromBase64(m[2]!);
    if (raw === undefined || raw.length < 5) return undefined;
    signatures.push({ keyName: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4) });
  }
  if (signatures.length === 0) return undefined;
  return { text, signatures };
}
