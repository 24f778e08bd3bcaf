package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	_ "crypto/sha256" // the hashes of the algorithms
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// minRSABits is the smallest RSA modulus accepted, as RFC 7518 section
// 3.3 requires for RS* and PS*.
const minRSABits = 2048

// keyKind is the kind of key an algorithm verifies with.
type keyKind int

const (
	kindHMAC keyKind = iota + 1
	kindRSA
	kindECDSA
	kindEd25519
)

// A jwsAlgorithm is one JWS "alg" value this package verifies.
type jwsAlgorithm struct {
	kind  keyKind
	hash  crypto.Hash
	pss   bool           // RSA: PSS rather than PKCS #1 v1.5
	curve elliptic.Curve // ECDSA: the only curve allowed
}

// algorithms are the JWS algorithms of RFC 7518 and RFC 8037 that this
// package verifies. "none" is not among them, on purpose. "Ed25519" is
// RFC 9864's fully specified name for EdDSA with Ed25519.
var algorithms = map[string]jwsAlgorithm{
	"HS256":   {kind: kindHMAC, hash: crypto.SHA256},
	"HS384":   {kind: kindHMAC, hash: crypto.SHA384},
	"HS512":   {kind: kindHMAC, hash: crypto.SHA512},
	"RS256":   {kind: kindRSA, hash: crypto.SHA256},
	"RS384":   {kind: kindRSA, hash: crypto.SHA384},
	"RS512":   {kind: kindRSA, hash: crypto.SHA512},
	"PS256":   {kind: kindRSA, hash: crypto.SHA256, pss: true},
	"PS384":   {kind: kindRSA, hash: crypto.SHA384, pss: true},
	"PS512":   {kind: kindRSA, hash: crypto.SHA512, pss: true},
	"ES256":   {kind: kindECDSA, hash: crypto.SHA256, curve: elliptic.P256()},
	"ES384":   {kind: kindECDSA, hash: crypto.SHA384, curve: elliptic.P384()},
	"ES512":   {kind: kindECDSA, hash: crypto.SHA512, curve: elliptic.P521()},
	"EdDSA":   {kind: kindEd25519},
	"Ed25519": {kind: kindEd25519},
}

// A verifyKey is a key tokens may be signed with: a []byte secret, an
// *rsa.PublicKey, an *ecdsa.PublicKey or an ed25519.PublicKey. A key is
// immutable.
type verifyKey struct {
	kid  string
	alg  string // the only algorithm the key may be used with; "" for any of its kind
	kind keyKind
	key  any
}

// fits reports whether the key may verify a signature made with alg: the
// kinds agree, the key's own algorithm (if it names one) is alg, and an
// ECDSA key is on alg's curve.
func (k *verifyKey) fits(name string, alg jwsAlgorithm) bool {
	if k.kind != alg.kind || (k.alg != "" && k.alg != name) {
		return false
	}
	if alg.kind == kindECDSA {
		return k.key.(*ecdsa.PublicKey).Curve == alg.curve
	}
	return true
}

// verify checks sig over input with the key, which must fit alg.
func (k *verifyKey) verify(alg jwsAlgorithm, input string, sig []byte) bool {
	var digest []byte
	if alg.hash != 0 && alg.kind != kindHMAC {
		h := alg.hash.New()
		h.Write([]byte(input))
		digest = h.Sum(nil)
	}
	switch key := k.key.(type) {
	case []byte:
		m := hmac.New(alg.hash.New, key)
		m.Write([]byte(input))
		return hmac.Equal(m.Sum(nil), sig)
	case *rsa.PublicKey:
		if alg.pss {
			return rsa.VerifyPSS(key, alg.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(key, alg.hash, digest, sig) == nil
	case *ecdsa.PublicKey:
		// JWS signatures are R and S, each as long as the curve's order.
		size := (key.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(key, digest, r, s)
	case ed25519.PublicKey:
		return ed25519.Verify(key, []byte(input), sig)
	}
	return false
}

// publicKey wraps a parsed public key, refusing weak or unknown ones.
func publicKey(kid, alg string, key any) (*verifyKey, error) {
	k := &verifyKey{kid: kid, alg: alg, key: key}
	switch key := key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key of %d bits; at least %d are required", key.N.BitLen(), minRSABits)
		}
		k.kind = kindRSA
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, fmt.Errorf("ECDSA key on curve %s; P-256, P-384 or P-521 is required", key.Curve.Params().Name)
		}
		k.kind = kindECDSA
	case ed25519.PublicKey:
		k.kind = kindEd25519
	default:
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	if alg != "" {
		a, ok := algorithms[alg]
		if !ok || !k.fits(alg, a) {
			return nil, fmt.Errorf("key cannot be used with alg %q", alg)
		}
	}
	return k, nil
}

// parsePEMKeys reads the public keys of PEM text: PUBLIC KEY (PKIX), RSA
// PUBLIC KEY (PKCS #1) and CERTIFICATE blocks.
func parsePEMKeys(text []byte) ([]*verifyKey, error) {
	var keys []*verifyKey
	for n := 1; ; n++ {
		var block *pem.Block
		block, text = pem.Decode(text)
		if block == nil {
			break
		}
		var (
			key any
			err error
		)
		switch block.Type {
		case "PUBLIC KEY":
			key, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			key, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(block.Bytes); err == nil {
				key = c.PublicKey
			}
		default:
			err = fmt.Errorf("a %s block is not a public key", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		k, err := publicKey("", "", key)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block found")
	}
	return keys, nil
}

// A jwk is one JSON Web Key (RFC 7517) as a JWKS lists it; only the
// members of public signature keys are read.
type jwk struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// b64 is base64url without padding, strictly: JOSE's encoding.
var b64 = base64.RawURLEncoding.Strict()

// parseJWKS reads a JWK Set, {"keys": [...]}, and returns its keys for
// verifying signatures. Keys that are not for signatures (use other than
// "sig", key_ops without "verify"), symmetric, of unknown types or
// malformed are skipped, as RFC 7517 section 5 asks, so that one key
// this package cannot use does not hide the others; an error means the
// set itself is not a JWK Set.
func parseJWKS(data []byte) ([]*verifyKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a JWK Set: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New("not a JWK Set: no keys member")
	}
	var keys []*verifyKey
	for _, raw := range set.Keys {
		var j jwk
		if json.Unmarshal(raw, &j) != nil {
			continue
		}
		if k, err := j.key(); err == nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// key turns a JWK into a verifying key, or says why it cannot be one.
func (j *jwk) key() (*verifyKey, error) {
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("use %q", j.Use)
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return nil, errors.New("key_ops without verify")
	}
	if j.Alg != "" {
		if _, ok := algorithms[j.Alg]; !ok {
			return nil, fmt.Errorf("unknown alg %q", j.Alg)
		}
	}
	var key any
	switch j.Kty {
	case "RSA":
		n, err1 := b64.DecodeString(j.N)
		e, err2 := b64.DecodeString(j.E)
		if err1 != nil || err2 != nil || len(n) == 0 || n[0] == 0 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("malformed RSA key")
		}
		exp := new(big.Int).SetBytes(e).Int64()
		if exp < 3 || exp%2 == 0 {
			return nil, errors.New("RSA exponent out of range")
		}
		key = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}
	case "EC":
		var curve elliptic.Curve
		switch j.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported curve %q", j.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err1 := b64.DecodeString(j.X)
		y, err2 := b64.DecodeString(j.Y)
		// RFC 7518 section 6.2.1.2: the coordinates are full length.
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, errors.New("malformed EC key")
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil {
			return nil, err
		}
		key = pub
	case "OKP":
		x, err := b64.DecodeString(j.X)
		if j.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, errors.New("malformed or unsupported OKP key")
		}
		key = ed25519.PublicKey(x)
	default:
		// "oct" among them: a shared secret has no business in a
		// published key set.
		return nil, fmt.Errorf("unsupported kty %q", j.Kty)
	}
	return publicKey(j.Kid, j.Alg, key)
}
