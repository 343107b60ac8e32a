/**
 * @module ledger/rules/certificate-types
 * The catalogue's certificate type table (issue 24), rules version 2: a governing department (the
 * authority) names a certificate type code (BDC = 不动产权证书), so that the page and the CLI show
 * the name. An issue event may carry the name, which must be the catalogue's
 * (ledger/rules/certificates.ts), and the certificate record keeps it, so that the certificate's
 * own state proof carries it to an offline reader.
 *  - the signer may govern (UNAUTHORIZED);
 *  - the code is non-empty (an identifier, checked at decoding) and the name 1 to
 *    CERTIFICATE_TYPE_NAME_MAX_BYTES UTF-8 bytes (BAD_PAYLOAD);
 *  - registering a code again renames it, for certificates issued from then on.
 */
import type { CertificateTypeRegistered } from '../../proto/schema.generated.js';
import { utf8 } from '../bytes.js';
import { RESULT, type ResultCode } from '../result-codes.js';
import type { RuleContext } from './context.js';

/** A type name's bound in UTF-8 bytes: 21 Chinese characters, which every national certificate name fits. */
export const CERTIFICATE_TYPE_NAME_MAX_BYTES = 64;

export function certificateTypeRegistered(ctx: RuleContext, p: CertificateTypeRegistered): ResultCode {
  if (ctx.signer.rights?.govern !== true) return RESULT.UNAUTHORIZED;
  const nameBytes = utf8(p.name).length;
  if (p.certificateTypeId === '' || nameBytes === 0 || nameBytes > CERTIFICATE_TYPE_NAME_MAX_BYTES || p.name.trim() !== p.name) return RESULT.BAD_PAYLOAD;
  ctx.put('ctype', p.certificateTypeId, { certificateTypeId: p.certificateTypeId, name: p.name, definingEvent: ctx.defining });
  return RESULT.OK;
}
