package config

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-0": true, "12": true, "1.5": true, "1e3": true, "1E+3": true, "-1.5e-3": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "+1": false, "0x1F": false,
		"1_000": false, "1e": false, "Infinity": false, "NaN": false, " 1": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestAliasesAndMerges(t *testing.T) {
	f, err := Parse([]byte(`
x-retry: &retry {MaximumRetryAttempts: 3}
Rules:
  - &base
    Name: a
    ScheduleExpression: rate(1 hour)
    Targets:
      - {Id: t, Arn: arn, RetryPolicy: *retry}
  - <<: *base
    Name: b
`), nil)
	if err == nil || err.Error() != "line 2: x-retry: unknown key" {
		t.Fatalf("unknown top-level key holding anchors: err = %v", err)
	}

	f, err = Parse([]byte(`
Rules:
  - &base
    Name: a
    ScheduleExpression: rate(1 hour)
    Targets:
      - &t {Id: t, Arn: arn, RetryPolicy: &retry {MaximumRetryAttempts: 3}}
  - <<: *base
    Name: b
    State: DISABLED
  - Name: c
    ScheduleExpression: rate(2 hours)
    Targets: [*t]
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(f.Rules), 3; got != want {
		t.Fatalf("got %d rules, want %d", got, want)
	}
	b := f.Rules[1]
	if b.Name != "b" || b.State != "DISABLED" || b.ScheduleExpression != "rate(1 hour)" || len(b.Targets) != 1 {
		t.Errorf("merged rule = %+v", b)
	}
	if got := f.Rules[2].Targets[0].RetryPolicy; got == nil || *got.MaximumRetryAttempts != 3 {
		t.Errorf("aliased target's RetryPolicy = %+v", got)
	}
	if b.Key != "Rules[1]" || f.Rules[2].Key != "Rules[2]" {
		t.Errorf("keys = %q, %q", b.Key, f.Rules[2].Key)
	}
}

func TestHostileAliases(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{
			name: "self reference",
			yaml: "Rules:\n  - Name: r\n    EventPattern: &p {a: [*p]}\n",
			want: "line 3: Rules[0].EventPattern.a[0].a[0]",
		},
		{
			name: "self merge",
			yaml: "Queues:\n  - &q\n    <<: *q\n    Name: q\n",
			want: "merge keys nested too deeply",
		},
		{
			name: "alias bomb",
			yaml: "Rules:\n  - Name: r\n    EventPattern:\n" + bomb(12),
			want: "too many values once aliases are expanded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse([]byte(tt.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Parse took %v", d)
			}
		})
	}
}

// bomb returns mapping entries where each level lists the previous one ten
// times: 10^levels strings once expanded.
func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("      l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		p := "*l" + strconv.Itoa(i-1)
		b.WriteString("      l" + strconv.Itoa(i) + ": &l" + strconv.Itoa(i) + " [" + strings.Repeat(p+", ", 9) + p + "]\n")
	}
	return b.String()
}
