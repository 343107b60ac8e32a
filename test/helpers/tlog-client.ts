/**
 * A transparency-log client written from the C2SP texts alone (tlog-tiles, tlog-checkpoint,
 * signed-note), as a client no one here wrote would: it fetches tiles over HTTP, recomputes any
 * subtree hash, the root of a tree size, inclusion and consistency proofs (RFC 6962 / 9162), and
 * verifies a checkpoint's note signatures with the verifier keys. It uses only @noble (SHA-256, and
 * its stock Ed25519 verify, as an outside client would).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
export const leafHashOf = (entry: Uint8Array): Uint8Array => sha256(cat(Uint8Array.of(0), entry));
const node = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(cat(Uint8Array.of(1), l, r));

/** `x001/x234/067` for 1234067, written from the spec's text. */
export function specTileIndex(n: number): string {
  const s = String(n).padStart(Math.ceil(String(n).length / 3) * 3, '0');
  const groups = s.match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export class TileClient {
  private readonly cache = new Map<string, Uint8Array>();
  constructor(
    private readonly base: string,
    /** The tree size of the checkpoint the client verified (partial tiles only for it). */
    readonly size: number,
  ) {}

  /** Tile (level, index) as the tree of `size` has it: full, or the partial width. */
  async tile(level: number, index: number): Promise<Uint8Array[]> {
    const atLevel = Math.floor(this.size / 256 ** level);
    const width = Math.min(256, atLevel - index * 256);
    if (width <= 0) throw new Error(`tile ${level}/${index} does not exist at size ${this.size}`);
    const path = `tile/${level}/${specTileIndex(index)}${width === 256 ? '' : `.p/${width}`}`;
    let bytes = this.cache.get(path);
    if (bytes === undefined) {
      const r = await fetch(`${this.base}/${path}`);
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
      bytes = new Uint8Array(await r.arrayBuffer());
      if (bytes.length !== 32 * width) throw new Error(`${path}: ${bytes.length} bytes, expected ${32 * width}`);
      this.cache.set(path, bytes);
    }
    return Array.from({ length: width }, (_, i) => bytes!.subarray(32 * i, 32 * i + 32));
  }

  /** The hash of the complete subtree at tree level k, index j (covering leaves [j 2^k, (j+1) 2^k)). */
  async subtree(k: number, j: number): Promise<Uint8Array> {
    const L = Math.floor(k / 8);
    const r = k % 8;
    // tile L holds level-8L hashes; our subtree is 2^r consecutive ones, hashed up r levels
    const first = j * 2 ** r;
    let hashes: Uint8Array[] = [];
    for (let i = first; i < first + 2 ** r; i++) hashes.push((await this.tile(L, Math.floor(i / 256)))[i % 256]!);
    while (hashes.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < hashes.length; i += 2) next.push(node(hashes[i]!, hashes[i + 1]!));
      hashes = next;
    }
    return hashes[0]!;
  }

  /** MTH(D[start : start + n]) for any n (RFC 6962 section 2.1). */
  async range(start: number, n: number): Promise<Uint8Array> {
    if (n === 0) return sha256(new Uint8Array(0));
    // a power-of-two aligned range is one complete subtree
    if ((n & (n - 1)) === 0 && start % n === 0) return this.subtree(Math.log2(n), start / n);
    let k = 1;
    while (k * 2 < n) k *= 2;
    return node(await this.range(start, k), await this.range(start + k, n - k));
  }

  /** RFC 6962 PATH(m, D[0:size]). */
  async inclusionProof(m: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    const walk = async (m: number, start: number, n: number): Promise<void> => {
      if (n <= 1) return;
      let k = 1;
      while (k * 2 < n) k *= 2;
      if (m < k) {
        await walk(m, start, k);
        out.push(await this.range(start + k, n - k));
      } else {
        await walk(m - k, start + k, n - k);
        out.push(await this.range(start, k));
      }
    };
    await walk(m, 0, this.size);
    return out;
  }

  /** RFC 6962 PROOF(m, D[0:size]). */
  async consistencyProof(m: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    const sub = async (m: number, start: number, n: number, b: boolean): Promise<void> => {
      if (m === n) {
        if (!b) out.push(await this.range(start, n));
        return;
      }
      let k = 1;
      while (k * 2 < n) k *= 2;
      if (m <= k) {
        await sub(m, start, k, b);
        out.push(await this.range(start + k, n - k));
      } else {
        await sub(m - k, start + k, n - k, false);
        out.push(await this.range(start, k));
      }
    };
    if (m > 0 && m < this.size) await sub(m, 0, this.size, true);
    return out;
  }

  /** The entries [256 N, 256 N + width) of entry bundle N (u16 length-prefixed). */
  async entries(index: number): Promise<Uint8Array[]> {
    const width = Math.min(256, this.size - index * 256);
    const path = `tile/entries/${specTileIndex(index)}${width === 256 ? '' : `.p/${width}`}`;
    const r = await fetch(`${this.base}/${path}`);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    const b = new Uint8Array(await r.arrayBuffer());
    const out: Uint8Array[] = [];
    for (let o = 0; o < b.length; ) {
      const len = (b[o]! << 8) | b[o + 1]!;
      out.push(b.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
    return out;
  }
}

export interface VerifiedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** Names of the keys whose signatures verified. */
  signedBy: string[];
}

/**
 * Parses a signed note and checks its signature lines with `verifierKeys`
 * (`<name>+<hex key id>+<base64(0x01 || key)>`), per C2SP signed-note: a line whose name and key
 * id match a known key must verify over the note text; unknown keys are ignored.
 */
export function verifyCheckpointNote(note: string, verifierKeys: string[]): VerifiedCheckpoint {
  // the text ends at the note's last blank line (signed-note)
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const keys = verifierKeys.map((k) => {
    // <name>+<hex id>+<base64>: the name has no '+', the base64 may
    const i = k.indexOf('+');
    const j = k.indexOf('+', i + 1);
    const [name, idHex, b64] = [k.slice(0, i), k.slice(i + 1, j), k.slice(j + 1)];
    const raw = Uint8Array.from(Buffer.from(b64, 'base64'));
    if (raw[0] !== 1 || raw.length !== 33) throw new Error('not an Ed25519 verifier key');
    return { name, id: idHex, publicKey: raw.subarray(1) };
  });
  const signedBy: string[] = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`bad signature line ${line}`);
    const sig = Uint8Array.from(Buffer.from(m[2]!, 'base64'));
    const key = keys.find((k) => k.name === m[1] && k.id === Buffer.from(sig.subarray(0, 4)).toString('hex'));
    if (key === undefined) continue;
    if (!ed25519.verify(sig.subarray(4), new TextEncoder().encode(text), key.publicKey)) throw new Error(`signature of ${key.name} does not verify`);
    signedBy.push(key.name);
  }
  const lines = text.slice(0, -1).split('\n');
  return { origin: lines[0]!, size: Number(lines[1]), root: Uint8Array.from(Buffer.from(lines[2]!, 'base64')), signedBy };
}

/** A verifier key `<name>+<hex key id>+<base64(0x01 || key)>`, the key id computed as signed-note says. */
export function verifierKeyFromSpec(name: string, publicKey: Uint8Array): string {
  const id = sha256(cat(new TextEncoder().encode(name), Uint8Array.of(0x0a, 0x01), publicKey)).subarray(0, 4);
  return `${name}+${Buffer.from(id).toString('hex')}+${Buffer.from(cat(Uint8Array.of(1), publicKey)).toString('base64')}`;
}
