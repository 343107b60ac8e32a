/**
 * @module reader/i18n
 * The reader page's words: Simplified Chinese (zh-CN, the default: the page's users are clerks
 * and auditors in Chinese government offices and banks) and English. Verdicts read as they would
 * on a counter; the verifier's stable reason codes (verifier/bundle-verify.ts, REASON) are
 * translated here, and an unknown code falls back to the verifier's English message.
 */

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

export type VerdictName = 'VALID' | 'REVOKED' | 'EXPIRED' | 'UNKNOWN' | 'STALE' | 'INVALID';

export const VERDICT_LABEL: Record<Lang, Record<VerdictName, string>> = {
  'zh-CN': { VALID: '有效', REVOKED: '已撤销', EXPIRED: '已过期', UNKNOWN: '未找到', STALE: '状态过旧', INVALID: '无效' },
  en: { VALID: 'Valid', REVOKED: 'Revoked', EXPIRED: 'Expired', UNKNOWN: 'Not found', STALE: 'Status too old', INVALID: 'Invalid' },
};

/** One line under the verdict: what the clerk should do. */
export const VERDICT_ADVICE: Record<Lang, Record<VerdictName, string>> = {
  'zh-CN': {
    VALID: '账本证明该记录真实有效，状态时间见下。',
    REVOKED: '该记录已被签发机关撤销，不可受理。',
    EXPIRED: '该记录已超过有效期，不可受理。',
    UNKNOWN: '账本证明不存在该编号的记录。',
    STALE: '证明中的状态时间过早，请持证人重新获取最新证明。',
    INVALID: '证明未通过核验（可能被篡改或不属于本账本），不可受理。',
  },
  en: {
    VALID: 'The ledger proves this record genuine and in force; the status time is below.',
    REVOKED: 'The issuer revoked this record: do not accept it.',
    EXPIRED: 'This record is past its validity: do not accept it.',
    UNKNOWN: 'The ledger proves that no record has this number.',
    STALE: 'The status in this proof is too old: ask the holder for a fresh proof.',
    INVALID: 'The proof does not verify (altered, or not from this ledger): do not accept it.',
  },
};

/** A revoked grant was revoked by its data source, not by a 签发机关 (which issues certificates). */
export const GRANT_REVOKED_ADVICE: Record<Lang, string> = {
  'zh-CN': '该共享授权已被数据来源部门撤销，不可再使用。',
  en: 'The data source revoked this grant: it may no longer be used.',
};

/**
 * Why what the clerk gave is not a bundle at all (reader/bundle-input.ts BundleInputCode): the
 * page shows these as an INVALID verdict too, never only a parser's English message.
 */
export const INPUT_REASON: Record<Lang, Record<string, string>> = {
  'zh-CN': {
    INPUT_EMPTY: '文件是空的，不是证明',
    INPUT_TOO_LARGE: '内容过大，不是一个证明',
    INPUT_JSON_SYNTAX: 'JSON 文本不完整或格式错误（可能复制时被截断），不是有效的证明',
    INPUT_JSON_NOT_BUNDLE: 'JSON 内容不是证明包（字段不符合证明格式）',
    INPUT_NOT_ENCODED: '内容不是证明：应为证明的 JSON、十六进制或 Base64 文本',
  },
  en: {
    INPUT_EMPTY: 'the file is empty: not a bundle',
    INPUT_TOO_LARGE: 'too large to be a bundle',
    INPUT_JSON_SYNTAX: 'the JSON text is incomplete or broken (truncated when copied?): not a bundle',
    INPUT_JSON_NOT_BUNDLE: 'the JSON is not a bundle (its fields do not fit the bundle format)',
    INPUT_NOT_ENCODED: 'not a bundle: expected the JSON view, hex or Base64 of a bundle',
  },
};

/** The verifier's reason codes in Chinese (the English is the verifier's own message). */
export const REASON_ZH: Record<string, string> = {
  BAD_ANCHOR: '信任锚不是有效的创世区块',
  BAD_OPTIONS: '核验参数无效',
  BUNDLE_TOO_LARGE: '证明文件超出大小上限',
  MALFORMED: '证明文件格式错误或不规范',
  UNSUPPORTED_VERSION: '不支持该证明格式版本',
  BAD_SUBJECT: '证明未指明证照或授权编号',
  SUBJECT_MISMATCH: '证明所涉对象与查询对象不符',
  UNEXPECTED_CONTENT: '证明含有与其类型不符的内容',
  MISSING_CONTENT: '证明缺少必要内容',
  EVENT_MALFORMED: '签发事件格式错误',
  WRONG_GENESIS: '证明不属于本账本（创世哈希与信任锚不符）',
  WRONG_CHANNEL: '证明所属通道与信任锚不符',
  WRONG_RULES_VERSION: '区块所用规则版本与信任锚不符',
  SIGNATURES_NOT_ORDERED: '节点签名顺序不规范',
  UNKNOWN_NODE: '签名来自非本账本节点',
  BAD_NODE_SIGNATURE: '节点签名验证失败',
  TOO_FEW_SIGNATURES: '节点联署签名数量不足',
  RECORD_PROOF_INVALID: '记录的状态证明与区块状态根不符',
  ABSENCE_PROOF_INVALID: '不存在性证明与区块状态根不符',
  SIGNER_PROOF_INVALID: '签发部门的状态证明与区块状态根不符',
  RECORD_ID_MISMATCH: '记录编号与查询编号不符',
  NO_DEFINING_EVENT: '记录缺少签发事件',
  EVENT_MISMATCH: '所附事件不是该记录的签发事件',
  LOG_POSITION_MISMATCH: '事件在日志中的位置不符',
  EVENT_KIND_MISMATCH: '签发事件类型与记录状态不符',
  SIGNER_MISMATCH: '事件并非由记录所载部门签署',
  WRONG_EVENT_CHANNEL: '事件属于其他通道',
  EVENT_AFTER_HEADER: '事件位于所附区块之后',
  KEY_UNKNOWN: '签发部门在该时点没有有效密钥',
  KEY_RETIRED: '签发部门的密钥已在此前停用',
  KEY_COMPROMISED: '签发部门的密钥已被宣告泄露，该记录作废',
  BAD_EVENT_SIGNATURE: '签发事件的签名验证失败',
  INCLUSION_INVALID: '事件的日志包含证明验证失败',
  WITNESS_QUORUM_MISSING: '外部见证方联署数量不足：无法排除节点向不同读者展示不同账本（分叉视图）',
  WITNESS_SIGNATURE_INVALID: '外部见证方的联署签名无效，或其联署的检查点不覆盖该区块头',
  CONSISTENCY_MISSING: '缺少与已信任检查点的一致性证明',
  CONSISTENCY_INVALID: '账本日志与已信任检查点不一致',
  STALE: '状态时间早于允许的最长时效，请获取最新证明',
  NOT_FOUND: '账本中不存在该记录（已证明）',
  CERTIFICATE_REVOKED: '证照已被撤销（注销）',
  CERTIFICATE_EXPIRED: '证照已超过有效期',
  GRANT_REVOKED: '共享授权已被撤销',
  GRANT_DENIED: '共享申请已被拒绝',
  GRANT_NOT_GRANTED: '共享申请尚未获批',
  GRANT_NOT_YET_ACTIVE: '授权尚未生效',
  GRANT_EXPIRED: '授权已超过有效期',
  GRANT_EXHAUSTED: '授权使用次数已用尽',
  ISSUER_SUSPENDED: '提示：签发部门已被暂停',
  MORTGAGED: '提示：该不动产已设定抵押，新的抵押将排在其后顺位（详见下方他项权利）',
  SEIZED: '警告：该不动产已被法院查封，不得转移登记或设定抵押，请勿受理抵押贷款',
  HEADER_IN_FUTURE: '提示：区块时间晚于本机时间（本机时钟偏慢），按状态时效 0 计',
  NOT_HOLDER: '持证人身份与证照不符',
  SUPERSEDED: '该证书已转移登记给他人，出示人曾是权利人，现已不是',
  DISCLOSURE_INVALID: '所示属性与证照不符',
  DOCUMENT_MISMATCH: '文件与证照所载摘要不符',
  FIELDS_NOT_COVERED: '授权未涵盖所需字段',
  NOT_APPLICABLE: '所请求的核验不适用于该证明',
};

const ZH = {
  title: '电子证照与共享授权核验',
  subtitle: '政务数据共享审计账本 · 离线核验',
  tabVerify: '证明核验',
  tabAuditor: '审计视图',
  langSwitch: 'English',
  anchorTitle: '信任锚（创世区块）',
  anchorNone: '尚未加载信任锚',
  anchorLoaded: '已加载信任锚',
  anchorFromNode: '从本节点获取',
  anchorFromFile: '加载信任锚文件',
  anchorHash: '创世哈希',
  anchorSource: '来源',
  anchorSourceNode: '本节点 /v1/genesis',
  anchorSourceFile: '本地文件',
  anchorBad: '无法读取信任锚',
  anchorNotGenesis: '该文件不是创世文件（genesis），不能作为信任锚',
  anchorPin: '固定此信任锚',
  anchorUnpin: '取消固定',
  anchorPinned: '与本机固定的信任锚一致',
  anchorNotPinned: '与本机固定的信任锚不符，已拒绝：',
  bundleTitle: '证明（证照或共享授权）',
  bundlePaste: '粘贴证明（JSON、十六进制或 Base64）',
  bundleFile: '上传证明文件（.bin / .json）或二维码图片',
  bundleLoaded: '已读取证明内容，核验结果见下',
  qrDecoded: '已识别二维码',
  qrNotFound: '未识别到二维码',
  scanCamera: '用摄像头扫描二维码',
  scanning: '正在扫描，请将二维码对准摄像头…（再次点击停止）',
  camera: '摄像头',
  cameraUnavailable: '无法使用摄像头',
  optionsTitle: '可选核验',
  holderId: '持证人身份证号',
  holderSalt: '持证人盐值（十六进制）',
  saltsFile: '或上传持证人盐值文件',
  disclosureFile: '属性披露文件（JSON）',
  documentFile: '证照文件（核对摘要）',
  grantFields: '授权须涵盖的字段（逗号分隔）',
  maxAge: '状态最长时效（小时，默认 24；填 0 表示不限）',
  presentationLoaded: '已识别持证人出示码，请输入持证人身份证上的号码后点击“核验”',
  presentationPart: '已识别持证人出示码的一部分，请扫描下一张',
  maxAgeApplied: '最长时效',
  maxAgeDefault: '默认',
  maxAgeNone: '不限（已明确选择）',
  encumbrances: '他项权利',
  noEncumbrances: '无抵押、无查封',
  seizedBanner: '已查封',
  seizedAdvice: '该不动产已被法院查封：不得办理转移登记或抵押登记，请勿放贷。',
  mortgagedBanner: '已设定抵押',
  rank: '顺位',
  seizureRank: '轮候顺位',
  caseNumber: '案号',
  amount: '被担保债权',
  yuan: '元',
  since: '登记于',
  supersededBanner: '已转移登记',
  supersededAdvice: '出示人在转移前持有该证书，现已不是权利人，不可受理。',
  transferredAt: '转移登记时间',
  verifyButton: '核验',
  needAnchor: '请先加载信任锚',
  needBundle: '请先粘贴或上传证明',
  unreadable: '无法读取证明',
  reasons: '原因',
  noReasons: '全部核验通过',
  summary: '摘要',
  certificate: '电子证照',
  grant: '共享授权',
  certificateId: '证照编号',
  certificateType: '证照类型',
  issuer: '签发机关',
  status: '状态',
  validUntil: '有效期至',
  noExpiry: '长期有效',
  attributeNames: '登记属性',
  documentSha256: '文件摘要',
  grantId: '授权编号',
  grantee: '被授权部门',
  grantor: '授权部门（数据来源）',
  resource: '数据资源',
  purpose: '用途',
  fields: '授权字段',
  window: '有效期间',
  usesLeft: '剩余次数',
  unlimited: '不限',
  suspended: '（已暂停）',
  checks: '附加核验',
  checkHolder: '持证人',
  checkAttributes: '属性',
  checkDocument: '文件',
  checkFields: '字段',
  checkConsistency: '一致性',
  checkWitnesses: '外部见证（审计机关、法院等）',
  witnessedBy: '联署见证方',
  witnessesNone: '信任锚未指定见证方',
  passed: '通过',
  failed: '未通过',
  notChecked: '未核验',
  disclosed: '已核验属性',
  statusAge: '状态时间',
  ago: '前',
  justNow: '刚刚',
  minutes: '分钟',
  hours: '小时',
  days: '天',
  seconds: '秒',
  block: '区块高度',
  signers: '联署节点',
  headerHash: '区块哈希',
  subject: '核验对象',
  statusIssued: '已签发',
  statusRevoked: '已撤销',
  statusGranted: '已授权',
  statusRequested: '已申请',
  statusDenied: '已拒绝',
  auditorTitle: '账本实时审计',
  chainLive: '区块链实时增长',
  connected: '已连接',
  disconnected: '未连接，正在重连…',
  height: '高度',
  events: '事件数',
  time: '时间',
  hash: '哈希',
  logSize: '日志长度',
  departments: '各部门统计',
  department: '部门',
  eventsCount: '事件',
  rejections: '被拒',
  accesses: '数据访问',
  checkpoint: '最新检查点',
  noCheckpoint: '暂无检查点',
  noData: '暂无数据',
  statsNeedAuditor: '各部门统计仅限审计员以签名请求查询（ledger sign-request，见启动时打印的 curl 命令）。',
  offline: '本页面在浏览器中离线核验，证明数据不会上传。',
};

export type MessageKey = keyof typeof ZH;

const EN: Record<MessageKey, string> = {
  title: 'Certificate and grant verification',
  subtitle: 'Shared-records audit ledger · offline verification',
  tabVerify: 'Verify',
  tabAuditor: 'Auditor',
  langSwitch: '中文',
  anchorTitle: 'Trust anchor (the genesis)',
  anchorNone: 'No trust anchor loaded',
  anchorLoaded: 'Trust anchor loaded',
  anchorFromNode: 'Fetch from this node',
  anchorFromFile: 'Load an anchor file',
  anchorHash: 'Genesis hash',
  anchorSource: 'Source',
  anchorSourceNode: 'this node, /v1/genesis',
  anchorSourceFile: 'local file',
  anchorBad: 'Cannot read the trust anchor',
  anchorNotGenesis: 'This file is not a genesis: it cannot be the trust anchor',
  anchorPin: 'Pin this anchor',
  anchorUnpin: 'Unpin',
  anchorPinned: 'matches the anchor pinned on this computer',
  anchorNotPinned: 'not the anchor pinned on this computer, refused:',
  bundleTitle: 'Proof bundle (certificate or grant)',
  bundlePaste: 'Paste a bundle (JSON, hex or Base64)',
  bundleFile: 'Upload a bundle (.bin / .json) or a QR image',
  bundleLoaded: 'Bundle read; the verdict is below',
  qrDecoded: 'QR code decoded',
  qrNotFound: 'No QR code found',
  scanCamera: 'Scan a QR code with the camera',
  scanning: 'Scanning: hold the QR code to the camera… (click again to stop)',
  camera: 'camera',
  cameraUnavailable: 'Cannot use the camera',
  optionsTitle: 'Optional checks',
  holderId: "Holder's ID number",
  holderSalt: "Holder's salt (hex)",
  saltsFile: "or upload the holder's salts file",
  disclosureFile: 'Disclosure file (JSON)',
  documentFile: 'Certificate document (digest check)',
  grantFields: 'Fields the grant must cover (comma-separated)',
  maxAge: 'Maximum status age (hours; default 24; 0 = no maximum)',
  presentationLoaded: "Holder's presentation read: type the number on the holder's ID card, then Verify",
  presentationPart: "Part of the holder's presentation read: scan the next code",
  maxAgeApplied: 'maximum age',
  maxAgeDefault: 'default',
  maxAgeNone: 'none (chosen explicitly)',
  encumbrances: 'Encumbrances',
  noEncumbrances: 'no mortgage, no seizure',
  seizedBanner: 'SEIZED',
  seizedAdvice: 'A court has seized this property: it cannot be transferred or mortgaged. Do not lend on it.',
  mortgagedBanner: 'Mortgaged',
  rank: 'rank',
  seizureRank: 'seizure rank',
  caseNumber: 'case',
  amount: 'secured amount',
  yuan: 'yuan',
  since: 'since',
  supersededBanner: 'Transferred',
  supersededAdvice: 'The person checked held this certificate before its transfer and no longer does: do not accept.',
  transferredAt: 'Transferred at',
  verifyButton: 'Verify',
  needAnchor: 'Load a trust anchor first',
  needBundle: 'Paste or upload a bundle first',
  unreadable: 'Cannot read the bundle',
  reasons: 'Reasons',
  noReasons: 'Every check passed',
  summary: 'Summary',
  certificate: 'Certificate',
  grant: 'Share grant',
  certificateId: 'Certificate number',
  certificateType: 'Certificate type',
  issuer: 'Issuer',
  status: 'Status',
  validUntil: 'Valid until',
  noExpiry: 'no expiry',
  attributeNames: 'Attributes',
  documentSha256: 'Document digest',
  grantId: 'Grant',
  grantee: 'Grantee',
  grantor: 'Grantor (source)',
  resource: 'Resource',
  purpose: 'Purpose',
  fields: 'Fields',
  window: 'Window',
  usesLeft: 'Uses left',
  unlimited: 'unlimited',
  suspended: ' (suspended)',
  checks: 'Further checks',
  checkHolder: 'Holder',
  checkAttributes: 'Attributes',
  checkDocument: 'Document',
  checkFields: 'Fields',
  checkConsistency: 'Consistency',
  checkWitnesses: 'Outside witnesses (audit office, court…)',
  witnessedBy: 'Cosigned by',
  witnessesNone: 'the trust anchor names no witnesses',
  passed: 'passed',
  failed: 'failed',
  notChecked: 'not checked',
  disclosed: 'Verified attributes',
  statusAge: 'Status as of',
  ago: 'ago',
  justNow: 'just now',
  minutes: 'min',
  hours: 'h',
  days: 'd',
  seconds: 's',
  block: 'Block height',
  signers: 'Co-signing nodes',
  headerHash: 'Header hash',
  subject: 'Subject',
  statusIssued: 'issued',
  statusRevoked: 'revoked',
  statusGranted: 'granted',
  statusRequested: 'requested',
  statusDenied: 'denied',
  auditorTitle: 'Live ledger audit',
  chainLive: 'The chain, growing live',
  connected: 'connected',
  disconnected: 'disconnected, reconnecting…',
  height: 'Height',
  events: 'Events',
  time: 'Time',
  hash: 'Hash',
  logSize: 'Log size',
  departments: 'Per department',
  department: 'Department',
  eventsCount: 'Events',
  rejections: 'Rejected',
  accesses: 'Accesses',
  checkpoint: 'Latest checkpoint',
  noCheckpoint: 'No checkpoint yet',
  noData: 'No data yet',
  statsNeedAuditor: 'Per-department counts are for the auditor, by signed request (ledger sign-request; see the curl lines printed at start).',
  offline: 'Bundles are verified in this browser, offline; nothing is uploaded.',
};

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': ZH, en: EN };

export function t(lang: Lang, key: MessageKey): string {
  return MESSAGES[lang][key];
}

/** A reason as the clerk reads it: translated when the code is known, else the verifier's message. */
export function reasonText(lang: Lang, reason: { code: string; message: string }): string {
  const input = INPUT_REASON[lang][reason.code];
  if (input !== undefined) return input;
  if (lang === 'zh-CN') return REASON_ZH[reason.code] ?? reason.message;
  return reason.message;
}

/** "3 分钟前" / "3 min ago": how old a status is, from block time to the reader's time. */
export function ageText(lang: Lang, ageMs: number): string {
  if (ageMs < 0) ageMs = 0;
  const s = Math.floor(ageMs / 1000);
  const [n, unit] = s < 60 ? [s, t(lang, 'seconds')] : s < 3600 ? [Math.floor(s / 60), t(lang, 'minutes')] : s < 86400 ? [Math.floor(s / 3600), t(lang, 'hours')] : [Math.floor(s / 86400), t(lang, 'days')];
  if (s < 5) return t(lang, 'justNow');
  return lang === 'zh-CN' ? `${n} ${unit}${t(lang, 'ago')}` : `${n} ${unit} ${t(lang, 'ago')}`;
}

/** A time in the reader's zone, as the counter would print it. */
export function timeText(lang: Lang, ms: number): string {
  return new Date(ms).toLocaleString(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', { hour12: false });
}

/** A list as each language writes it: 坐落、面积 / 坐落, 面积. */
export function listText(lang: Lang, items: readonly string[]): string {
  return items.join(lang === 'zh-CN' ? '、' : ', ');
}

/** Text in parentheses, full-width in Chinese. */
export function paren(lang: Lang, text: string): string {
  return lang === 'zh-CN' ? `（${text}）` : ` (${text})`;
}

/** The language a page starts in: the saved choice, else Chinese. */
export function initialLang(saved: string | null): Lang {
  return saved === 'en' ? 'en' : 'zh-CN';
}
