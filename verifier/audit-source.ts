/**
 * @module verifier/audit-source
 * Where the auditor reads the chain from (DESIGN.md section 11). The auditor checks the chain
 * through this interface only, so that it runs over a copy of a node's LevelDB folder
 * (audit/leveldb-source.ts) or over the HTTP API (`ledger audit --api URL`, branch api:
 * GET /v1/genesis and GET /v1/blocks/{height}/raw). Pure: no Node imports.
 */

export interface ChainSource {
  /** The genesis bytes (block 0). The auditor compares their hash with its trust anchor when it has one. */
  genesisBytes(): Promise<Uint8Array>;
  /** The height of the last committed block the source claims (0 before block 1). */
  headHeight(): Promise<bigint>;
  /** The block's protobuf bytes and its Commit's bytes, as stored; undefined past the head (or when missing). */
  block(height: bigint): Promise<{ block: Uint8Array; commit: Uint8Array } | undefined>;
}
