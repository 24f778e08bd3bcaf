package function

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestCapture(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []int // sizes of successive writes
	}{
		{"nothing", nil},
		{"a little", []int{10}},
		{"exactly the head", []int{outputHead}},
		{"head and some tail", []int{outputHead + 100}},
		{"head and tail exactly", []int{outputHead, outputTail}},
		{"just over", []int{outputHead + outputTail + 1}},
		{"many small writes", repeat(7, 5000)},
		{"one huge write", []int{1 << 20}},
		{"huge then small", []int{1 << 20, 3, 5}},
		{"small then huge", []int{3, 1 << 20}},
		{"tail-sized writes", repeat(outputTail, 9)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var all []byte
			c := newCapture()
			for _, n := range tc.writes {
				p := make([]byte, n)
				for i := range p {
					p[i] = 'a' + byte((len(all)+i)%26)
				}
				all = append(all, p...)
				if k, err := c.Write(p); k != n || err != nil {
					t.Fatalf("Write = %d, %v", k, err)
				}
			}
			if c.n != int64(len(all)) {
				t.Errorf("counted %d bytes, want %d", c.n, len(all))
			}
			if want := all[max(0, len(all)-outputTail):]; !bytes.Equal(c.tail(), want) {
				t.Errorf("tail is %d bytes %.20q…, want the last %d", len(c.tail()), c.tail(), len(want))
			}
			s := c.String()
			if len(all) <= outputHead+outputTail {
				if s != string(all) {
					t.Errorf("String() = %.40q…, want everything written", s)
				}
				return
			}
			head, tail := string(all[:outputHead]), string(all[len(all)-outputTail:])
			if !strings.HasPrefix(s, head) || !strings.HasSuffix(s, tail) || !strings.Contains(s, "bytes left out") {
				t.Errorf("String() does not keep the head and tail around a note")
			}
			if len(s) > outputHead+outputTail+64 {
				t.Errorf("String() is %d bytes long", len(s))
			}
		})
	}
}

func repeat(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}

func TestLastLines(t *testing.T) {
	for _, tc := range []struct {
		in    string
		n     int
		limit int
		want  string
	}{
		{"", 3, 100, ""},
		{"one\n", 3, 100, "one"},
		{"a\nb\nc\nd\n\n\n", 3, 100, "b | c | d"},
		{"a\r\nb\r\n", 3, 100, "a | b"},
		{"x\n" + strings.Repeat("y", 50), 3, 10, "…yyyyyyyyyy"},
		{"first\nsecond\n" + strings.Repeat("z", 8), 3, 12, "zzzzzzzz"},
		{"bad \xff utf8", 1, 100, "bad \uFFFD utf8"},
		{strings.Repeat("é", 10), 1, 5, "…éé"},
	} {
		if got := lastLines([]byte(tc.in), tc.n, tc.limit); got != tc.want {
			t.Errorf("lastLines(%q, %d, %d) = %q, want %q", tc.in, tc.n, tc.limit, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{" 120 ", 2 * time.Minute},
		{"-1", -1},
		{"99999999999999999", time.Duration(int64(1<<63-1)/int64(time.Second)) * time.Second},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second},
		{"Wed, 01 May 2024 11:00:00 GMT", 0},
		{"soon", 0},
		{"1.5", 0},
	} {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestEventID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"version":"0","id":"abc-123","detail-type":"x"}`, "abc-123"},
		{`{"version":"0","id":"a\"b"}`, ""},
		{`{"id":"abc"}`, ""},
		{`{"version":"0","id":"unterminated`, ""},
		{``, ""},
		{`{"version":"0","id":"` + strings.Repeat("x", 200) + `"}`, ""},
	} {
		if got := eventID([]byte(tc.in)); got != tc.want {
			t.Errorf("eventID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestHeaderCase(t *testing.T) {
	for in, want := range map[string]string{"RULE_ARN": "Rule-Arn", "ATTEMPT": "Attempt", "EVENT_ID": "Event-Id"} {
		if got := headerCase(in); got != want {
			t.Errorf("headerCase(%q) = %q, want %q", in, got, want)
		}
	}
}
