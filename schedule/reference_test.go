package schedule

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// refDay decides whether date y-m-d satisfies the day rule by looking at the
// calendar directly, without the arithmetic dayRule.days uses, so that the two
// check each other.
func refDay(r dayRule, y int, m time.Month, d int) bool {
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	inMonth := func(t time.Time) bool { return t.Month() == m }
	weekend := func(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }
	awsWeekday := int(date.Weekday()) + 1
	switch r.kind {
	case domSet:
		return r.set&(1<<d) != 0
	case domLast:
		return !inMonth(date.AddDate(0, 0, 1))
	case domLastWeekday:
		// The last Monday-Friday: no later weekday in the month.
		if weekend(date) {
			return false
		}
		for t := date.AddDate(0, 0, 1); inMonth(t); t = t.AddDate(0, 0, 1) {
			if !weekend(t) {
				return false
			}
		}
		return true
	case domNearestWeekday:
		// The Monday-Friday of this month closest to day n; n itself must exist.
		target := time.Date(y, m, r.n, 0, 0, 0, 0, time.UTC)
		if !inMonth(target) || weekend(date) {
			return false
		}
		dist := func(t time.Time) int { return max(int(t.Sub(target).Hours()/24), int(target.Sub(t).Hours()/24)) }
		for t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC); inMonth(t); t = t.AddDate(0, 0, 1) {
			if !weekend(t) && dist(t) < dist(date) {
				return false
			}
		}
		return true
	case dowSet:
		return r.set&(1<<awsWeekday) != 0
	case dowLast:
		return awsWeekday == r.n && !inMonth(date.AddDate(0, 0, 7))
	case dowNth:
		return awsWeekday == r.n && (d-1)/7+1 == r.nth
	}
	panic("unknown day kind")
}

// refNext finds the first fire time after after and no later than limit by
// walking day by day and then minute by minute.
func refNext(c *Cron, after, limit time.Time) time.Time {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	for day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC); !day.After(limit); day = day.AddDate(0, 0, 1) {
		y, m, d := day.Date()
		if !c.hasYear(y) || c.months&(1<<int(m)) == 0 || !refDay(c.day, y, m, d) {
			continue
		}
		for mins := 0; mins < 24*60; mins++ {
			at := day.Add(time.Duration(mins) * time.Minute)
			if at.Before(t) || at.After(limit) {
				continue
			}
			if c.hours&(1<<at.Hour()) != 0 && c.minutes&(1<<at.Minute()) != 0 {
				return at
			}
		}
	}
	return time.Time{}
}

// genCron writes a random valid cron expression, mixing every form.
func genCron(rng *rand.Rand) string {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	num := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	common := func(lo, hi int, name func(int) string) string {
		v := func() string {
			n := num(lo, hi)
			if name != nil && rng.IntN(2) == 0 {
				return name(n)
			}
			return fmt.Sprint(n)
		}
		item := func() string {
			switch rng.IntN(5) {
			case 0:
				return v() + "-" + v() // may wrap
			case 1:
				return v() + "/" + fmt.Sprint(num(1, hi))
			case 2:
				return v() + "-" + v() + "/" + fmt.Sprint(num(1, hi))
			case 3:
				return "*/" + fmt.Sprint(num(1, hi))
			}
			return v()
		}
		switch rng.IntN(4) {
		case 0:
			return "*"
		case 1:
			items := []string{item()}
			for rng.IntN(2) == 0 {
				items = append(items, item())
			}
			return strings.Join(items, ",")
		}
		return item()
	}
	month := func(n int) string { return monthNames[3*(n-1) : 3*n] }
	day := func(n int) string { return dayNames[3*(n-1) : 3*n] }
	// Sparse minutes and hours keep the brute force quick; years near now
	// keep the horizon useful.
	minutes := pick("0", "*/20", "15,45", "0-10/5", "50-5/7", common(0, 59, nil))
	hours := pick("0", "23", "22-1", "*/6", common(0, 23, nil))
	months := common(1, 12, month)
	years := pick("*", "*", "2024-2026", "2025", "2023,2025/2", "2020-2024")
	var dom, dow string
	if rng.IntN(2) == 0 {
		dom, dow = pick("L", "LW", fmt.Sprint(num(1, 31))+"W", fmt.Sprint(num(28, 31))+"W", "*", common(1, 31, nil)), "?"
	} else {
		w := func() string {
			if rng.IntN(2) == 0 {
				return day(num(1, 7))
			}
			return fmt.Sprint(num(1, 7))
		}
		dom, dow = "?", pick("L", "*", w()+"L", w()+"#"+fmt.Sprint(num(1, 5)), w()+"-"+w(), w()+","+w(), w())
	}
	return fmt.Sprintf("cron(%s %s %s %s %s %s)", minutes, hours, dom, months, dow, years)
}

// TestCronNextAgainstReference compares Next with the brute-force search on
// many generated expressions, several steps each, across month ends, leap
// days and year ends.
func TestCronNextAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 400
	if testing.Short() {
		n = 60
	}
	limit := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	starts := []time.Time{
		time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC),
		time.Date(2024, 2, 28, 22, 59, 30, 0, time.UTC),
		time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC),
	}
	for i := 0; i < n; i++ {
		expr := genCron(rng)
		s, err := Parse(expr)
		if err != nil {
			t.Fatalf("generated %q: %v", expr, err)
		}
		c := s.(*Cron)
		prev := starts[i%len(starts)]
		for step := 0; step < 6; step++ {
			got, want := c.Next(prev), refNext(c, prev, limit)
			if want.IsZero() {
				if !got.IsZero() && !got.After(limit) {
					t.Fatalf("%s: Next(%v) = %v, reference finds nothing before %v", expr, prev, got, limit)
				}
				break
			}
			if !got.Equal(want) {
				t.Fatalf("%s: Next(%v) = %v, reference %v", expr, prev, got, want)
			}
			prev = got
		}
	}
}

// TestDayRuleEveryMonth checks the day arithmetic for every month of 28
// years (a full cycle of weekdays and leap years) and every day rule.
func TestDayRuleEveryMonth(t *testing.T) {
	var rules []dayRule
	rules = append(rules, dayRule{kind: domLast}, dayRule{kind: domLastWeekday})
	for n := 1; n <= 31; n++ {
		rules = append(rules, dayRule{kind: domNearestWeekday, n: n}, dayRule{kind: domSet, set: 1 << n})
	}
	for w := 1; w <= 7; w++ {
		rules = append(rules, dayRule{kind: dowLast, n: w}, dayRule{kind: dowSet, set: 1 << w})
		for k := 1; k <= 5; k++ {
			rules = append(rules, dayRule{kind: dowNth, n: w, nth: k})
		}
	}
	for y := 2000; y < 2028; y++ {
		for m := time.January; m <= time.December; m++ {
			for _, r := range rules {
				got := r.days(y, m)
				var want uint64
				for d := 1; d <= daysIn(y, m); d++ {
					if refDay(r, y, m, d) {
						want |= 1 << d
					}
				}
				if got != want {
					t.Fatalf("%+v in %d-%02d: days %b, want %b", r, y, m, got, want)
				}
			}
		}
	}
}

func TestAtoi(t *testing.T) {
	tests := []struct {
		s     string
		limit int
		want  int
		ok    bool
	}{
		{"0", 59, 0, true}, {"59", 59, 59, true}, {"60", 59, 0, false}, {"059", 59, 59, true},
		{"7", 7, 7, true}, {"8", 7, 0, false}, {"", 59, 0, false}, {"5a", 59, 0, false},
		{"2147483647", 2147483647, 2147483647, true}, {"2147483648", 2147483647, 0, false},
		{"99999999999999999999999", 2147483647, 0, false}, {"+1", 59, 0, false}, {"-1", 59, 0, false},
	}
	for _, tt := range tests {
		if got, ok := atoi(tt.s, tt.limit); got != tt.want || ok != tt.ok {
			t.Errorf("atoi(%q, %d) = %d, %v; want %d, %v", tt.s, tt.limit, got, ok, tt.want, tt.ok)
		}
	}
}
