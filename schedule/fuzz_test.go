package schedule_test

import (
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/schedule"
)

// FuzzParse: any text gets a verdict without panicking; refusals are exactly
// AWS's; whatever is accepted keeps its text, and its fire times are whole UTC
// minutes that strictly increase, from any starting point, in bounded time.
func FuzzParse(f *testing.F) {
	for _, s := range accepted {
		f.Add(s)
	}
	for _, s := range rejected {
		f.Add(s)
	}
	starts := []time.Time{
		time.Time{},
		time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(2024, 2, 28, 23, 59, 30, 0, time.FixedZone("X", 5*3600+1800)),
		time.Date(2199, 12, 31, 23, 0, 0, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := schedule.Parse(expr)
		if err != nil {
			checkAWSError(t, expr, err)
			return
		}
		if s.String() != expr {
			t.Fatalf("Parse(%q).String() = %q", expr, s.String())
		}
		schedules := []schedule.Schedule{s}
		if r, ok := s.(schedule.Rate); ok {
			schedules = append(schedules, r.WithStart(starts[2]))
		}
		for _, s := range schedules {
			for _, start := range starts {
				begun := time.Now()
				prev := start
				for range 5 {
					next := s.Next(prev)
					if next.IsZero() {
						break
					}
					if !next.After(prev) || next.Location() != time.UTC || next.Second() != 0 || next.Nanosecond() != 0 {
						t.Fatalf("%s: Next(%v) = %v, want a later whole UTC minute", expr, prev, next)
					}
					if again := s.Next(prev); !again.Equal(next) {
						t.Fatalf("%s: Next(%v) gave %v, then %v", expr, prev, next, again)
					}
					prev = next
				}
				// The search is bounded by design (no year after 2199); a
				// generous wall-clock check catches a regression to
				// minute-by-minute stepping without flaking under -race.
				if d := time.Since(begun); d > 5*time.Second {
					t.Fatalf("%s: five steps from %v took %v", expr, start, d)
				}
			}
		}
	})
}

// BenchmarkNextNeverFires measures the worst case: an expression that is
// valid but never fires, searched from 1970 to the end of 2199.
func BenchmarkNextNeverFires(b *testing.B) {
	s, err := schedule.Parse("cron(* * 31 2,4,6,9,11 ? *)")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !s.Next(time.Time{}).IsZero() {
			b.Fatal("fired")
		}
	}
}

func BenchmarkNextEveryMinute(b *testing.B) {
	s, err := schedule.Parse("cron(* * * * ? *)")
	if err != nil {
		b.Fatal(err)
	}
	t := time.Date(2024, 2, 28, 23, 59, 0, 0, time.UTC)
	for b.Loop() {
		t = s.Next(t)
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := schedule.Parse("cron(0/5 8-17 ? * MON-FRI 2024-2030)"); err != nil {
			b.Fatal(err)
		}
	}
}
