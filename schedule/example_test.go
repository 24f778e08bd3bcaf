package schedule_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/schedule"
)

func ExampleParse() {
	// Every weekday at 18:00 UTC.
	s, err := schedule.Parse("cron(0 18 ? * MON-FRI *)")
	if err != nil {
		fmt.Println(err)
		return
	}
	t := time.Date(2024, 2, 9, 12, 0, 0, 0, time.UTC) // a Friday
	for range 3 {
		t = s.Next(t)
		fmt.Println(t.Format("Mon 2006-01-02 15:04"))
	}
	// Output:
	// Fri 2024-02-09 18:00
	// Mon 2024-02-12 18:00
	// Tue 2024-02-13 18:00
}

func ExampleParse_invalid() {
	_, err := schedule.Parse("rate(1 minutes)")
	var e *trailbridge.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Message)
	}
	// Output: ValidationException Parameter ScheduleExpression is not valid.
}

func ExampleParse_lastFriday() {
	s, _ := schedule.Parse("cron(15 10 ? * 6L 2019-2022)")
	fmt.Println(s.Next(time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)))
	fmt.Println(s.Next(time.Date(2022, 12, 30, 10, 15, 0, 0, time.UTC)).IsZero())
	// Output:
	// 2022-12-30 10:15:00 +0000 UTC
	// true
}

func ExampleRate_WithStart() {
	s, _ := schedule.Parse("rate(5 minutes)")
	// The rule was created at 10:02:40; it first fires one interval later.
	created := time.Date(2024, 2, 10, 10, 2, 40, 0, time.UTC)
	s = s.(schedule.Rate).WithStart(created)
	t := created
	for range 3 {
		t = s.Next(t)
		fmt.Println(t.Format("15:04"))
	}
	// Output:
	// 10:07
	// 10:12
	// 10:17
}
