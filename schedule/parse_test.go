package schedule_test

import (
	"errors"
	"testing"

	"github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/schedule"
)

// accepted lists expressions that must parse. The first group are AWS's
// documented or AWS-validated examples; the rest exercise each documented
// form and the decisions taken where the documentation is silent.
var accepted = []string{
	// From the AWS documentation and requests validated against AWS.
	"rate(1 minute)",
	"rate(5 minutes)",
	"rate(1 hour)",
	"rate(1 day)",
	"cron(0 10 * * ? *)",
	"cron(15 12 * * ? *)",
	"cron(0 18 ? * MON-FRI *)",
	"cron(0 8 1 * ? *)",
	"cron(0/15 * * * ? *)",
	"cron(0/10 * ? * MON-FRI *)",
	"cron(0/5 8-17 ? * MON-FRI *)",
	"cron(0/30 20-2 ? * MON-FRI *)",
	"cron(0 12 * * ? *)",
	"cron(5,35 14 * * ? *)",
	"cron(15 10 ? * 6L 2019-2022)",
	"cron(15 10 ? * 6L 2002-2005)",
	"cron(0 2 ? * SAT *)",
	"cron(0 2 ? * SAT#3 *)",
	"cron(* * ? * SAT#3 *)",
	"cron(0/5 5 ? JAN 1-5 2022)",
	"cron(0/30 20-23 ? * MON-FRI *)",
	"cron(0/30 0-2 ? * MON-FRI *)",
	"cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
	"cron(30-30 13-13 ? * 2,4,6 *)",
	"cron(1-31/30 1-1 ? * 1,7 *)",
	// Named in the brief.
	"cron(0 9 ? * 2#1 *)",
	"cron(0 0 L * ? *)",
	"cron(0 0 ? * 6L *)",
	"cron(0 0 15W * ? *)",
	// Each form.
	"rate(2 minutes)",
	"rate(24 hours)",
	"rate(7 days)",
	"rate(10 minutes)",
	"rate(2147483647 days)",
	"cron(* * * * ? *)",
	"cron(* * ? * * *)",
	"cron(* 1 * * ? *)",
	"cron(0 * ? * * *)",
	"cron(59 23 31 12 ? 2199)",
	"cron(0 0 1 1 ? 1970)",
	"cron(0 0 1 1 ? 1970-2199/10)",
	"cron(0 0 1 1 ? 2024,2026,2199)",
	"cron(0 0 1 1 ? */5)",
	"cron(0 0 1 1 ? 2030/2199)",
	"cron(0 0 1/10 * ? *)",
	"cron(0 0 1 JAN/3 ? *)",
	"cron(0 0 1 1-12/3 ? *)",
	"cron(0 0 1 NOV-FEB ? *)",
	"cron(0 0 1 02-MAR ? *)",
	"cron(0 1-7/2,11-23/2 * * ? *)",
	"cron(0 1-7/2,11-23/2,10 * * ? *)",
	"cron(0 22-2/2 * * ? *)",
	"cron(0 5-4 * * ? *)",
	"cron(*/1 * * * ? *)",
	"cron(*/59 */23 */31 */12 ? *)",
	"cron(0,*/20 * * * ? *)",
	"cron(0 0 ? * FRI-MON *)",
	"cron(0 0 ? * 7-1 *)",
	"cron(0 0 ? * L *)",
	"cron(0 0 ? * 1L *)",
	"cron(0 0 ? * 1#1 *)",
	"cron(0 0 ? * 7#5 *)",
	"cron(0 0 1W * ? *)",
	"cron(0 0 31W * ? *)",
	"cron(0 0 LW * ? *)",
	"cron(0 0 30 2 ? *)",
	"cron(0 0 25-5 * ? *)",
	// Decisions where the documentation is silent.
	"cron(0 21 LW * ? *)",          // last weekday, reported working in AWS
	"cron(1/5 8-17 ? * Mon-Fri *)", // names in any case
	"cron(10 10 15 jan,Jul,DEC ? *)",
	"cron(0 8 ? * monL *)",
	"cron(0 8 ? * sat#2 *)",
	"cron(0 08 01 * ? *)", // leading zeros in cron numbers
	"cron(00 0/05 * * ? 02024)",
}

// rejected lists expressions that must fail with AWS's message. The first
// group were rejected by AWS itself.
var rejected = []string{
	// Rejected by AWS.
	"cron(0 1 * * * *)",
	"cron(71 8 1 * ? *)",
	"cron(7 20 * * NOT *)",
	"cron(INVALID)",
	"cron(0 dummy ? * MON-FRI *)",
	"cron()",
	"rate(10 seconds)",
	"rate(10 years)",
	"rate(1 minutes)",
	"rate(1 hours)",
	"rate(1 days)",
	"rate(10 minute)",
	"rate(10 hour)",
	"rate(10 day)",
	"rate()",
	"rate(10)",
	"rate(10 minutess)",
	"rate(foo minutes)",
	"rate(0 minutes)",
	"rate(-10 minutes)",
	"rate(10 MINUTES)",
	"rate( 10 minutes )",
	" rate(10 minutes)",
	"at(2021-12-31T23:59:59Z)",
	// Overall form.
	"",
	"rate",
	"cron",
	"rate(5 minutes) ",
	"rate(5 minutes)\n",
	"rate(5 minutes",
	"rate 5 minutes",
	"rate(5 minutes))",
	"RATE(5 minutes)",
	"Rate(5 minutes)",
	"cron( 0 10 * * ? * )",
	"cron(0 10 * * ? * )",
	"cron( 0 10 * * ? *)",
	" cron(0 10 * * ? *)",
	"cron(0 10 * * ? *) ",
	"CRON(0 10 * * ? *)",
	"cron(0 10 * * ? *)x",
	"cron((0 10 * * ? *)",
	"cron[0 10 * * ? *]",
	// Rates.
	"rate(+5 minutes)",
	"rate(05 minutes)",
	"rate(00 minutes)",
	"rate(5  minutes)",
	"rate(5\tminutes)",
	"rate(5 Minutes)",
	"rate(5 mins)",
	"rate(1.5 hours)",
	"rate(1e3 minutes)",
	"rate(5 minutes 2)",
	"rate(minutes 5)",
	"rate(2147483648 minutes)",
	"rate(99999999999999999999 days)",
	"rate(１ minute)",
	// Field count and separators.
	"cron(0 10 * * ?)",
	"cron(0 0 10 * * ? *)",
	"cron(0  10 * * ? *)",
	"cron(0\t10 * * ? *)",
	"cron(0 10 * * ? *  )",
	// The "?" rule.
	"cron(0 10 ? * ? *)",
	"cron(0 10 1 * MON *)",
	"cron(0 10 * * 1 *)",
	"cron(? 10 * * ? *)",
	"cron(0 ? * * ? *)",
	"cron(0 10 * ? ? *)",
	"cron(0 10 * * ? ?)",
	"cron(0 10 ?,1 * ? *)",
	"cron(0 10 1 * ?,1 *)",
	// Ranges of values.
	"cron(60 * * * ? *)",
	"cron(-1 * * * ? *)",
	"cron(0 24 * * ? *)",
	"cron(0 0 0 * ? *)",
	"cron(0 0 32 * ? *)",
	"cron(0 0 * 0 ? *)",
	"cron(0 0 * 13 ? *)",
	"cron(0 0 ? * 0 *)",
	"cron(0 0 ? * 8 *)",
	"cron(0 0 * * ? 1969)",
	"cron(0 0 * * ? 2200)",
	"cron(0 0 * * ? 19700)",
	"cron(0 0 * * ? 2025-2024)",
	"cron(0 0 * * ? 2024-2200)",
	"cron(0 0 1-32 * ? *)",
	// Lists, ranges and increments.
	"cron(*,5 * * * ? *)",
	"cron(*-5 * * * ? *)",
	"cron(5-* * * * ? *)",
	"cron(1,,2 * * * ? *)",
	"cron(1, * * * ? *)",
	"cron(,1 * * * ? *)",
	"cron(0/5, 9-18 * * ? *)",
	"cron(1-2-3 * * * ? *)",
	"cron(-5 * * * ? *)",
	"cron(5- * * * ? *)",
	"cron(*/0 * * * ? *)",
	"cron(0/60 * * * ? *)",
	"cron(0 0/24 * * ? *)",
	"cron(0 0 1/32 * ? *)",
	"cron(0 0 1 1/13 ? *)",
	"cron(0/ * * * ? *)",
	"cron(/5 * * * ? *)",
	"cron(5/ * * * ? *)",
	"cron(0/5/2 * * * ? *)",
	"cron(*/* * * * ? *)",
	"cron(0/-5 * * * ? *)",
	"cron(0/+5 * * * ? *)",
	"cron(+5 * * * ? *)",
	"cron(0 0 ? * */2 *)",
	"cron(0 0 ? * 1/2 *)",
	"cron(0 0 ? * MON/2 *)",
	"cron(0 0 ? * 1-7/2 *)",
	// Names.
	"cron(0 0 1 JANUARY ? *)",
	"cron(0 0 1 JA ? *)",
	"cron(0 0 ? * MONDAY *)",
	"cron(0 0 ? * MO *)",
	"cron(0 0 1 MON ? *)",
	"cron(0 0 ? * JAN *)",
	"cron(JAN 0 1 * ? *)",
	"cron(0 0 * * ? JAN)",
	"cron(0 0 1 ſep ? *)",
	"cron(0 0 ? * ſun *)",
	// L, W and #.
	"cron(L 0 * * ? *)",
	"cron(0 L * * ? *)",
	"cron(0 0 * L ? *)",
	"cron(0 0 * * ? L)",
	"cron(0 0 l * ? *)",
	"cron(0 0 lw * ? *)",
	"cron(0 0 15w * ? *)",
	"cron(0 0 ? * 5l *)",
	"cron(0 0 W * ? *)",
	"cron(0 0 0W * ? *)",
	"cron(0 0 32W * ? *)",
	"cron(0 0 1W,15W * ? *)",
	"cron(0 0 1,15W * ? *)",
	"cron(0 0 1-5W * ? *)",
	"cron(0 0 */5W * ? *)",
	"cron(0 0 WL * ? *)",
	"cron(0 0 L-3 * ? *)",
	"cron(0 0 L,1 * ? *)",
	"cron(0 0 1,L * ? *)",
	"cron(0 0 3L * ? *)",
	"cron(0 0 LL * ? *)",
	"cron(0 0 15W * ? *)x",
	"cron(0 0 ? * 1W *)",
	"cron(0 0 ? * LW *)",
	"cron(0 0 ? * L-2 *)",
	"cron(0 0 ? * 0L *)",
	"cron(0 0 ? * 8L *)",
	"cron(0 0 ? * 5L,6 *)",
	"cron(0 0 ? * 6,5L *)",
	"cron(0 0 ? * 1-5L *)",
	"cron(0 0 ? * LL *)",
	"cron(0 0 ? * 3#1,6#3 *)",
	"cron(0 0 ? * 3#0 *)",
	"cron(0 0 ? * 3#6 *)",
	"cron(0 0 ? * 3#01 *)",
	"cron(0 0 ? * 3#1#2 *)",
	"cron(0 0 ? * 8#1 *)",
	"cron(0 0 ? * 0#1 *)",
	"cron(0 0 ? * #1 *)",
	"cron(0 0 ? * 3# *)",
	"cron(0 0 ? * 1-3#1 *)",
	"cron(0 0 ? * L#2 *)",
	"cron(0 0 ? * 5L#2 *)",
	"cron(0 0 ? * *#2 *)",
	"cron(0 0 15# * ? *)",
	"cron(0 0 1#1 * ? *)",
	"cron(0#1 0 1 * ? *)",
}

func TestParseAccepts(t *testing.T) {
	for _, expr := range accepted {
		s, err := schedule.Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q) = %v, want accepted", expr, err)
			continue
		}
		if got := s.String(); got != expr {
			t.Errorf("Parse(%q).String() = %q", expr, got)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, expr := range rejected {
		s, err := schedule.Parse(expr)
		if err == nil {
			t.Errorf("Parse(%q) accepted it as %v, want rejected", expr, s)
			continue
		}
		checkAWSError(t, expr, err)
	}
}

// checkAWSError asserts that err is AWS's refusal of a ScheduleExpression.
func checkAWSError(t *testing.T, expr string, err error) {
	t.Helper()
	var e *trailbridge.Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse(%q) error %T %v, want *trailbridge.Error", expr, err, err)
	}
	if e.Code != trailbridge.CodeValidation || e.Message != "Parameter ScheduleExpression is not valid." || e.HTTPStatus() != 400 {
		t.Fatalf("Parse(%q) error = %+v, want AWS's ValidationException", expr, e)
	}
}

// TestParseErrorsAreIndependent guards against a shared error value that one
// caller could alter for the others.
func TestParseErrorsAreIndependent(t *testing.T) {
	_, err1 := schedule.Parse("rate(0 minutes)")
	_, err2 := schedule.Parse("rate(0 minutes)")
	if err1 == err2 {
		t.Fatal("Parse returned the same error value twice")
	}
}

func TestParseTypes(t *testing.T) {
	if s, _ := schedule.Parse("rate(5 minutes)"); func() bool { _, ok := s.(schedule.Rate); return !ok }() {
		t.Errorf("rate expression parsed to %T, want schedule.Rate", s)
	}
	if s, _ := schedule.Parse("cron(0 10 * * ? *)"); func() bool { _, ok := s.(*schedule.Cron); return !ok }() {
		t.Errorf("cron expression parsed to %T, want *schedule.Cron", s)
	}
}
