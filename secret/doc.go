// Package secret owns the encryption of secrets at rest: connection
// passwords, API key values, OAuth client secrets and secret invocation
// parameters are stored as sealed strings, never as plain text.
//
// A Box seals each value with AES-256-GCM under a fresh random nonce. The
// sealed form is text, safe to embed in JSON:
//
//	tb1.<key id>.<base64url(nonce || ciphertext || tag)>
//
// "tb1" is the format version and the key id (16 hex characters derived from
// the key) says which key sealed the value, so that keys can rotate: a Box
// seals with its newest key and opens values sealed by any key it was given.
// The version and key id are authenticated as additional data, so a sealed
// value cannot be moved under another key's header unnoticed.
//
// Keys come from KeyFromString (base64 of 32 bytes, or a passphrase stretched
// with PBKDF2-HMAC-SHA256) or from LoadOrCreateKey, which keeps a random key
// in a file readable by its owner only. The package uses the standard library
// only.
package secret
