package pattern

import (
	"math/rand/v2"
	"testing"
)

// classify64Ref is the byte-by-byte definition classify64 must agree with.
func classify64Ref(b []byte) (quote, bslash, open, close uint64) {
	for k := 0; k < 64; k++ {
		bit := uint64(1) << k
		switch b[k] {
		case '"':
			quote |= bit
		case '\\':
			bslash |= bit
		case '{', '[':
			open |= bit
		case '}', ']':
			close |= bit
		}
	}
	return
}

func checkClassify(t *testing.T, b []byte) {
	q, bs, o, c := classify64(&b[0])
	rq, rbs, ro, rc := classify64Ref(b)
	if q != rq || bs != rbs || o != ro || c != rc {
		t.Fatalf("classify64(%q) = %x %x %x %x, want %x %x %x %x", b, q, bs, o, c, rq, rbs, ro, rc)
	}
}

func TestClassify64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte(`"\{}[]{}:,aZ09 ` + "\x00\x80\xff\x7b\x5b")
	b := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		for j := range b {
			if i%2 == 0 {
				b[j] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[j] = byte(r.Uint32())
			}
		}
		checkClassify(t, b)
	}
}

func FuzzClassify64(f *testing.F) {
	f.Add([]byte(`{"x":-122.42200352825247,"y":37.80848009696725,"z":0.0},{"x":-12`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 64 {
			b = append(b, make([]byte, 64-len(b))...)
		}
		checkClassify(t, b[:64])
	})
}
