package logs

import (
	"strings"
	"testing"
)

func FuzzEscapeName(f *testing.F) {
	for _, s := range []string{"a", "/aws/events/x", "..", ".", "#", "a.b", strings.Repeat("/", 300), "a%2Fb"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ea := escapeName(a)
		if validName(a) {
			if ea == "" || ea == "." || ea == ".." || strings.ContainsAny(ea, "/\\\x00") || len(ea) > maxDirName {
				t.Fatalf("escapeName(%q) = %q: not one folder name", a, ea)
			}
		}
		if a != b && validName(a) && validName(b) && ea == escapeName(b) {
			t.Fatalf("%q and %q share the folder %q", a, b, ea)
		}
	})
}

func TestTimestamp(t *testing.T) {
	for in, want := range map[string]int64{
		`1700000000000`:            1700000000000,
		`"1700000000000"`:          1700000000000,
		`1.7e12`:                   1700000000000,
		`"2024-01-02T03:04:05Z"`:   1704164645000,
		`"2024-01-02T03:04:05.5Z"`: 1704164645500,
		`-1`:                       -1,
		`"x"`:                      -1,
		`null`:                     -1,
		`{}`:                       -1,
		`1e300`:                    -1,
	} {
		if got := timestamp([]byte(in)); got != want {
			t.Errorf("timestamp(%s) = %d, want %d", in, got, want)
		}
	}
}
