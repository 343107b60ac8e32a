/**
 * @module ledger/attributes
 * Certificate attributes as a salted RFC 9162 tree (DESIGN.md section 5): one leaf per attribute,
 * leaf data = "ledger:attr:v1" || u16 len name || name || u32 len value || value || salt32, names
 * unique, leaves in increasing order of the names' UTF-8 bytes; the attributes root is the RFC
 * 9162 root over those leaves. A holder discloses one attribute by revealing its value, salt, leaf
 * index and the leaf count, with an inclusion proof. Pure.
 */
import { compareBytes, concatBytes, lp16, lp32, utf8 } from './bytes.js';
import { LedgerError } from '../errors/ledger-error.js';
import { tagBytes, TAG } from './hash.js';
import { leafHash, rootHash } from './merkle.js';
import { SALT_LENGTH } from './commitment.js';

export interface Attribute {
  name: string;
  value: string;
  salt: Uint8Array;
}

/** The leaf data of one attribute. */
export function attributeLeafData(a: Attribute): Uint8Array {
  if (!(a.salt instanceof Uint8Array) || a.salt.length !== SALT_LENGTH) {
    throw new LedgerError('BAD_ARGUMENT', `attribute "${a.name}": its salt is ${SALT_LENGTH} bytes`, { attribute: a.name });
  }
  const name = utf8(a.name);
  if (name.length === 0 || name.length > 0xffff) throw new LedgerError('BAD_ARGUMENT', 'an attribute name is 1 to 65535 bytes', { attribute: a.name });
  return concatBytes(tagBytes(TAG.attr), lp16(name), lp32(utf8(a.value)), a.salt);
}

/**
 * Sorts attributes into leaf order (by the names' UTF-8 bytes) and refuses duplicate names.
 * @throws LedgerError BAD_ARGUMENT naming a duplicate
 */
export function orderAttributes(attributes: Attribute[]): Attribute[] {
  const sorted = [...attributes].sort((x, y) => compareBytes(utf8(x.name), utf8(y.name)));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) {
      throw new LedgerError('BAD_ARGUMENT', `attribute "${sorted[i]!.name}" appears twice; names must be unique`, { attribute: sorted[i]!.name });
    }
  }
  return sorted;
}

/** Whether names are strictly increasing in UTF-8 byte order (unique and in leaf order). */
export function namesInLeafOrder(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (compareBytes(utf8(names[i - 1]!), utf8(names[i]!)) >= 0) return false;
  return true;
}

/** The attributes root over attributes already in leaf order (see orderAttributes). */
export function attributesRoot(ordered: Attribute[]): Uint8Array {
  if (!namesInLeafOrder(ordered.map((a) => a.name))) {
    throw new LedgerError('BAD_ARGUMENT', 'attributes must be unique and in increasing UTF-8 order of their names', {});
  }
  return rootHash(ordered.map((a) => leafHash(attributeLeafData(a))));
}
