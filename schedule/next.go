package schedule

import (
	"math/bits"
	"time"
)

// Next returns the first fire time strictly after after, or the zero Time
// when there is none. Fire times are whole minutes in UTC, the year field ends
// in 2199, and so the search ends there: it visits each year and month at
// most once and each matching day's hours and minutes by bit scans, whatever
// the expression.
func (c *Cron) Next(after time.Time) time.Time {
	t := after.UTC().Truncate(time.Minute).Add(time.Minute)
	if t.Year() < minYear {
		t = time.Date(minYear, time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	y, mo, d := t.Year(), int(t.Month()), t.Day()
	h, mi := t.Hour(), t.Minute()
	// Each loop starts where the search stands; once it moves past the
	// starting year, month or day, the smaller fields start over from 0/1.
	for ; y <= maxYear; y, mo, d, h, mi = y+1, 1, 1, 0, 0 {
		if !c.hasYear(y) {
			continue
		}
		for ; mo <= 12; mo, d, h, mi = mo+1, 1, 0, 0 {
			if c.months&(1<<mo) == 0 {
				continue
			}
			for days := c.day.days(y, time.Month(mo)) >> d << d; days != 0; days &= days - 1 {
				day := bits.TrailingZeros64(days)
				if day != d {
					h, mi = 0, 0
				}
				if hr, m, ok := c.timeOfDay(h, mi); ok {
					return time.Date(y, time.Month(mo), day, hr, m, 0, 0, time.UTC)
				}
				d, h, mi = day+1, 0, 0
			}
		}
	}
	return time.Time{}
}

// timeOfDay returns the first allowed hour and minute at or after h:mi.
func (c *Cron) timeOfDay(h, mi int) (int, int, bool) {
	for hr := nextBit(c.hours, h); hr >= 0; hr = nextBit(c.hours, hr+1) {
		from := 0
		if hr == h {
			from = mi
		}
		if m := nextBit(c.minutes, from); m >= 0 {
			return hr, m, true
		}
	}
	return 0, 0, false
}

func (c *Cron) hasYear(y int) bool {
	i := y - minYear
	return i >= 0 && y <= maxYear && c.years[i/64]&(1<<(i%64)) != 0
}

// nextBit returns the lowest set bit of set at position from or above, or -1.
func nextBit(set uint64, from int) int {
	if from >= 64 {
		return -1
	}
	set = set >> from << from
	if set == 0 {
		return -1
	}
	return bits.TrailingZeros64(set)
}

// days returns the days of month m of year y that the rule allows, as bit d
// for day d.
func (r dayRule) days(y int, m time.Month) uint64 {
	last := daysIn(y, m)
	// Weekday of the 1st, 0 = Sunday; day d falls on (first+d-1)%7.
	first := int(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday())
	weekday := func(d int) int { return (first + d - 1) % 7 }
	switch r.kind {
	case domSet:
		return r.set & (1<<(last+1) - 1)
	case domLast:
		return 1 << last
	case domLastWeekday:
		d := last
		switch weekday(d) {
		case 6: // Saturday
			d--
		case 0: // Sunday
			d -= 2
		}
		return 1 << d
	case domNearestWeekday:
		d := r.n
		if d > last {
			return 0 // as with a plain 31, a short month has no such day
		}
		// The nearest weekday stays inside the month.
		switch weekday(d) {
		case 6: // Saturday: the Friday before, or Monday the 3rd
			if d == 1 {
				d = 3
			} else {
				d--
			}
		case 0: // Sunday: the Monday after, or the Friday before the end
			if d == last {
				d -= 2
			} else {
				d++
			}
		}
		return 1 << d
	case dowSet:
		var set uint64
		for d := 1; d <= last; d++ {
			if r.set&(1<<(weekday(d)+1)) != 0 {
				set |= 1 << d
			}
		}
		return set
	case dowLast:
		d := firstWeekday(first, r.n)
		return 1 << (d + (last-d)/7*7)
	case dowNth:
		d := firstWeekday(first, r.n) + 7*(r.nth-1)
		if d > last {
			return 0
		}
		return 1 << d
	}
	return 0
}

// firstWeekday returns the first day of a month whose 1st falls on weekday
// first (0 = Sunday) that falls on AWS weekday w (1 = Sunday).
func firstWeekday(first, w int) int {
	return 1 + (w-1-first+7)%7
}

func daysIn(y int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
