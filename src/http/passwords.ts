import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Password hashes for dashboard accounts: scrypt from node:crypto, a random salt per hash, and the cost parameters
 * stored with it (`scrypt$n=16384,r=8,p=1$<salt>$<key>`, base64url), so that raising the cost later leaves old
 * hashes verifiable.
 */
export const SCRYPT_PARAMETERS = { n: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 64;
/** bounds for parameters read back from the database: a damaged row must not make one sign-in take minutes or gigabytes */
const MAX_N = 2 ** 20;
const MAX_RP = 64;

/** the shortest password accepted when someone chooses one */
export const MIN_PASSWORD_LENGTH = 12;

const HASH_FORMAT = /^scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function deriveKey(password: string, salt: Buffer, keyLength: number, parameters: { n: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: parameters.n, r: parameters.r, p: parameters.p, maxmem: 256 * parameters.n * parameters.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    // the asynchronous form runs on the libuv pool: a sign-in does not stall other requests
    scrypt(password.normalize("NFC"), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, parameters: { n: number; r: number; p: number } = SCRYPT_PARAMETERS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(password, salt, KEY_BYTES, parameters);
  return `scrypt$n=${parameters.n},r=${parameters.r},p=${parameters.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** True when the password matches the stored hash; false for a wrong password and for a hash it cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = HASH_FORMAT.exec(stored);
  if (!match) return false;
  const [n, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = Buffer.from(match[4]!, "base64url");
  const expected = Buffer.from(match[5]!, "base64url");
  // n must be a power of two above 1
  if (n < 2 || n > MAX_N || (n & (n - 1)) !== 0 || r < 1 || r > MAX_RP || p < 1 || p > MAX_RP || expected.length < 16) return false;
  const key = await deriveKey(password, salt, expected.length, { n, r, p });
  return timingSafeEqual(key, expected);
}

/** A password for someone to be given: 144 random bits, typeable (base64url). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification against nothing: an unknown address or a locked account answers no faster than
 * a wrong password, so response times do not tell which.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword(generatePassword());
  await verifyPassword(password, await dummyHash);
}
