package secret

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// PBKDF2 settings for passphrases. The salt is fixed because the key must
// come back from the passphrase alone (there is nowhere to keep a random
// salt that the passphrase is not also needed for); the iteration count,
// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256, is what slows guessing.
const (
	passphraseSalt       = "trailbridge secret box v1"
	passphraseIterations = 600_000
	// MinPassphrase is the shortest passphrase KeyFromString stretches.
	MinPassphrase = 12
)

// KeyFromString reads a key from configuration. A string that is the
// base64 (standard or URL alphabet, padded or not) of exactly KeySize bytes
// is that key; any other string of at least MinPassphrase characters is a
// passphrase, stretched with PBKDF2-HMAC-SHA256 (600,000 iterations, a fixed
// salt) to KeySize bytes. Surrounding white space is ignored.
func KeyFromString(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, ok := decodeKey(s); ok {
		return k, nil
	}
	if len(s) < MinPassphrase {
		return nil, fmt.Errorf("secret: a key is the base64 of %d bytes or a passphrase of at least %d characters", KeySize, MinPassphrase)
	}
	k, err := pbkdf2.Key(sha256.New, s, []byte(passphraseSalt), passphraseIterations, KeySize)
	if err != nil {
		return nil, fmt.Errorf("secret: derive key: %w", err)
	}
	return k, nil
}

func decodeKey(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, true
		}
	}
	return nil, false
}

// LoadOrCreateKey returns the key kept in the file at path, creating the file
// with a new random key (mode 0600, its folder 0700) when there is none, so
// that a setup with no configuration still encrypts its secrets. Processes
// racing to create the file agree on one key: the file appears whole or not
// at all, and the loser reads the winner's. A key file that others may read
// is refused.
func LoadOrCreateKey(path string) ([]byte, error) {
	k, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: create key folder: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: generate key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600 already; say so for umask-proof clarity.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("secret: write key file: %w", err)
	}
	// A hard link publishes the complete file atomically and fails when the
	// name exists, unlike a rename, which would replace a key another
	// process has just created and perhaps already used.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the new name durable; best effort
		d.Close()
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s may be read by others (mode %04o); make it 0600", path, st.Mode().Perm())
	}
	b := make([]byte, 256)
	n, err := f.Read(b)
	if err != nil {
		return nil, fmt.Errorf("secret: read key file: %w", err)
	}
	k, ok := decodeKey(string(bytes.TrimSpace(b[:n])))
	if !ok {
		return nil, fmt.Errorf("secret: key file %s does not hold the base64 of %d bytes", path, KeySize)
	}
	return k, nil
}
