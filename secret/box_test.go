package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

func newBox(t testing.TB, key []byte, older ...[]byte) *Box {
	t.Helper()
	b, err := NewBox(key, older...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := newBox(t, newKey(t))
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", []byte{}},
		{"password", []byte("hunter2")},
		{"binary", []byte{0, 1, 2, 0xff, '.', '.'}},
		{"large", bytes.Repeat([]byte("x"), 1<<16)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealed, err := b.Seal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.in) > 3 && strings.Contains(sealed, string(tc.in)) {
				t.Errorf("sealed value %q shows the plain text", sealed)
			}
			if !strings.HasPrefix(sealed, "tb1."+b.current+".") {
				t.Errorf("sealed = %.40q…, want the tb1.<key id>. prefix", sealed)
			}
			got, err := b.Open(sealed)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.in) {
				t.Errorf("Open = %q, want %q", got, tc.in)
			}
		})
	}
	t.Run("each seal uses a fresh nonce", func(t *testing.T) {
		a, _ := b.Seal([]byte("same"))
		c, _ := b.Seal([]byte("same"))
		if a == c {
			t.Errorf("sealing twice gave the same string %q", a)
		}
	})
}

func TestTamperingIsDetected(t *testing.T) {
	b := newBox(t, newKey(t))
	sealed, err := b.Seal([]byte("the password"))
	if err != nil {
		t.Fatal(err)
	}
	ver, rest, _ := strings.Cut(sealed, ".")
	id, body, _ := strings.Cut(rest, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	flip := func(i int) string {
		c := append([]byte(nil), raw...)
		c[i] ^= 1
		return ver + "." + id + "." + base64.RawURLEncoding.EncodeToString(c)
	}
	other := newBox(t, newKey(t))
	otherSealed, _ := other.Seal([]byte("x"))
	_, otherRest, _ := strings.Cut(otherSealed, ".")
	otherID, _, _ := strings.Cut(otherRest, ".")
	for _, tc := range []struct{ name, in string }{
		{"nonce changed", flip(0)},
		{"ciphertext changed", flip(len(raw) / 2)},
		{"tag changed", flip(len(raw) - 1)},
		{"truncated", sealed[:len(sealed)-4]},
		{"version changed", "tb2." + rest},
		{"key id swapped", ver + "." + otherID + "." + body},
		{"not base64", ver + "." + id + ".!!!"},
		{"empty", ""},
		{"plain text", "hunter2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.Open(tc.in)
			if !errors.Is(err, ErrOpen) || got != nil {
				t.Errorf("Open = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}

func TestWrongKeyIsRefused(t *testing.T) {
	sealed, _ := newBox(t, newKey(t)).Seal([]byte("the password"))
	_, err := newBox(t, newKey(t)).Open(sealed)
	if !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another key: %v, want ErrOpen", err)
	}
	if strings.Contains(err.Error(), "the password") {
		t.Errorf("error shows the plain text: %v", err)
	}
}

func TestKeyRotation(t *testing.T) {
	oldKey, newK := newKey(t), newKey(t)
	sealedOld, _ := newBox(t, oldKey).Seal([]byte("old"))
	rotated := newBox(t, newK, oldKey)
	if got, err := rotated.Open(sealedOld); err != nil || string(got) != "old" {
		t.Fatalf("open a value of the old key: %q, %v", got, err)
	}
	sealedNew, _ := rotated.Seal([]byte("new"))
	if !strings.HasPrefix(sealedNew, "tb1."+KeyID(newK)+".") {
		t.Errorf("rotated box seals with %q, want the new key %s", sealedNew[:20], KeyID(newK))
	}
	if _, err := newBox(t, oldKey).Open(sealedNew); !errors.Is(err, ErrOpen) {
		t.Errorf("the old key opened a value of the new one: %v", err)
	}
}

func TestNewBoxRefusesBadKeys(t *testing.T) {
	for _, k := range [][]byte{nil, make([]byte, 16), make([]byte, 33)} {
		if _, err := NewBox(k); err == nil {
			t.Errorf("NewBox(%d bytes) succeeded", len(k))
		}
	}
	if _, err := NewBox(newKey(t), make([]byte, 5)); err == nil {
		t.Error("NewBox with a bad older key succeeded")
	}
}

func TestKeyFromString(t *testing.T) {
	k := newKey(t)
	for _, tc := range []struct {
		name string
		in   string
		want []byte
	}{
		{"standard base64", base64.StdEncoding.EncodeToString(k), k},
		{"raw URL base64 with spaces", "  " + base64.RawURLEncoding.EncodeToString(k) + "\n", k},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := KeyFromString(tc.in)
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("KeyFromString = %x, %v; want %x", got, err, tc.want)
			}
		})
	}
	t.Run("passphrase is stretched the same way every time", func(t *testing.T) {
		a, err := KeyFromString("correct horse battery staple")
		if err != nil || len(a) != KeySize {
			t.Fatalf("KeyFromString = %x, %v", a, err)
		}
		b, _ := KeyFromString("correct horse battery staple")
		c, _ := KeyFromString("correct horse battery stapler")
		if !bytes.Equal(a, b) || bytes.Equal(a, c) {
			t.Errorf("derivation is not a function of the passphrase: %x %x %x", a, b, c)
		}
	})
	t.Run("short passphrase is refused", func(t *testing.T) {
		if _, err := KeyFromString("short"); err == nil {
			t.Error("a 5-character passphrase was accepted")
		}
		if _, err := KeyFromString(base64.StdEncoding.EncodeToString(make([]byte, 16))); err != nil {
			// 24 characters of base64 for 16 bytes: long enough to be a
			// passphrase, so it is one.
			t.Errorf("a 24-character string: %v", err)
		}
	})
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "secret.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", got)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load = %x, %v; want the key created first", k2, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("key folder holds %d files, want just the key", len(entries))
	}

	t.Run("racing processes agree on one key", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "race.key")
		keys := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				k, err := LoadOrCreateKey(p)
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for _, k := range keys[1:] {
			if !bytes.Equal(k, keys[0]) {
				t.Fatalf("keys differ: %x vs %x", k, keys[0])
			}
		}
	})
	t.Run("a key file others can read is refused", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "open.key")
		os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(newKey(t))), 0o644)
		os.Chmod(p, 0o644)
		if _, err := LoadOrCreateKey(p); err == nil || !strings.Contains(err.Error(), "0600") {
			t.Errorf("LoadOrCreateKey(0644 file) = %v, want a refusal", err)
		}
	})
	t.Run("a file that holds no key is refused", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "bad.key")
		os.WriteFile(p, []byte("not a key\n"), 0o600)
		if _, err := LoadOrCreateKey(p); err == nil {
			t.Error("LoadOrCreateKey accepted a file without a key")
		}
	})
}

func FuzzOpen(f *testing.F) {
	key := make([]byte, KeySize)
	b, _ := NewBox(key)
	good, _ := b.Seal([]byte("seed"))
	for _, s := range []string{good, "", ".", "tb1..", "tb1." + KeyID(key) + ".", "tb1." + KeyID(key) + ".AAAA", good[:len(good)-1] + "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := b.Open(s)
		if err != nil && (out != nil || !errors.Is(err, ErrOpen)) {
			t.Fatalf("Open(%q) = %q, %v", s, out, err)
		}
		if err == nil {
			// Only a genuine seal opens; resealing must round-trip.
			again, _ := b.Seal(out)
			if back, err := b.Open(again); err != nil || !bytes.Equal(back, out) {
				t.Fatalf("reseal of %q: %q, %v", out, back, err)
			}
		}
	})
}
