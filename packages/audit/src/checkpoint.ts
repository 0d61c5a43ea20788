import type { KeyObject } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';

/**
 * What a checkpoint asserts: the chain `chain` had reached `seq` with this `hmac` (its head) at
 * `time`. Kept where the writers cannot rewrite them, the checkpoints of every writer name every
 * chain and its head: a chain whose records are all gone, or cut short, no longer matches.
 */
export interface CheckpointPayload {
  app: string;
  /** The chain's name (`''` for checkpoints of earlier releases, which had one chain). */
  chain: string;
  seq: number;
  hmac: string;
  /** UTC ISO 8601. */
  time: string;
}

/** A signed checkpoint: its payload and the compact JWS (EdDSA over Ed25519, RFC 8037). */
export interface SignedCheckpoint extends CheckpointPayload {
  jws: string;
}

/**
 * Where signed checkpoints go. Send them somewhere the log writer cannot rewrite (another host,
 * a WORM bucket, a ticket): a checkpoint held elsewhere is what reveals a truncated tail.
 */
export interface CheckpointSink {
  write(checkpoint: SignedCheckpoint): void | Promise<void>;
}

/** Checkpoint options of `createAuditLog`. */
export interface CheckpointOptions {
  /** Ed25519 private key (`generateKeyPairSync('ed25519')`, a CryptoKey or a KeyObject). */
  privateKey: KeyObject | CryptoKey;
  /** Key id in the JWS header. */
  kid?: string | undefined;
  /** A checkpoint after at least this many records. Default 1000. */
  everyRecords?: number | undefined;
  /**
   * Or after this many ms, at the next write, so that a quiet log's tail is covered too (a
   * checkpoint is only made when there are new records). Default 60 000.
   */
  everyMs?: number | undefined;
  /** Extra sinks (the file sink also writes its `.checkpoints` side file). */
  sinks?: readonly CheckpointSink[] | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Signs a checkpoint as a compact JWS with `alg: Ed25519` (RFC 9864; `EdDSA` is accepted on verify). */
export async function signCheckpoint(
  payload: CheckpointPayload,
  privateKey: KeyObject | CryptoKey,
  kid?: string,
): Promise<SignedCheckpoint> {
  const body =
    payload.chain === ''
      ? { app: payload.app, seq: payload.seq, hmac: payload.hmac, time: payload.time }
      : { app: payload.app, chain: payload.chain, seq: payload.seq, hmac: payload.hmac, time: payload.time };
  const jws = await new CompactSign(encoder.encode(JSON.stringify(body)))
    .setProtectedHeader(kid === undefined ? { alg: 'Ed25519' } : { alg: 'Ed25519', kid })
    .sign(privateKey);
  return { ...body, chain: payload.chain, jws };
}

/** Verifies a checkpoint JWS and returns its payload; throws (jose errors) when the signature is bad. */
export async function verifyCheckpoint(
  jws: string,
  publicKey: KeyObject | CryptoKey,
): Promise<CheckpointPayload> {
  const { payload } = await compactVerify(jws, publicKey, { algorithms: ['Ed25519', 'EdDSA'] });
  const p = JSON.parse(decoder.decode(payload)) as Partial<CheckpointPayload>;
  if (
    typeof p.seq !== 'number' ||
    typeof p.hmac !== 'string' ||
    typeof p.time !== 'string' ||
    typeof p.app !== 'string' ||
    (p.chain !== undefined && typeof p.chain !== 'string')
  )
    throw new TypeError('checkpoint payload is malformed');
  return { app: p.app, chain: p.chain ?? '', seq: p.seq, hmac: p.hmac, time: p.time };
}
