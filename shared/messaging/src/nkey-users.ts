import { nkeys } from 'nats';

/** An nkey user: the seed signs in (only its service keeps it), the public key is what nats-server knows. */
export interface NkeyUser {
  readonly seed: string;
  readonly publicKey: string;
}

/** A fresh nkey user. */
export function generateNkeyUser(): NkeyUser {
  const pair = nkeys.createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

/** The nkey user of a seed (`SU…`); throws on anything else. */
export function nkeyUserOf(seed: string): NkeyUser {
  return { seed, publicKey: nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey() };
}
