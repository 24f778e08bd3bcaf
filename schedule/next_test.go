package schedule_test

import (
	"testing"
	"time"

	"github.com/trailbridge/trailbridge/schedule"
)

// at parses an RFC 3339 time for test tables; "" is the zero Time, meaning
// "never fires again".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCronNext checks fire sequences worked out by hand from a calendar. Each
// step asks for the time after the previous answer (after the start time
// first), so every sequence also checks that Next moves strictly forward.
func TestCronNext(t *testing.T) {
	tests := []struct {
		name, expr, after string
		want              []string
	}{
		{"last day of a leap February", "cron(0 0 L * ? *)", "2024-02-10T00:00:00Z",
			[]string{"2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z", "2024-04-30T00:00:00Z"}},
		{"last day of a common February", "cron(0 0 L * ? *)", "2023-02-10T00:00:00Z",
			[]string{"2023-02-28T00:00:00Z", "2023-03-31T00:00:00Z"}},
		{"2100 is not a leap year", "cron(30 6 L 2 ? *)", "2100-01-01T00:00:00Z",
			[]string{"2100-02-28T06:30:00Z", "2101-02-28T06:30:00Z"}},
		{"2000 is a leap year", "cron(30 6 L 2 ? *)", "1999-06-01T00:00:00Z",
			[]string{"2000-02-29T06:30:00Z", "2001-02-28T06:30:00Z"}},
		{"day 31 skips short months", "cron(59 23 31 * ? *)", "2024-01-31T23:59:00Z",
			[]string{"2024-03-31T23:59:00Z", "2024-05-31T23:59:00Z", "2024-07-31T23:59:00Z", "2024-08-31T23:59:00Z"}},
		{"Feb 29 only in leap years", "cron(0 12 29 FEB ? *)", "2024-03-01T00:00:00Z",
			[]string{"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"}},
		// 2024-06-15 is a Saturday and 2024-09-15 a Sunday.
		{"15W on a weekday, Saturday and Sunday", "cron(0 0 15W * ? *)", "2024-05-20T00:00:00Z",
			[]string{"2024-06-14T00:00:00Z", "2024-07-15T00:00:00Z", "2024-08-15T00:00:00Z", "2024-09-16T00:00:00Z"}},
		// 2024-06-01 is a Saturday: 1W does not move back into May.
		{"1W on a Saturday moves to Monday the 3rd", "cron(0 0 1W * ? *)", "2024-05-02T00:00:00Z",
			[]string{"2024-06-03T00:00:00Z", "2024-07-01T00:00:00Z"}},
		// 2025-06-01 is a Sunday.
		{"1W on a Sunday moves to Monday the 2nd", "cron(0 0 1W * ? *)", "2025-05-02T00:00:00Z",
			[]string{"2025-06-02T00:00:00Z"}},
		// 2024-03-31 is a Sunday: 31W does not move forward into April; April
		// and other 30-day months have no 31st.
		{"31W on a final Sunday moves to Friday", "cron(0 0 31W * ? *)", "2024-03-01T00:00:00Z",
			[]string{"2024-03-29T00:00:00Z", "2024-05-31T00:00:00Z"}},
		{"30W skips February", "cron(0 0 30W * ? *)", "2024-01-31T00:00:00Z",
			[]string{"2024-03-29T00:00:00Z"}}, // March 30 2024 is a Saturday
		// 2024-03-31 is a Sunday, 2024-11-30 a Saturday.
		{"LW", "cron(0 21 LW * ? *)", "2024-03-01T00:00:00Z",
			[]string{"2024-03-29T21:00:00Z", "2024-04-30T21:00:00Z"}},
		{"LW on a final Saturday", "cron(0 21 LW * ? *)", "2024-11-01T00:00:00Z",
			[]string{"2024-11-29T21:00:00Z", "2024-12-31T21:00:00Z"}},
		{"6L: last Friday", "cron(0 0 ? * 6L *)", "2024-02-10T00:00:00Z",
			[]string{"2024-02-23T00:00:00Z", "2024-03-29T00:00:00Z", "2024-04-26T00:00:00Z"}},
		{"SATL: last Saturday, named", "cron(0 0 ? * satL *)", "2024-11-01T00:00:00Z",
			[]string{"2024-11-30T00:00:00Z", "2024-12-28T00:00:00Z"}},
		{"2#1: first Monday", "cron(0 9 ? * 2#1 *)", "2024-02-01T00:00:00Z",
			[]string{"2024-02-05T09:00:00Z", "2024-03-04T09:00:00Z", "2024-04-01T09:00:00Z"}},
		{"2#1 after this month's", "cron(0 9 ? * 2#1 *)", "2024-02-10T00:00:00Z",
			[]string{"2024-03-04T09:00:00Z"}},
		// February 2024 starts on a Thursday and has 29 days.
		{"5#5: fifth Thursday, leap February", "cron(0 0 ? * 5#5 *)", "2024-01-31T00:00:00Z",
			[]string{"2024-02-29T00:00:00Z", "2024-05-30T00:00:00Z"}},
		{"MON#5 skips months with four Mondays", "cron(0 0 ? * MON#5 *)", "2024-01-30T00:00:00Z",
			[]string{"2024-04-29T00:00:00Z", "2024-07-29T00:00:00Z", "2024-09-30T00:00:00Z", "2024-12-30T00:00:00Z"}},
		{"L alone in day-of-week is Saturday", "cron(0 0 ? * L *)", "2024-02-07T00:00:00Z",
			[]string{"2024-02-10T00:00:00Z", "2024-02-17T00:00:00Z"}},
		{"weekday range that wraps", "cron(0 12 ? * FRI-MON *)", "2024-02-07T00:00:00Z",
			[]string{"2024-02-09T12:00:00Z", "2024-02-10T12:00:00Z", "2024-02-11T12:00:00Z", "2024-02-12T12:00:00Z", "2024-02-16T12:00:00Z"}},
		// AWS's own example; every weekday is matched on its own, so Saturday
		// morning has no firings and Friday evening does.
		{"hour range that wraps", "cron(0/30 20-2 ? * MON-FRI *)", "2024-02-09T19:40:00Z",
			[]string{"2024-02-09T20:00:00Z", "2024-02-09T20:30:00Z", "2024-02-09T21:00:00Z"}},
		{"wrapping hours resume Monday", "cron(0/30 20-2 ? * MON-FRI *)", "2024-02-09T23:45:00Z",
			[]string{"2024-02-12T00:00:00Z", "2024-02-12T00:30:00Z", "2024-02-12T01:00:00Z", "2024-02-12T01:30:00Z",
				"2024-02-12T02:00:00Z", "2024-02-12T02:30:00Z", "2024-02-12T20:00:00Z"}},
		{"every 15 minutes", "cron(0/15 * * * ? *)", "2024-02-10T10:07:30Z",
			[]string{"2024-02-10T10:15:00Z", "2024-02-10T10:30:00Z", "2024-02-10T10:45:00Z", "2024-02-10T11:00:00Z"}},
		{"1/10 minutes", "cron(1/10 * * * ? *)", "2024-02-10T10:45:00Z",
			[]string{"2024-02-10T10:51:00Z", "2024-02-10T11:01:00Z"}},
		{"wrapping stepped hours", "cron(0 22-2/2 * * ? *)", "2024-02-10T21:00:00Z",
			[]string{"2024-02-10T22:00:00Z", "2024-02-11T00:00:00Z", "2024-02-11T02:00:00Z", "2024-02-11T22:00:00Z"}},
		{"every 10th day", "cron(0 0 1/10 * ? *)", "2024-01-05T00:00:00Z",
			[]string{"2024-01-11T00:00:00Z", "2024-01-21T00:00:00Z", "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z"}},
		{"quarterly by month names", "cron(0 0 1 JAN/3 ? *)", "2024-01-01T00:00:00Z",
			[]string{"2024-04-01T00:00:00Z", "2024-07-01T00:00:00Z", "2024-10-01T00:00:00Z", "2025-01-01T00:00:00Z"}},
		{"month range that wraps", "cron(0 0 1 NOV-FEB ? *)", "2024-02-15T00:00:00Z",
			[]string{"2024-11-01T00:00:00Z", "2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "2025-11-01T00:00:00Z"}},
		{"new year", "cron(0 0 1 1 ? *)", "2024-12-31T23:59:30Z",
			[]string{"2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}},
		{"strictly after a fire time", "cron(0 10 * * ? *)", "2024-02-10T10:00:00Z",
			[]string{"2024-02-11T10:00:00Z"}},
		{"just before a fire time", "cron(0 10 * * ? *)", "2024-02-10T09:59:59.999999999Z",
			[]string{"2024-02-10T10:00:00Z"}},
		{"within the fire minute", "cron(0 10 * * ? *)", "2024-02-10T10:00:00.5Z",
			[]string{"2024-02-11T10:00:00Z"}},
		{"every minute", "cron(* * * * ? *)", "2024-02-28T23:58:10Z",
			[]string{"2024-02-28T23:59:00Z", "2024-02-29T00:00:00Z", "2024-02-29T00:01:00Z"}},
		{"year list ends", "cron(0 12 31 12 ? 2024-2025)", "2024-06-01T00:00:00Z",
			[]string{"2024-12-31T12:00:00Z", "2025-12-31T12:00:00Z", ""}},
		{"year list already over", "cron(15 10 ? * 6L 2019-2022)", "2023-01-01T00:00:00Z",
			[]string{""}},
		{"year list in the future", "cron(15 10 ? * 6L 2019-2022)", "2018-06-01T00:00:00Z",
			[]string{"2019-01-25T10:15:00Z", "2019-02-22T10:15:00Z"}},
		{"year steps", "cron(0 0 1 1 ? 2020/4)", "2021-01-01T00:00:00Z",
			[]string{"2024-01-01T00:00:00Z", "2028-01-01T00:00:00Z"}},
		{"last year AWS allows", "cron(* * * * ? *)", "2199-12-31T23:58:00Z",
			[]string{"2199-12-31T23:59:00Z", ""}},
		{"after 2199", "cron(0 0 1 1 ? *)", "2199-01-01T00:00:00Z",
			[]string{""}},
		{"before 1970", "cron(0 0 1 1 ? *)", "1900-05-01T00:00:00Z",
			[]string{"1970-01-01T00:00:00Z", "1971-01-01T00:00:00Z"}},
		{"from the zero Time", "cron(0 0 1 1 ? 1970)", "0001-01-01T00:00:00Z",
			[]string{"1970-01-01T00:00:00Z", ""}},
		{"never fires: February 30", "cron(0 0 30 2 ? *)", "1970-01-01T00:00:00Z",
			[]string{""}},
		{"never fires: 31st of a 30-day month", "cron(0 0 31 APR,JUN,SEP,NOV ? *)", "2024-01-01T00:00:00Z",
			[]string{""}},
		{"never fires: fifth Monday of February in a past year", "cron(0 0 ? 2 MON#5 2023)", "2000-01-01T00:00:00Z",
			[]string{""}},
		// 2038-02-01 is a Monday, and 2038 is not a leap year.
		{"far future", "cron(0 0 ? 2 2#4 2038)", "2030-01-01T00:00:00Z",
			[]string{"2038-02-22T00:00:00Z", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := schedule.Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			prev := at(t, tt.after)
			for i, w := range tt.want {
				got, want := s.Next(prev), at(t, w)
				if !got.Equal(want) || got.Location() != time.UTC {
					t.Fatalf("%s: step %d: Next(%v) = %v, want %v (UTC)", tt.expr, i, prev, got, want)
				}
				if got.IsZero() {
					break
				}
				prev = got
			}
		})
	}
}

// TestCronNextConvertsToUTC: cron fields are UTC whatever zone the caller's
// time is in.
func TestCronNextConvertsToUTC(t *testing.T) {
	s, err := schedule.Parse("cron(0 7 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	eastern := time.FixedZone("EST", -5*60*60)
	after := time.Date(2024, 3, 10, 1, 30, 0, 0, eastern) // 06:30Z
	want := time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)
	if got := s.Next(after); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Next(%v) = %v, want %v", after, got, want)
	}
}

// TestCronNextWeekdayNumbering pins 1 = Sunday, unlike Unix cron.
func TestCronNextWeekdayNumbering(t *testing.T) {
	after := time.Date(2024, 2, 10, 0, 0, 0, 0, time.UTC) // a Saturday
	for w, day := range []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday} {
		for _, expr := range []string{
			"cron(0 0 ? * " + string(rune('1'+w)) + " *)",
			"cron(0 0 ? * " + day.String()[:3] + " *)",
		} {
			s, err := schedule.Parse(expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(after); got.Weekday() != day {
				t.Errorf("%s fires on %v, want %v", expr, got.Weekday(), day)
			}
		}
	}
}
