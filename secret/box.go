package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256 takes 32 bytes.
const KeySize = 32

// version prefixes every sealed value; a new format gets a new prefix.
const version = "tb1"

// ErrOpen is returned (wrapped) for every value Open cannot open: malformed,
// sealed by a key the Box does not have, or altered. The reasons are kept
// apart in the message but not in the type, so that callers cannot build an
// oracle on them.
var ErrOpen = errors.New("secret: cannot open sealed value")

// Box seals and opens values. It is safe for concurrent use; it holds no
// state besides its keys.
type Box struct {
	current string                 // id of the key that seals
	aeads   map[string]cipher.AEAD // key id → cipher, for opening
}

// NewBox returns a Box that seals with key and opens values sealed with key
// or with any of older (keys being rotated out). Every key must be KeySize
// bytes.
func NewBox(key []byte, older ...[]byte) (*Box, error) {
	b := &Box{aeads: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{key}, older...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secret: key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("secret: key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secret: key %d: %w", i, err)
		}
		id := KeyID(k)
		if i == 0 {
			b.current = id
		}
		if _, dup := b.aeads[id]; !dup {
			b.aeads[id] = aead
		}
	}
	return b, nil
}

// KeyID names a key in sealed values: the first 8 bytes of a SHA-256 over a
// label and the key, in hex. It identifies the key without revealing
// anything useful about it.
func KeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("trailbridge secret key id\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Seal encrypts plaintext under the Box's current key with a fresh random
// nonce, so sealing the same value twice gives different strings.
func (b *Box) Seal(plaintext []byte) (string, error) {
	aead := b.aeads[b.current]
	header := version + "." + b.current
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: read nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plaintext, []byte(header))
	return header + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value Seal returned, with whichever of the Box's keys
// sealed it. Every failure wraps ErrOpen.
func (b *Box) Open(sealed string) ([]byte, error) {
	ver, rest, ok1 := strings.Cut(sealed, ".")
	id, body, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || ver != version {
		return nil, fmt.Errorf("%w: not a %s sealed value", ErrOpen, version)
	}
	aead, ok := b.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w: sealed with key %.16q, which this box does not have", ErrOpen, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed body", ErrOpen)
	}
	n := aead.NonceSize()
	out, err := aead.Open(nil, raw[:n], raw[n:], []byte(ver+"."+id))
	if err != nil {
		return nil, fmt.Errorf("%w: altered, or sealed by another key", ErrOpen)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}
