/**
 * The reader page's pure parts (reader/): every reason code of the verifier has its Chinese
 * text, every verdict its counter label in both languages; the stream and stats parsers take the
 * API's shapes and ignore anything else; pasted text becomes the bundle's bytes (JSON view, hex,
 * Base64) or a clear error.
 */
import { describe, expect, it } from 'vitest';
import { parseHeaderMessage, parseStats } from '../../reader/auditor-view.js';
import { bundleFromText } from '../../reader/bundle-input.js';
import { ageText, initialLang, LANGS, REASON_ZH, reasonText, VERDICT_ADVICE, VERDICT_LABEL } from '../../reader/i18n.js';
import { VERDICT_EXIT } from '../../cli/exit-codes.js';
import { REASON } from '../../verifier/bundle-verify.js';

describe('reader i18n', () => {
  it('translates every reason code of the verifier, and nothing else', () => {
    expect(Object.keys(REASON_ZH).sort()).toEqual(Object.keys(REASON).sort());
    expect(reasonText('zh-CN', { code: 'CERTIFICATE_REVOKED', message: 'the certificate is revoked' })).toBe('证照已被撤销（注销）');
    expect(reasonText('en', { code: 'CERTIFICATE_REVOKED', message: 'the certificate is revoked' })).toBe('the certificate is revoked');
    expect(reasonText('zh-CN', { code: 'SOME_NEW_CODE', message: 'an English message' })).toBe('an English message');
  });

  it('has the counter words for every verdict in both languages', () => {
    for (const lang of LANGS) {
      expect(Object.keys(VERDICT_LABEL[lang]).sort()).toEqual(Object.keys(VERDICT_EXIT).sort());
      expect(Object.keys(VERDICT_ADVICE[lang]).sort()).toEqual(Object.keys(VERDICT_EXIT).sort());
    }
    expect(Object.values(VERDICT_LABEL['zh-CN'])).toEqual(['有效', '已撤销', '已过期', '未找到', '状态过旧', '无效']);
  });

  it('speaks Chinese unless English was chosen; says how old a status is', () => {
    expect(initialLang(null)).toBe('zh-CN');
    expect(initialLang('fr')).toBe('zh-CN');
    expect(initialLang('en')).toBe('en');
    expect(ageText('zh-CN', 3 * 60_000 + 5_000)).toBe('3 分钟前');
    expect(ageText('en', 2 * 3_600_000)).toBe('2 h ago');
    expect(ageText('zh-CN', 1_000)).toBe('刚刚');
  });
});

describe('reader stream and stats parsing', () => {
  it('takes header messages and ignores others and garbage', () => {
    expect(parseHeaderMessage(JSON.stringify({ type: 'header', height: '7', headerHash: 'ab', logSize: '31', blockTimeMs: '1', eventCount: '3' }))).toEqual({
      height: '7',
      headerHash: 'ab',
      logSize: '31',
      blockTimeMs: '1',
      eventCount: '3',
    });
    expect(parseHeaderMessage(JSON.stringify({ type: 'hello', height: '7' }))).toBeUndefined();
    expect(parseHeaderMessage('not json')).toBeUndefined();
    expect(parseHeaderMessage('null')).toBeUndefined();
    expect(parseHeaderMessage(JSON.stringify({ type: 'header', height: 'seven' }))).toBeUndefined();
    expect(parseHeaderMessage(JSON.stringify({ type: 'header', height: 'x'.repeat(70_000) }))).toBeUndefined();
  });

  it('takes the API stats page, and anything else as no rows', () => {
    const body = { height: '3', items: [{ departmentId: 'bank.city', name: '城市商业银行', suspended: false, events: '1', rejections: '1', accesses: '1' }], next: null };
    expect(parseStats(body)).toEqual([{ id: 'bank.city', name: '城市商业银行', events: '1', rejections: '1', accesses: '1' }]);
    expect(parseStats(null)).toEqual([]);
    expect(parseStats({ items: [null, 3] })).toEqual([]);
  });
});

describe('reader bundle input', () => {
  it('reads hex and Base64, and names what is wrong', () => {
    expect(bundleFromText(' 0a0b\n0c ')).toEqual(Uint8Array.of(10, 11, 12));
    expect(bundleFromText('CgsM')).toEqual(Uint8Array.of(10, 11, 12));
    expect(() => bundleFromText('   ')).toThrow('empty');
    expect(() => bundleFromText('{ not json')).toThrow(/not valid JSON/);
    expect(() => bundleFromText('这不是证明')).toThrow(/not JSON, hex or Base64/);
  });
});
