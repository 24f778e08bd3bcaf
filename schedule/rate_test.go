package schedule_test

import (
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/schedule"
)

func parseRate(t *testing.T, expr string) schedule.Rate {
	t.Helper()
	s, err := schedule.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := s.(schedule.Rate)
	if !ok {
		t.Fatalf("Parse(%q) is a %T", expr, s)
	}
	return r
}

// TestRateAnchored: a rule created at 10:02:40 with rate(5 minutes) fires one
// interval later, at 10:07 (the anchor truncated to its minute), then every
// five minutes.
func TestRateAnchored(t *testing.T) {
	created := at(t, "2024-02-10T10:02:40Z")
	s := parseRate(t, "rate(5 minutes)").WithStart(created)
	tests := []struct{ after, want string }{
		{"2024-01-01T00:00:00Z", "2024-02-10T10:07:00Z"}, // before creation: the first firing
		{"2024-02-10T10:02:00Z", "2024-02-10T10:07:00Z"},
		{"2024-02-10T10:02:40Z", "2024-02-10T10:07:00Z"},
		{"2024-02-10T10:06:59.999Z", "2024-02-10T10:07:00Z"},
		{"2024-02-10T10:07:00Z", "2024-02-10T10:12:00Z"}, // strictly after
		{"2024-02-10T10:07:00.001Z", "2024-02-10T10:12:00Z"},
		{"2024-02-10T10:11:59Z", "2024-02-10T10:12:00Z"},
		{"2024-02-11T10:02:00Z", "2024-02-11T10:07:00Z"},      // a day later: 288 intervals
		{"2025-02-10T10:06:00Z", "2025-02-10T10:07:00Z"},      // 366 days later (leap year)
		{"2124-02-10T10:06:00Z", "2124-02-10T10:07:00Z"},      // a century
		{"1960-02-10T10:06:00Z", "2024-02-10T10:07:00Z"},      // before the epoch
		{"2024-02-10T15:40:00+05:00", "2024-02-10T10:42:00Z"}, // zones do not matter
	}
	for _, tt := range tests {
		got, want := s.Next(at(t, tt.after)), at(t, tt.want)
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Next(%s) = %v, want %v (UTC)", tt.after, got, want)
		}
	}
	if got := s.String(); got != "rate(5 minutes)" {
		t.Errorf("String() = %q", got)
	}
}

// TestRateSequence: stepping from each answer walks the grid one interval at
// a time, for each unit.
func TestRateSequence(t *testing.T) {
	created := at(t, "2024-02-28T22:30:15Z")
	tests := []struct {
		expr string
		want []string
	}{
		{"rate(1 minute)", []string{"2024-02-28T22:31:00Z", "2024-02-28T22:32:00Z", "2024-02-28T22:33:00Z"}},
		{"rate(45 minutes)", []string{"2024-02-28T23:15:00Z", "2024-02-29T00:00:00Z", "2024-02-29T00:45:00Z"}},
		{"rate(1 hour)", []string{"2024-02-28T23:30:00Z", "2024-02-29T00:30:00Z"}},
		{"rate(5 hours)", []string{"2024-02-29T03:30:00Z", "2024-02-29T08:30:00Z"}},
		{"rate(1 day)", []string{"2024-02-29T22:30:00Z", "2024-03-01T22:30:00Z"}},
		{"rate(2 days)", []string{"2024-03-01T22:30:00Z", "2024-03-03T22:30:00Z"}},
	}
	for _, tt := range tests {
		s := parseRate(t, tt.expr).WithStart(created)
		prev := created
		for i, w := range tt.want {
			got := s.Next(prev)
			if want := at(t, w); !got.Equal(want) {
				t.Errorf("%s step %d: Next(%v) = %v, want %v", tt.expr, i, prev, got, want)
				break
			}
			prev = got
		}
	}
}

// TestRateUnanchored: without WithStart a rate counts from the Unix epoch, so
// that answers do not depend on when Next is called.
func TestRateUnanchored(t *testing.T) {
	tests := []struct{ expr, after, want string }{
		{"rate(1 hour)", "2024-02-10T10:20:00Z", "2024-02-10T11:00:00Z"},
		{"rate(1 day)", "2024-02-10T05:00:00Z", "2024-02-11T00:00:00Z"},
		{"rate(5 minutes)", "2024-02-10T10:04:59Z", "2024-02-10T10:05:00Z"},
		{"rate(5 minutes)", "2024-02-10T10:05:00Z", "2024-02-10T10:10:00Z"},
		{"rate(7 minutes)", "1970-01-01T00:00:00Z", "1970-01-01T00:07:00Z"},
		{"rate(7 minutes)", "1969-12-31T23:59:00Z", "1970-01-01T00:07:00Z"},
	}
	for _, tt := range tests {
		s := parseRate(t, tt.expr)
		after := at(t, tt.after)
		got, want := s.Next(after), at(t, tt.want)
		if !got.Equal(want) {
			t.Errorf("%s: Next(%s) = %v, want %v", tt.expr, tt.after, got, want)
		}
		if again := s.Next(after); !again.Equal(got) {
			t.Errorf("%s: Next is not repeatable: %v then %v", tt.expr, got, again)
		}
	}
}

// TestRateLargest: the largest value still fires, 2147483647 days after the
// epoch (5881580-07-11, worked out with the civil-from-days algorithm).
func TestRateLargest(t *testing.T) {
	r := parseRate(t, "rate(2147483647 days)")
	got := r.Next(at(t, "2024-01-01T00:00:00Z"))
	if y, m, d := got.Date(); y != 5881580 || m != time.July || d != 11 || got.Hour() != 0 || got.Minute() != 0 {
		t.Errorf("Next = %v, want 5881580-07-11T00:00:00Z", got)
	}
}

// TestRateWithStartKeepsOriginal: WithStart returns a new schedule and leaves
// the one it was called on alone.
func TestRateWithStartKeepsOriginal(t *testing.T) {
	r := parseRate(t, "rate(1 hour)")
	anchored := r.WithStart(at(t, "2024-02-10T10:20:00Z"))
	after := at(t, "2024-02-10T10:30:00Z")
	if got := anchored.Next(after); !got.Equal(at(t, "2024-02-10T11:20:00Z")) {
		t.Errorf("anchored Next = %v", got)
	}
	if got := r.Next(after); !got.Equal(at(t, "2024-02-10T11:00:00Z")) {
		t.Errorf("original Next = %v", got)
	}
	if anchored.String() != r.String() {
		t.Errorf("String changed: %q vs %q", anchored, r)
	}
}

// TestRateExtremes: far-off times neither panic nor go backwards.
func TestRateExtremes(t *testing.T) {
	r := parseRate(t, "rate(2147483647 days)")
	far := time.Date(200000000000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := r.Next(far); !got.IsZero() {
		t.Errorf("Next(far future) = %v, want zero", got)
	}
	if got := r.WithStart(far).Next(time.Time{}); !got.IsZero() {
		t.Errorf("anchored in the far future: Next = %v, want zero", got)
	}
	var zero schedule.Rate
	if got := zero.Next(time.Now()); !got.IsZero() {
		t.Errorf("zero Rate fires at %v", got)
	}
	ancient := time.Date(-200000000000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := r.Next(ancient); !got.Equal(time.Unix(2147483647*86400, 0)) {
		t.Errorf("Next(ancient) = %v", got)
	}
}
